"""The committed migrations build the schema, and agree with the models."""

import ast
import importlib.util
from datetime import datetime
from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from flask_migrate import downgrade, upgrade
from sqlalchemy.exc import IntegrityError

from matchmaker.extensions import db
from matchmaker.listings.search import alembic_include_object
from matchmaker.models import Organization, Zone
from matchmaker.utils.text import name_key
from matchmaker.zones.services import zone_key

from ..conftest import app_on


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


VERSIONS = Path(__file__).resolve().parents[2] / "migrations" / "versions"
FROZEN = {"1d2913811bea_organization_name_key.py": {"name_key": name_key},
          "41f313b89455_zone_name_key.py": {"name_key": name_key, "zone_key": zone_key}}  # fmt: skip
SAMPLES = ["华星（深圳）精密有限公司", "华星(深圳）精密有限公司", "ＡＢＣ科技\u200b有限公司", " AI 专区 ", "ＡＩ专区：二期",
           "Straße专区", "\u202eevil", "", "   ", None]  # fmt: skip


@pytest.mark.parametrize("filename", sorted(FROZEN))
def test_the_name_key_migrations_carry_their_own_frozen_rule(filename):
    """These migrations compute keys without importing the app (whose rule may change after them), with copies
    that agree with the app's rule as it is. If the app's rule changes, this fails: do not edit the migrations,
    add one that recomputes the stored keys by the new rule, and pin the old rule's answers here instead."""
    path = VERSIONS / filename
    imported = [
        node.module if isinstance(node, ast.ImportFrom) else alias.name
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8")))
        if isinstance(node, ast.Import | ast.ImportFrom)
        for alias in node.names
    ]
    assert not [m for m in imported if (m or "").split(".")[0] == "matchmaker"], imported
    spec = importlib.util.spec_from_file_location(f"migration_{path.stem}", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    for fn_name, app_fn in FROZEN[filename].items():
        frozen = getattr(module, fn_name)
        assert [frozen(s) for s in SAMPLES] == [app_fn(s) for s in SAMPLES], fn_name
