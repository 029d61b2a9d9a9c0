"""Dialect-aware full-text index DDL and ranked queries over ``search_tokens``."""

import re
import unicodedata
import weakref

from sqlalchemy import Float, Integer, event, func, literal_column, text

from ..extensions import db
from ..matching.tokenize import tokenize

# Table names below come only from this constant, never from input (hence the S608 noqa's).
TABLES = ("tech_need", "result")
MAX_TERMS = 12
# Field weights: title above keywords above body (bm25 column weights on SQLite,
# setweight A/B/D on PostgreSQL).
BM25_WEIGHTS = (10.0, 5.0, 1.0)


def _split_sql(col):
    """SQLite expressions for the three newline-separated parts of a token cache column."""
    nl = "char(10)"
    rest = f"substr({col}, instr({col}, {nl}) + 1)"
    title = f"CASE WHEN instr({col}, {nl}) > 0 THEN substr({col}, 1, instr({col}, {nl}) - 1) ELSE {col} END"
    kw = (
        f"CASE WHEN instr({col}, {nl}) = 0 THEN '' WHEN instr({rest}, {nl}) > 0 "
        f"THEN substr({rest}, 1, instr({rest}, {nl}) - 1) ELSE {rest} END"
    )
    body = (
        f"CASE WHEN instr({col}, {nl}) = 0 OR instr({rest}, {nl}) = 0 THEN '' "
        f"ELSE substr({rest}, instr({rest}, {nl}) + 1) END"
    )
    return title, kw, body


def _sqlite_ddl(table):
    fts = f"{table}_fts"
    t, k, b = _split_sql("new.search_tokens")
    insert = f"INSERT INTO {fts}(rowid, title, keywords, body) VALUES (new.id, {t}, {k}, {b});"  # noqa: S608
    return [
        f"CREATE VIRTUAL TABLE IF NOT EXISTS {fts} USING fts5(title, keywords, body, "
        "tokenize = 'unicode61 remove_diacritics 0')",
        f"CREATE TRIGGER IF NOT EXISTS {fts}_ai AFTER INSERT ON {table} BEGIN {insert} END",
        f"CREATE TRIGGER IF NOT EXISTS {fts}_au AFTER UPDATE OF search_tokens ON {table} BEGIN "  # noqa: S608
        f"DELETE FROM {fts} WHERE rowid = old.id; {insert} END",
        f"CREATE TRIGGER IF NOT EXISTS {fts}_ad AFTER DELETE ON {table} BEGIN "  # noqa: S608
        f"DELETE FROM {fts} WHERE rowid = old.id; END",
    ]


def _sqlite_fill(table):
    fts = f"{table}_fts"
    t, k, b = _split_sql("search_tokens")
    return [
        f"DELETE FROM {fts}",  # noqa: S608
        f"INSERT INTO {fts}(rowid, title, keywords, body) SELECT id, {t}, {k}, {b} FROM {table}",  # noqa: S608
    ]


def _pg_ddl(table):
    part = "split_part(search_tokens, E'\\n', {})"
    vector = (
        f"setweight(to_tsvector('simple'::regconfig, {part.format(1)}), 'A') || "
        f"setweight(to_tsvector('simple'::regconfig, {part.format(2)}), 'B') || "
        f"to_tsvector('simple'::regconfig, {part.format(3)})"
    )
    return [
        f"ALTER TABLE {table} ADD COLUMN IF NOT EXISTS search_vector tsvector GENERATED ALWAYS AS ({vector}) STORED",
        f"CREATE INDEX IF NOT EXISTS ix_{table}_search_vector ON {table} USING gin (search_vector)",
    ]


DDL_SQLITE = {t: _sqlite_ddl(t) for t in TABLES}
DDL_POSTGRESQL = {t: _pg_ddl(t) for t in TABLES}


def _present(conn, table):
    dialect = conn.dialect.name
    if dialect == "sqlite":
        names = {
            r[0] for r in conn.exec_driver_sql("SELECT name FROM sqlite_master WHERE name LIKE ?", (f"{table}_fts%",))
        }
        return {f"{table}_fts", f"{table}_fts_ai", f"{table}_fts_au", f"{table}_fts_ad"} <= names
    if dialect == "postgresql":
        sql = (
            "SELECT 1 FROM information_schema.columns WHERE table_schema = current_schema() "
            "AND table_name = %s AND column_name = 'search_vector'"
        )
        idx = "SELECT 1 FROM pg_indexes WHERE schemaname = current_schema() AND indexname = %s"
        return bool(conn.exec_driver_sql(sql, (table,)).first()) and bool(
            conn.exec_driver_sql(idx, (f"ix_{table}_search_vector",)).first()
        )
    return True


def create_for_table(conn, table, fill=True):
    """Create the index of one table on this connection if missing (and fill it)."""
    if _present(conn, table):
        return False
    dialect = conn.dialect.name
    if dialect == "sqlite":
        for stmt in DDL_SQLITE[table] + (_sqlite_fill(table) if fill else []):
            conn.exec_driver_sql(stmt)
    elif dialect == "postgresql":
        for stmt in DDL_POSTGRESQL[table]:  # the generated column fills itself
            conn.exec_driver_sql(stmt)
    return True


_ready = weakref.WeakSet()


def ensure_search_schema(engine=None):
    """Create the full-text index (FTS5 tables and triggers / tsvector columns) if missing."""
    engine = engine or db.engine
    if engine in _ready:
        return
    with engine.begin() as conn:
        if all(conn.dialect.has_table(conn, t) for t in TABLES):
            for table in TABLES:
                create_for_table(conn, table)
            _ready.add(engine)


def rebuild_search_index():
    """Refill the SQLite FTS tables from ``search_tokens`` (PostgreSQL needs nothing)."""
    ensure_search_schema()
    conn = db.session.connection()
    if conn.dialect.name == "sqlite":
        for table in TABLES:
            for stmt in _sqlite_fill(table):
                conn.exec_driver_sql(stmt)
    db.session.commit()


def install_listeners(metadata_tables):
    """Create the index right after ``create_all`` makes the tables; drop it before drop_all."""
    for table in metadata_tables:
        if table.name not in TABLES or table.info.get("search_listeners"):
            continue
        table.info["search_listeners"] = True

        @event.listens_for(table, "after_create")
        def _after_create(target, connection, **kw):
            create_for_table(connection, target.name, fill=False)

        @event.listens_for(table, "before_drop")
        def _before_drop(target, connection, **kw):
            if connection.dialect.name == "sqlite":
                connection.exec_driver_sql(f"DROP TABLE IF EXISTS {target.name}_fts")


def query_terms(q):
    """Distinct jieba terms of a search box string (at most MAX_TERMS), in order."""
    seen = []
    for t in tokenize(q or ""):
        if t not in seen and any(c.isalnum() for c in t):
            seen.append(t)
    return seen[:MAX_TERMS]


# A run of Latin letters written in camel case (MiniLED, OLEDs, iPhone): its parts where the case turns.
_LETTER_RUN = re.compile(r"[A-Za-z]+")
_CASE_PART = re.compile(r"[A-Z]+(?=[A-Z][a-z])|[A-Z]?[a-z]+|[A-Z]+")
_LATIN = re.compile(r"[a-z]+")


def spellings(q, terms):
    """The terms as groups of spellings, each a tuple of words in a row: a Latin word is also found written apart or
    together — MiniLED (one token, miniled) also as mini led, Mini LED or Mini-LED (two tokens, mini and led) also as
    miniled. Listings tokenise as they were written, so a search found only the one writing (MiniLED: 0 needs, Mini
    LED: 3). Two Latin terms typed apart become one group; every other term is a group of itself."""
    text = unicodedata.normalize("NFKC", q or "")
    camel = {}
    for run in _LETTER_RUN.findall(text):
        parts = [p.casefold() for p in _CASE_PART.findall(run)]
        if len(parts) > 1:
            camel.setdefault(run.casefold(), tuple(parts))
    folded = text.casefold()
    groups, i = [], 0
    while i < len(terms):
        t = terms[i]
        nxt = terms[i + 1] if i + 1 < len(terms) else None
        if nxt and _LATIN.fullmatch(t) and _LATIN.fullmatch(nxt) and re.search(rf"\b{t}[\s\-_·/]+{nxt}\b", folded):
            groups.append([(t, nxt), (t + nxt,)])
            i += 2
            continue
        groups.append([(t,), camel[t]] if t in camel else [(t,)])
        i += 1
    return groups


def _fts5_phrase(words):
    return '"' + " ".join(words).replace('"', '""') + '"'


def _fts5_group(group):
    return _fts5_phrase(group[0]) if len(group) == 1 else "(" + " OR ".join(map(_fts5_phrase, group)) + ")"


def _pg_group(group):
    simple = literal_column("'simple'::regconfig")
    parts = [func.plainto_tsquery(simple, w[0]) if len(w) == 1 else func.phraseto_tsquery(simple, " ".join(w))
             for w in group]  # fmt: skip
    return _joined(parts, "||")


def _joined(parts, op):
    """The tsqueries joined by ``op`` (|| any, && all)."""
    query = parts[0]
    for p in parts[1:]:
        query = query.op(op)(p)
    return query


def ranked(stmt, model, terms, any_term=False, q=None):
    """Restrict ``stmt`` to listings matching the terms (all, or any) and order by relevance; ``q``, the search as
    typed, adds the terms' other spellings (``spellings``)."""
    dialect = db.session.get_bind().dialect.name
    table = model.__tablename__
    groups = spellings(q, terms) if q else [[(t,)] for t in terms]
    if dialect == "postgresql":
        query = _joined([_pg_group(g) for g in groups], "||" if any_term else "&&")
        vector = literal_column(f"{table}.search_vector")
        rank = func.ts_rank(vector, query, 1)
        return stmt.where(vector.op("@@")(query)).order_by(rank.desc(), model.id.desc())
    fts = f"{table}_fts"
    match = (" OR " if any_term else " AND ").join(_fts5_group(g) for g in groups)
    weights = ", ".join(str(w) for w in BM25_WEIGHTS)
    sub = (
        text(f"SELECT rowid AS fts_id, bm25({fts}, {weights}) AS fts_rank FROM {fts} WHERE {fts} MATCH :fts_q")  # noqa: S608
        .bindparams(fts_q=match)
        .columns(fts_id=Integer, fts_rank=Float)
        .subquery("fts")
    )
    return stmt.join(sub, sub.c.fts_id == model.id).order_by(sub.c.fts_rank, model.id.desc())


def alembic_include_object(obj, name, type_, reflected, compare_to):
    """Alembic filter: the full-text objects are made by this module, not by autogenerate."""
    if type_ == "table" and name and "_fts" in name:
        return False
    if type_ == "column" and name == "search_vector":
        return False
    if type_ == "index" and name and name.endswith("_search_vector"):
        return False
    return True
