"""The committed migrations build the schema, and agree with the models."""

from datetime import datetime

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from flask_migrate import upgrade
from sqlalchemy.exc import IntegrityError

from matchmaker.extensions import db
from matchmaker.listings.search import alembic_include_object
from matchmaker.models import Organization

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
