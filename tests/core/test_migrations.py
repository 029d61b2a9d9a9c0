"""The committed migrations build the schema, and agree with the models."""

import ast
from datetime import date, datetime
from decimal import Decimal

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from flask_migrate import downgrade, upgrade
from sqlalchemy import Column, Integer, Text, table
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import IntegrityError
from sqlalchemy.schema import CreateColumn

from matchmaker.extensions import db
from matchmaker.listings import search
from matchmaker.listings.search import alembic_include_object
from matchmaker.models import Organization, Zone
from matchmaker.models.contracts import Money
from matchmaker.utils.text import name_key
from matchmaker.zones.services import zone_key

from ..conftest import MIGRATIONS, app_on, migration_module


def test_upgrade_empty_database_and_no_pending_diff(fresh_db_url, tmp_path):
    app = app_on(fresh_db_url, tmp_path)
    with app.app_context():
        upgrade(directory=app.extensions["migrate"].directory)
        tables = set(db.inspect(db.engine).get_table_names())
        assert {"user", "organization", "tech_need", "result", "contract", "match_suggestion"} <= tables
        diff = _diff()
        assert diff == [], f"models and migrations disagree: {diff}"
        # The full-text index is part of the migrated schema too.
        names = set(db.inspect(db.engine).get_table_names())
        if db.engine.dialect.name == "sqlite":
            assert {"tech_need_fts", "result_fts"} <= names
        else:
            cols = {c["name"] for c in db.inspect(db.engine).get_columns("tech_need")}
            assert "search_vector" in cols
        db.session.remove()
        db.engine.dispose()


def _diff():
    """What autogenerate would still write: the models' schema against the database's."""
    with db.engine.connect() as conn:
        opts = {"compare_type": True, "render_as_batch": True, "include_object": alembic_include_object}
        return compare_metadata(MigrationContext.configure(conn, opts=opts), db.metadata)


def _columns(table):
    return {c["name"] for c in db.inspect(db.engine).get_columns(table)}


INSERT_ORG = "INSERT INTO organization (name, kind, verified, created_at) VALUES (:name, 'enterprise', false, :at)"


def test_organisation_name_keys_are_filled_and_existing_look_alikes_still_upgrade(fresh_db_url, tmp_path):
    """A database holding look-alike organisations (saved before their names were kept unique) upgrades: the
    first of each group takes the key, the later ones keep NULL and their names and rows; a new look-alike is
    refused from then on."""
    app = app_on(fresh_db_url, tmp_path)
    directory = app.extensions["migrate"].directory
    names = ["华星（深圳）精密有限公司", "ABC科技有限公司", "华星(深圳)精密有限公司", "ＡＢＣ科技有限公司", "南方理工大学"]  # fmt: skip
    with app.app_context():
        upgrade(directory=directory, revision="d3a8f6b2c4e1")
        for name in names:
            db.session.execute(db.text(INSERT_ORG), {"name": name, "at": datetime(2026, 1, 1)})
        db.session.commit()
        upgrade(directory=directory)
        rows = db.session.execute(db.text("SELECT name, name_key FROM organization ORDER BY id")).all()
        assert rows == [
            ("华星（深圳）精密有限公司", "华星(深圳)精密有限公司"),
            ("ABC科技有限公司", "ABC科技有限公司"),
            ("华星(深圳)精密有限公司", None),
            ("ＡＢＣ科技有限公司", None),
            ("南方理工大学", "南方理工大学"),
        ]
        db.session.add(Organization(name="华星(深圳）精密有限公司", kind="enterprise"))  # the key is the model's
        with pytest.raises(IntegrityError):
            db.session.commit()
        db.session.rollback()
        db.session.remove()
        db.engine.dispose()


def test_the_organisation_name_key_migration_downgrades_and_upgrades_again(fresh_db_url, tmp_path):
    """Down past 1d2913811bea the column and its index go, the organisations stay; up again the keys are
    recomputed and the schema is the models' again."""
    app = app_on(fresh_db_url, tmp_path)
    directory = app.extensions["migrate"].directory
    with app.app_context():
        upgrade(directory=directory)
        for name in ["华星（深圳）精密有限公司", "华星(深圳)精密有限公司"]:
            db.session.execute(db.text(INSERT_ORG), {"name": name, "at": datetime(2026, 1, 1)})
        db.session.commit()
        downgrade(directory=directory, revision="d3a8f6b2c4e1")
        assert "name_key" not in _columns("organization")
        assert db.session.scalars(db.text("SELECT name FROM organization ORDER BY id")).all() == [
            "华星（深圳）精密有限公司", "华星(深圳)精密有限公司"
        ]  # fmt: skip
        db.session.commit()
        upgrade(directory=directory)
        rows = db.session.execute(db.text("SELECT name, name_key FROM organization ORDER BY id")).all()
        assert rows == [("华星（深圳）精密有限公司", "华星(深圳)精密有限公司"), ("华星(深圳)精密有限公司", None)]
        assert _diff() == []
        db.session.remove()
        db.engine.dispose()


INSERT_ZONE = "INSERT INTO zone (name, active, created_at) VALUES (:name, true, :at)"
ZONE_KEYS = [
    ("AI专区", "ai专区"),
    ("储能专区", "储能专区"),
    ("ai专区", None),  # look-alikes of AI专区, saved later: kept, without a key
    ("ＡＩ 专区", None),
    ("机器人专区", "机器人专区"),
    ("储能 专区", None),
]


def test_zone_name_keys_are_filled_and_existing_look_alikes_still_upgrade_and_downgrade(fresh_db_url, tmp_path):
    """A database holding look-alike zones (saved while only exact names were unique) upgrades: the first of each
    group takes the key, the later ones keep NULL and their names and rows; a new look-alike is refused from
    then on. The downgrade drops the column and keeps every zone; upgraded again, the keys are the same."""
    app = app_on(fresh_db_url, tmp_path)
    directory = app.extensions["migrate"].directory
    with app.app_context():
        upgrade(directory=directory, revision="5c0e7a1f9b2d")
        for name, _ in ZONE_KEYS:
            db.session.execute(db.text(INSERT_ZONE), {"name": name, "at": datetime(2026, 1, 1)})
        db.session.commit()
        for _ in range(2):
            upgrade(directory=directory)
            rows = db.session.execute(db.text("SELECT name, name_key FROM zone ORDER BY id")).all()
            assert [tuple(r) for r in rows] == ZONE_KEYS
            assert _diff() == []
            db.session.add(Zone(name="Ai专区"))  # the key is the model's
            with pytest.raises(IntegrityError):
                db.session.commit()
            db.session.rollback()
            downgrade(directory=directory, revision="5c0e7a1f9b2d")
            assert "name_key" not in _columns("zone")
            names = db.session.scalars(db.text("SELECT name FROM zone ORDER BY id")).all()
            assert names == [name for name, _ in ZONE_KEYS]
            db.session.commit()
        db.session.remove()
        db.engine.dispose()


TAXONOMY_ROWS = [  # (kind, name) as stored before the key, and the key the migration gives
    ("industry", "智能家电", "智能家电"),
    ("industry", "智能 家电", None),  # a look-alike saved while only (kind, name) was unique: kept, no key
    ("field", "智能家电", "智能家电"),  # another list: its own key
    ("industry", "ＡＩ芯片", "ai芯片"),
]


def test_taxonomy_name_keys_are_filled_and_existing_look_alikes_still_upgrade_and_downgrade(fresh_db_url, tmp_path):
    """A database holding look-alike entries in one list upgrades: the first takes the key, the later one keeps NULL
    and its row (listings name it); a new look-alike in the same list is refused by the database from then on, in
    another list it is not. The downgrade drops the column; upgraded again, the keys are the same."""
    from matchmaker.models import Taxonomy

    app = app_on(fresh_db_url, tmp_path)
    directory = app.extensions["migrate"].directory
    with app.app_context():
        upgrade(directory=directory, revision="a7c3e9d1b5f2")
        for i, (kind, name, _) in enumerate(TAXONOMY_ROWS):
            db.session.execute(db.text("INSERT INTO taxonomy (kind, name, sort_order, active) VALUES (:k, :n, :i, true)"),
                               {"k": kind, "n": name, "i": i})  # fmt: skip
        db.session.commit()
        for _ in range(2):
            upgrade(directory=directory)
            rows = db.session.execute(db.text("SELECT kind, name, name_key FROM taxonomy ORDER BY id")).all()
            assert [tuple(r) for r in rows] == TAXONOMY_ROWS
            assert _diff() == []
            db.session.add(Taxonomy(kind="industry", name="ai 芯片"))  # the key is the model's
            with pytest.raises(IntegrityError):
                db.session.commit()
            db.session.rollback()
            db.session.add(Taxonomy(kind="town", name="ai 芯片"))
            db.session.commit()
            db.session.execute(db.text("DELETE FROM taxonomy WHERE kind = 'town'"))
            db.session.commit()
            downgrade(directory=directory, revision="a7c3e9d1b5f2")
            assert "name_key" not in _columns("taxonomy")
            names = db.session.scalars(db.text("SELECT name FROM taxonomy ORDER BY id")).all()
            assert names == [name for _, name, _ in TAXONOMY_ROWS]
            db.session.commit()
        db.session.remove()
        db.engine.dispose()


VERSIONS = MIGRATIONS
FROZEN = {"1d2913811bea_organization_name_key.py": {"name_key": name_key},
          "41f313b89455_zone_name_key.py": {"name_key": name_key, "zone_key": zone_key},
          "b4d7e2a9c1f3_taxonomy_name_key.py": {"name_key": name_key, "zone_key": zone_key}}  # fmt: skip
SAMPLES = ["华星（深圳）精密有限公司", "华星(深圳）精密有限公司", "ＡＢＣ科技\u200b有限公司", " AI 专区 ", "ＡＩ专区：二期",
           "Straße专区", "\u202eevil", "", "   ", None]  # fmt: skip


@pytest.mark.parametrize("filename", sorted(FROZEN))
def test_the_name_key_migrations_carry_their_own_frozen_rule(filename):
    """These migrations compute keys without importing the app (whose rule may change after them), with copies
    that agree with the app's rule as it is. If the app's rule changes, this fails: do not edit the migrations,
    add one that recomputes the stored keys by the new rule, and pin the old rule's answers here instead."""
    module = migration_module(filename)  # (that they import nothing of the app's: test_no_migration_imports_the_app)
    for fn_name, app_fn in FROZEN[filename].items():
        frozen = getattr(module, fn_name)
        assert [frozen(s) for s in SAMPLES] == [app_fn(s) for s in SAMPLES], fn_name


@pytest.mark.parametrize("filename", sorted(p.name for p in VERSIONS.glob("*.py")))
def test_no_migration_imports_the_app(filename):
    """A migration must do tomorrow what it did when written: it imports nothing of the app's (whose models and
    helpers change), and carries a frozen copy of any rule it needs instead (checked against the app's by the tests
    around this one)."""
    tree = ast.parse((VERSIONS / filename).read_text(encoding="utf-8"))
    imported = [
        (node.module or "") if isinstance(node, ast.ImportFrom) else alias.name
        for node in ast.walk(tree)
        if isinstance(node, ast.Import | ast.ImportFrom)
        for alias in node.names
    ]
    imported += [  # importlib.import_module("matchmaker...") / __import__("matchmaker...") too
        node.args[0].value
        for node in ast.walk(tree)
        if isinstance(node, ast.Call) and node.args and isinstance(node.args[0], ast.Constant)
        and getattr(node.func, "attr", getattr(node.func, "id", None)) in ("import_module", "__import__")
    ]  # fmt: skip
    assert not [m for m in imported if str(m).split(".")[0] == "matchmaker"], imported


def _column_ddl(type_, dialect):
    return str(CreateColumn(Column("amount", type_, nullable=False)).compile(dialect=dialect))


@pytest.mark.parametrize("filename", ["ac66dccbeaed_initial_schema.py", "d4f1a7c9e2b3_contract_month_totals.py"])
def test_the_money_migrations_carry_their_own_frozen_column_type(filename):
    """They make the columns the app's Money type makes (BIGINT cents on SQLite, NUMERIC(18,2) on PostgreSQL) with
    their own copy of the type. If the app's type changes, this fails: do not edit the migrations, add one that
    alters the columns, and pin the old columns here instead."""
    frozen = migration_module(filename).Money(precision=18, scale=2)
    for dialect, expected in [(sqlite.dialect(), "amount BIGINT NOT NULL"),
                              (postgresql.dialect(), "amount NUMERIC(18, 2) NOT NULL")]:  # fmt: skip
        assert _column_ddl(frozen, dialect) == _column_ddl(Money(), dialect) == expected


def test_the_initial_migration_carries_its_own_frozen_full_text_ddl():
    """The FTS5 tables and triggers (SQLite), the generated tsvector column and its GIN index (PostgreSQL) are
    the app's, from a copy in the migration. If the app's DDL changes, this fails: do not edit the migration, add
    one that replaces the objects (and refills them), and pin the old DDL here instead."""
    module = migration_module("ac66dccbeaed_initial_schema.py")
    assert module.FTS_TABLES == search.TABLES
    for name in search.TABLES:
        assert module.fts_ddl_sqlite(name) == search.DDL_SQLITE[name]
        assert module.fts_ddl_postgresql(name) == search.DDL_POSTGRESQL[name]


# search_tokens holds a listing's title, keywords and body tokens on three lines.
TOKENS = {1: "储能 电池\n锂电 储能\n正极 材料", 2: "机器人\n\n视觉 检测", 3: "标题"}
SPLIT = {1: ("储能 电池", "锂电 储能", "正极 材料"), 2: ("机器人", "", "视觉 检测"), 3: ("标题", "", "")}
VECTORS = {  # PostgreSQL: title weighted A, keywords B, body D (positions run on across the three)
    1: "'储能':1A,4B '材料':6 '正极':5 '电池':2A '锂电':3B",
    2: "'机器人':1A '检测':3 '视觉':2",
    3: "'标题':1A",
}
EDITED = "新 标题\n储能\n"  # listing 3's tokens after an edit
EDITED_INDEX = {"sqlite": ("新 标题", "储能", ""), "postgresql": "'储能':3B '新':1A '标题':2A"}
AMOUNTS = [Decimal("9999999999999999.99"), Decimal("0.01"), Decimal("12345.60")]  # NUMERIC(18,2)'s largest


def _insert_listing(name, listing_id, tokens, at):
    common = {"id": listing_id, "organization_id": 1, "title": f"标题{listing_id}", "keywords": "",
              "status": "published", "source": "manual", "tokens": "", "search_tokens": tokens, "created_at": at,
              "updated_at": at}  # fmt: skip
    if name == "tech_need":
        extra = {"summary": "", "problem": "", "indicators": "", "conditions": "", "budget_negotiable": False,
                 "confidentiality": "public"}  # fmt: skip
    else:
        extra = {"abstract": "", "detail": "", "price_negotiable": False, "advantages": ""}
    row = common | extra
    db.session.execute(
        db.text(f"INSERT INTO {name} ({', '.join(row)}) VALUES ({', '.join(':' + k for k in row)})"), row
    )


def _full_text(name):
    """What the full-text index holds for each listing: the three parts (SQLite) or the tsvector (PostgreSQL)."""
    if db.engine.dialect.name == "sqlite":
        sql = f"SELECT rowid, title, keywords, body FROM {name}_fts ORDER BY rowid"  # noqa: S608
        return {r[0]: tuple(r[1:]) for r in db.session.execute(db.text(sql))}
    sql = f"SELECT id, search_vector::text FROM {name} ORDER BY id"  # noqa: S608
    return dict(db.session.execute(db.text(sql)).all())


def _matching(name, term):
    if db.engine.dialect.name == "sqlite":
        sql = f"SELECT rowid FROM {name}_fts WHERE {name}_fts MATCH :q ORDER BY rowid"  # noqa: S608
        return db.session.scalars(db.text(sql), {"q": f'"{term}"'}).all()
    sql = f"SELECT id FROM {name} WHERE search_vector @@ plainto_tsquery('simple', :q) ORDER BY id"  # noqa: S608
    return db.session.scalars(db.text(sql), {"q": term}).all()


def test_the_frozen_schema_copies_hold_the_same_data_through_the_migration_chain(fresh_db_url, tmp_path):
    """Listings and contracts saved right after the initial schema (its frozen full-text DDL and Money columns)
    come through every later migration: the full-text index holds each listing's title, keywords and body as
    written, follows edits and deletes, and finds them; the amounts are exact to the cent at NUMERIC(18,2)'s
    largest, stored as integer cents on SQLite. The contract month totals (the other frozen Money copy) too."""
    app = app_on(fresh_db_url, tmp_path)
    directory = app.extensions["migrate"].directory
    sqlite_db = app.config["SQLALCHEMY_DATABASE_URI"].startswith("sqlite")
    expected = SPLIT if sqlite_db else VECTORS
    at = datetime(2026, 1, 1)
    contract = table("contract", *(Column(c, Integer) for c in ("id", "buyer_id", "seller_id", "version")),
                     *(Column(c, Text) for c in ("contract_no", "type", "title", "registration_status", "channel",
                                                 "note")),
                     Column("amount", Money()), Column("transaction_amount", Money()), Column("signed_on", db.Date),
                     Column("voided", db.Boolean), Column("created_at", db.DateTime),
                     Column("updated_at", db.DateTime))  # fmt: skip
    with app.app_context():
        upgrade(directory=directory, revision="ac66dccbeaed")
        db.session.execute(db.text(INSERT_ORG), {"name": "华星科技有限公司", "at": at})
        for name in search.TABLES:
            for listing_id, tokens in TOKENS.items():
                _insert_listing(name, listing_id, tokens, at)
        db.session.commit()
        with db.engine.begin() as conn:  # not through the session, whose hooks keep tables made later up to date
            for i, amount in enumerate(AMOUNTS, start=1):
                conn.execute(contract.insert().values(
                    id=i, buyer_id=1, seller_id=1, version=1, contract_no=f"HT-{i}", type="transfer", title="合同",
                    registration_status="none", channel="online", note="", amount=amount, transaction_amount=amount,
                    signed_on=date(2026, 1, 2), voided=False, created_at=at, updated_at=at))  # fmt: skip
        for name in search.TABLES:
            assert _full_text(name) == expected
        db.session.commit()

        upgrade(directory=directory)
        raw = db.session.execute(db.text("SELECT amount, transaction_amount FROM contract ORDER BY id")).all()
        if sqlite_db:  # whole cents in an integer column
            assert [tuple(r) for r in raw] == [(int(a * 100), int(a * 100)) for a in AMOUNTS]
            kinds = db.session.scalars(db.text("SELECT DISTINCT typeof(amount) FROM contract")).all()
            assert kinds == ["integer"]
        else:
            assert [tuple(r) for r in raw] == [(a, a) for a in AMOUNTS]
        with db.engine.connect() as conn:
            read = conn.execute(contract.select().order_by(contract.c.id)).all()
        assert [(r.amount, r.transaction_amount) for r in read] == [(a, a) for a in AMOUNTS]
        for name in search.TABLES:
            assert _full_text(name) == expected
            assert _matching(name, "储能") == [1]
            assert _matching(name, "检测") == [2]
            db.session.execute(db.text(f"UPDATE {name} SET search_tokens = :t WHERE id = 3"),  # noqa: S608
                               {"t": EDITED})  # fmt: skip
            db.session.execute(db.text(f"DELETE FROM {name} WHERE id = 2"))  # noqa: S608
            assert _matching(name, "储能") == [1, 3]
            assert _matching(name, "检测") == []
            after = {k: v for k, v in expected.items() if k != 2} | {3: EDITED_INDEX[db.engine.dialect.name]}
            assert _full_text(name) == after

        totals = table("contract_month_total", Column("id", Integer), Column("month", Integer),
                       Column("dimension", Text), Column("count", Integer), Column("amount", Money()),
                       Column("transaction_amount", Money()))  # fmt: skip
        db.session.execute(totals.insert(), [{"month": 202601, "dimension": "channel", "count": 1, "amount": a,
                                              "transaction_amount": a} for a in AMOUNTS])  # fmt: skip
        raw = db.session.scalars(db.text("SELECT amount FROM contract_month_total ORDER BY id")).all()
        assert raw == ([int(a * 100) for a in AMOUNTS] if sqlite_db else AMOUNTS)
        assert (
            db.session.scalars(totals.select().with_only_columns(totals.c.amount).order_by(totals.c.id)).all()
            == AMOUNTS
        )
        db.session.commit()
        db.session.remove()
        db.engine.dispose()
