"""A new pair auto-routed to a broker whom an admin is deactivating at that moment (the matcher's routing, or an
owner's 请求牵线 routing an unassigned pair): routing read the active brokers without a lock, so the pair could be
written to the broker after the deactivation had released their pairs, and stay with the departed broker, out of
every other broker's queue. Now routing holds the broker as 认领 and 分配 do (pipeline.hold_broker): either it
commits first and the deactivation releases the pair, or it sees the deactivation and leaves the pair to nobody."""

import threading

import pytest

from matchmaker.auth import services as accounts
from matchmaker.brokers import services
from matchmaker.extensions import db
from matchmaker.models import BrokerAssignment, MatchSuggestion, Notification, User
from matchmaker.suggestions import pipeline, routing

from ..conftest import DB_URL
from ..factories import make_need, make_result, make_suggestion, make_user
from ..races import at_once

ENTRIES = {
    "matcher": lambda s, owner: routing.suggestions_created([s.id]),
    "owner_request": lambda s, owner: services.request_introduction(s, owner),
}
# Where the two meet: routing has read the brokers when the deactivation commits; the deactivation has released
# the broker's pairs (its lock held, not committed) when routing runs; routing has written the pair (not committed)
# when the deactivation runs. The first two left the pair to the departed broker; the last one was already ordered
# on PostgreSQL by the key-share lock of the pair's foreign key (kept here so that it stays so).
STAGES = ("read_then_deactivated", "deactivation_uncommitted", "routing_uncommitted")
MEANWHILE = 0.5  # seconds the first keeps its transaction open for the other to arrive (no assertion on time)


def _setup(app):
    with app.app_context():
        owner, broker, admin = make_user("enterprise"), make_user("broker"), make_user("admin")
        db.session.add(BrokerAssignment(broker_id=broker.id, industry="新能源"))
        s = make_suggestion(make_need(user=owner, industry="新能源"), make_result())
        ids = dict(s=s.id, owner=owner.id, broker=broker.id, admin=admin.id)
        db.session.remove()
    return ids


def _stall(monkeypatch, stage, reached, deactivated):
    """Hold the first of the two at ``stage`` until the other has arrived (or done, when it can finish)."""
    if stage == "read_then_deactivated":

        class Router(routing._Router):
            def __init__(self):
                super().__init__()
                reached.set()
                deactivated.wait(10)

        monkeypatch.setattr(routing, "_Router", Router)
    elif stage == "deactivation_uncommitted":
        real = pipeline.release_pairs

        def release_then_wait(broker_id):
            released = real(broker_id)
            reached.set()
            threading.Event().wait(MEANWHILE)
            return released

        monkeypatch.setattr(pipeline, "release_pairs", release_then_wait)
    else:
        real = routing.route_suggestions

        def route_then_wait(*args, **kwargs):
            routed = real(*args, **kwargs)
            db.session.flush()
            reached.set()
            threading.Event().wait(MEANWHILE)
            return routed

        monkeypatch.setattr(routing, "route_suggestions", route_then_wait)


@pytest.mark.parametrize("stage", STAGES)
@pytest.mark.parametrize("entry", sorted(ENTRIES))
def test_a_pair_routed_to_a_broker_being_deactivated_is_never_left_to_them(file_app, monkeypatch, entry, stage):
    """Whichever commits first, the pair ends with no broker and the deactivated broker is told of it only when
    routing committed first (the deactivation then released it)."""
    if not DB_URL and entry == "owner_request" and stage == "read_then_deactivated":
        pytest.skip("SQLite: the request's own write holds the one write lock, so the deactivation waits for it")
    ids = _setup(file_app)
    reached, deactivated = threading.Event(), threading.Event()
    _stall(monkeypatch, stage, reached, deactivated)

    def deactivate():
        admin, broker = db.session.get(User, ids["admin"]), db.session.get(User, ids["broker"])
        broker.active  # noqa: B018 - the admin's page read the account

        def act():
            if stage != "deactivation_uncommitted":
                reached.wait(10)
            try:
                accounts.set_active(broker, False, admin)
            finally:
                deactivated.set()

        return act

    def route():
        s, owner = db.session.get(MatchSuggestion, ids["s"]), db.session.get(User, ids["owner"])
        s.status, s.assigned_broker_id  # noqa: B018 - loaded before the other acts

        def act():
            if stage == "deactivation_uncommitted":
                reached.wait(10)
            ENTRIES[entry](s, owner)

        return act

    outcomes = at_once(file_app, [deactivate, route], (services.BrokerError, accounts.AccountError))
    assert outcomes == ["ok", "ok"], outcomes
    with file_app.app_context():
        s, broker = db.session.get(MatchSuggestion, ids["s"]), db.session.get(User, ids["broker"])
        told = db.session.scalar(db.select(db.func.count(Notification.id)).filter_by(user_id=broker.id))
        assert broker.active is False and s.assigned_broker_id is None, (stage, entry)
        assert bool(told) == (stage == "routing_uncommitted"), (stage, entry)
        db.session.remove()
