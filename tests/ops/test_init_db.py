"""flask init-db: the schema, the lists, and the matching engine compiled before the first matching needs it."""

from matchmaker.extensions import db
from matchmaker.matching import engine
from matchmaker.models import Taxonomy

from ..conftest import app_on


def test_init_db_builds_the_schema_and_warms_the_engine_up(fresh_db_url, tmp_path, monkeypatch):
    """A new install's first matching would otherwise compile (about a minute) inside the job consumer."""
    calls = []
    monkeypatch.setattr(engine, "warm_up", lambda: calls.append(1))
    app = app_on(fresh_db_url, tmp_path)
    with app.app_context():
        runner = app.test_cli_runner()
        result = runner.invoke(args=["init-db"])
        assert result.exit_code == 0, result.output
        assert "数据库已就绪" in result.output and "匹配引擎已就绪" in result.output and calls == [1]
        assert db.session.scalar(db.select(db.func.count(Taxonomy.id))) > 0
        result = runner.invoke(args=["init-db", "--no-warm-up"])  # again: an upgrade, nothing compiled
        assert result.exit_code == 0 and "匹配引擎" not in result.output and calls == [1]
        db.session.remove()
        db.engine.dispose()


def test_demo_compiles_the_engine_before_its_fit(fresh_db_url, tmp_path, monkeypatch):
    """The demo's refit record (匹配引擎's 上次重建 · 重建用时) is the fit's time, not a minute of compiling."""
    import matchmaker.demo

    calls = []
    monkeypatch.setattr(engine, "warm_up", lambda: calls.append("warm_up"))
    monkeypatch.setattr(matchmaker.demo, "run_demo", lambda echo: calls.append("demo"))
    app = app_on(fresh_db_url, tmp_path)
    with app.app_context():
        runner = app.test_cli_runner()
        result = runner.invoke(args=["demo"])
        assert result.exit_code == 0, result.output
        assert calls == ["warm_up", "demo"] and "正在准备匹配引擎" in result.output
        db.session.remove()
        db.engine.dispose()
