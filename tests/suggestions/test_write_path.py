"""The write path from "publish need" to "suggestion stored": the application modules it crosses, its commits.

Measured with ``sys.setprofile`` around one POST /needs/new: every matchmaker module whose code runs
between the request and the first MatchSuggestion INSERT. Infrastructure every request uses (models,
extensions, the app factory's hooks, shared helpers, the job runner, templates' filters) is not an
application module of the path; the areas the write goes through are.
"""

import sys

from sqlalchemy import event
from sqlalchemy.orm import Session

from matchmaker.extensions import db
from matchmaker.models import MatchSuggestion, TechNeed

from ..needs.conftest import lists  # noqa: F401  (the maintained lists the need form checks)
from ..needs.helpers import NEED_FORM
from .conftest import NEED_TEXT

# Shared by every request or write, not steps of this path.
INFRASTRUCTURE = ("matchmaker.models", "matchmaker.extensions", "matchmaker.utils", "matchmaker.jobs",
                  "matchmaker.web", "matchmaker.auth", "matchmaker.config", "matchmaker.assets", "matchmaker.cache",
                  "matchmaker.pagecache",
                  # session hooks noting the signing months a flush touches, on every flush (as matchmaker.cache)
                  "matchmaker.reports.summary",
                  "matchmaker.signals", "matchmaker.matching")  # fmt: skip
LIMIT = 4


def trace_publish(client):
    """(modules entered in order until the first suggestion INSERT, commits seen by then, commits in all)."""
    entered, commits, state = [], [], {"stored": False, "at": None}

    def profile(frame, what, arg):
        if what != "call" or state["stored"]:
            return
        name = frame.f_globals.get("__name__", "")
        if name.startswith("matchmaker") and (not entered or entered[-1][0] != name):
            entered.append((name, frame.f_code.co_name))

    def inserted(mapper, connection, target):
        if not state["stored"]:
            state["stored"], state["at"] = True, len(commits)

    def committed(session):
        frame = sys._getframe(1)
        while frame and not frame.f_globals.get("__name__", "").startswith("matchmaker"):
            frame = frame.f_back
        commits.append(f"{frame.f_globals['__name__']}.{frame.f_code.co_name}" if frame else "?")

    event.listen(MatchSuggestion, "before_insert", inserted)
    event.listen(Session, "after_commit", committed, insert=True)  # every session: the request's and the job's
    sys.setprofile(profile)
    try:
        resp = client.post("/needs/new", data=dict(NEED_FORM, summary="智能门锁指纹识别", **NEED_TEXT))
    finally:
        sys.setprofile(None)
        event.remove(MatchSuggestion, "before_insert", inserted)
        event.remove(Session, "after_commit", committed)
    assert resp.status_code == 302 and state["stored"]
    return entered, state["at"], commits


def areas(entered):
    """The application modules (area packages) the path enters, in order; infrastructure left out."""
    seen = []
    for name, _ in entered:
        area = ".".join(name.split(".")[:2])
        if not name.startswith(INFRASTRUCTURE) and area not in seen:
            seen.append(area)
    return seen


def write_steps(entered):
    """The modules doing the write itself, in order: form parsing, validation and read-only checks left out."""
    skip = (".forms", ".validation", ".kinds", ".search", "main.services")
    steps = []
    for name, _ in entered:
        if not name.startswith(INFRASTRUCTURE) and not name.endswith(skip) and name not in steps:
            steps.append(name)
    return steps


def test_publish_need_to_suggestion_stored_crosses_at_most_four_modules(client, auth, corpus, runner):
    """needs → listings (one commit) → after the commit, suggestions' job and store: ≤ 4 application modules."""
    assert runner.invoke(args=["rebuild-index", "--no-suggest"]).exit_code == 0  # the steady state: an index exists
    auth.login(corpus["enterprise"])
    entered, commits_before_insert, commits = trace_publish(client)
    assert areas(entered) == ["matchmaker.listings", "matchmaker.needs", "matchmaker.main", "matchmaker.suggestions"]
    assert len(areas(entered)) <= LIMIT
    assert write_steps(entered) == [
        "matchmaker.listings",  # the before-request check that the search tables exist
        "matchmaker.needs.routes", "matchmaker.listings.views", "matchmaker.suggestions.services",
        "matchmaker.suggestions.indexing", "matchmaker.listings.services", "matchmaker.listings.tokens",
        "matchmaker.listings.lifecycle", "matchmaker.suggestions.tasks", "matchmaker.suggestions.store",
    ]  # fmt: skip
    # One commit per transaction: the need's (by its service), then the matching job's, which stores the pair.
    assert commits_before_insert == 1
    assert commits[:2] == ["matchmaker.listings.services.create", "matchmaker.suggestions.store.refresh_listing"]
    need = db.session.scalars(db.select(TechNeed).filter_by(title=NEED_TEXT["title"])).one()
    stored = db.session.scalars(db.select(MatchSuggestion.result_id).filter_by(need_id=need.id)).all()
    assert corpus["result"].id in stored  # the obvious match is stored (the engine may add a weaker one)
