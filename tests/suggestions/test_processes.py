"""Several worker processes share INDEX_DIR: a new index version, new listings and domain words
reach a second, real process without a restart."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from matchmaker.extensions import db
from matchmaker.models import DomainTerm
from matchmaker.suggestions import indexing, refit, services

from ..conftest import DB_URL
from ..factories import make_need, make_result, make_user
from ..procs import dies_with_parent, pythonpath
from .conftest import NEED_TEXT, OTHER_NEEDS, OTHER_RESULTS, RESULT_TEXT

ROOT = Path(__file__).resolve().parents[2]


class Worker:
    """A real second process running the app on the same database and INDEX_DIR."""

    def __init__(self, config, tmp_path):
        env = dict(os.environ, PYTHONPATH=pythonpath(ROOT), MATCHMAKER_INSTANCE_PATH=str(tmp_path / "worker-instance"))
        self.proc = subprocess.Popen(
            dies_with_parent([sys.executable, Path(__file__).with_name("worker.py"), json.dumps(config)]),
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True, env=env, cwd=str(ROOT),
        )  # fmt: skip
        assert self._read() == "ready"

    def _read(self):
        line = self.proc.stdout.readline()
        assert line, "worker process died"
        return json.loads(line)

    def ask(self, command):
        self.proc.stdin.write(command + "\n")
        self.proc.stdin.flush()
        return self._read()

    def close(self):
        self.proc.stdin.close()
        self.proc.wait(timeout=30)
        self.proc.stdout.close()


@pytest.fixture
def shared(make_app, tmp_path):
    """This process's app on a database a second process can open, and that second process."""
    extra = {} if DB_URL else {"SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'shared.sqlite'}"}
    app = make_app(MATCH_THRESHOLD=0.35, **extra)
    cfg = app.config
    config = {
        "TESTING": True, "SECRET_KEY": "test-secret-key-not-for-production", "INDEX_DIR": cfg["INDEX_DIR"],
        "SQLALCHEMY_DATABASE_URI": cfg["SQLALCHEMY_DATABASE_URI"], "MATCH_THRESHOLD": 0.35,
        "RATELIMIT_STORAGE_URI": "memory://",
    }  # fmt: skip
    with app.app_context():
        researcher = make_user("researcher")
        make_result(user=researcher, **RESULT_TEXT)
        for kw in OTHER_RESULTS:
            make_result(user=researcher, **kw)
        for kw in OTHER_NEEDS:
            make_need(**kw)
        refit.rebuild(trigger="cli")
        worker = Worker(config, tmp_path)
        try:
            yield app, worker, researcher
        finally:
            worker.close()
            db.session.remove()


def test_second_process_picks_up_new_index_version(shared):
    """After a refit here, the other process uses the new version at its next request."""
    app, worker, _ = shared
    first = indexing.get_engine().version_
    assert worker.ask("version") == first
    second = refit.rebuild(trigger="cli").version_
    assert second != first
    assert worker.ask("version") == second


def test_listing_published_here_is_matched_there_without_refit(shared):
    """A need and a result published in this process are matched by the other at once."""
    app, worker, researcher = shared
    version = indexing.get_engine().version_
    need = make_need(user=make_user("enterprise"), **NEED_TEXT)
    services.listing_changed(need)
    late = make_result(user=researcher, title="智能门锁指纹识别算法", keywords="指纹识别,智能门锁",
                       abstract="用于智能门锁的指纹识别算法，识别快。")  # fmt: skip
    services.listing_changed(late)
    found = worker.ask(f"match {need.id}")
    assert late.id in found[:2]
    assert worker.ask("version") == version  # no refit happened
    late.status = "closed"
    db.session.commit()
    services.listing_changed(late)
    assert late.id not in worker.ask(f"match {need.id}")


def test_domain_word_reaches_other_process_at_next_refit(shared):
    """An admin word changes tokenisation in every process once the index is refitted."""
    app, worker, _ = shared
    assert worker.ask("tokenize 锁芯驱动板") != ["锁芯驱动板"]
    db.session.add(DomainTerm(word="锁芯驱动板"))
    db.session.commit()
    assert indexing.refit_due(indexing.get_engine()) == "dictionary"
    refit.rebuild(trigger="cli")
    worker.ask("version")  # the next request of that worker loads the new index and its dictionary
    assert worker.ask("tokenize 锁芯驱动板") == ["锁芯驱动板"]
