"""The committed migrations build the schema, and agree with the models."""

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from flask_migrate import upgrade

from matchmaker.extensions import db

from ..conftest import app_on


def test_upgrade_empty_database_and_no_pending_diff(fresh_db_url, tmp_path):
    app = app_on(fresh_db_url, tmp_path)
    with app.app_context():
        upgrade(directory=app.extensions["migrate"].directory)
        tables = set(db.inspect(db.engine).get_table_names())
        assert {"user", "organization", "tech_need", "result", "contract", "match_suggestion"} <= tables
        with db.engine.connect() as conn:
            ctx = MigrationContext.configure(conn, opts={"compare_type": True, "render_as_batch": True})
            diff = compare_metadata(ctx, db.metadata)
        assert diff == [], f"models and migrations disagree: {diff}"
        db.session.remove()
        db.engine.dispose()
