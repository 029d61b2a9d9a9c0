"""The committed migrations build the schema, and agree with the models."""

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from flask_migrate import upgrade

from matchmaker.extensions import db
from matchmaker.listings.search import alembic_include_object

from ..conftest import app_on


def test_upgrade_empty_database_and_no_pending_diff(fresh_db_url, tmp_path):
    app = app_on(fresh_db_url, tmp_path)
    with app.app_context():
        upgrade(directory=app.extensions["migrate"].directory)
        tables = set(db.inspect(db.engine).get_table_names())
        assert {"user", "organization", "tech_need", "result", "contract", "match_suggestion"} <= tables
        with db.engine.connect() as conn:
            opts = {"compare_type": True, "render_as_batch": True, "include_object": alembic_include_object}
            ctx = MigrationContext.configure(conn, opts=opts)
            diff = compare_metadata(ctx, db.metadata)
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
