"""Backup and restore round trip on the configured database kind."""

from flask_migrate import upgrade

from matchmaker.extensions import db
from matchmaker.models import Organization

from ..conftest import app_on
from ..factories import make_org


def test_backup_restore_round_trip(fresh_db_url, tmp_path):
    """Back up, change the data, restore: the data is as it was at backup time."""
    app = app_on(fresh_db_url, tmp_path)
    with app.app_context():
        upgrade(directory=app.extensions["migrate"].directory)
        make_org("university", name="备份前的大学")
        runner = app.test_cli_runner()
        out = tmp_path / "b.bak"
        result = runner.invoke(args=["backup", "-o", str(out)])
        assert result.exit_code == 0, result.output
        assert out.stat().st_size > 0
        make_org("university", name="备份后的大学")
        db.session.remove()
        result = runner.invoke(args=["restore", str(out), "--yes"])
        assert result.exit_code == 0, result.output
        names = set(db.session.scalars(db.select(Organization.name)))
        assert names == {"备份前的大学"}
        db.session.remove()
        db.engine.dispose()


def test_restore_rejects_a_non_backup_file(fresh_db_url, tmp_path):
    app = app_on(fresh_db_url, tmp_path)
    bogus = tmp_path / "not-a-backup.bak"
    bogus.write_bytes(b"hello, this is not a database")
    with app.app_context():
        upgrade(directory=app.extensions["migrate"].directory)
        make_org("university", name="保留的大学")
        result = app.test_cli_runner().invoke(args=["restore", str(bogus), "--yes"])
        assert result.exit_code != 0
        assert "失败" in result.output or "不是有效" in result.output
        db.session.remove()
        assert db.session.scalar(db.select(Organization.name)) == "保留的大学"
        db.session.remove()
        db.engine.dispose()
