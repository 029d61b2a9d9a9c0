"""A broker deactivated at the moment a pair is given to them (their own 认领, or an admin's 分配): nothing ordered
the two, so the pair could stay with the departed broker, out of every other broker's queue (release_pairs had
already run, or ran before the claim committed). Now either the claim lands first and is released with the
broker's other pairs, or it is refused in Chinese; never a pair left to a deactivated broker."""

import time

import pytest

from matchmaker.auth import services as accounts
from matchmaker.brokers import services
from matchmaker.extensions import db
from matchmaker.models import MatchSuggestion, User

from ..factories import make_need, make_result, make_suggestion, make_user
from ..races import at_once

# The gift this many seconds after the deactivation starts (before it when negative): it lands before, during and
# after it.
DELAYS = (-0.1, -0.02, -0.005, 0, 0.002, 0.005, 0.01, 0.02, 0.05)


def _setup(app):
    with app.app_context():
        s = make_suggestion(make_need(), make_result())
        s.assigned_broker_id = None
        broker, admin, admin2 = make_user("broker"), make_user("admin"), make_user("admin")
        db.session.commit()
        ids = dict(s=s.id, broker=broker.id, admin=admin.id, admin2=admin2.id)
        db.session.remove()
    return ids


def _gift_while_deactivating(app, give, delay):
    """``give(s, broker, admin2)`` ``delay`` seconds after an admin's deactivation of the broker starts (before it
    when negative), both loaded first."""
    ids = _setup(app)

    def deactivate():
        admin, broker = db.session.get(User, ids["admin"]), db.session.get(User, ids["broker"])
        broker.active  # noqa: B018 - the admin's page read the account
        return lambda: (time.sleep(max(-delay, 0)), accounts.set_active(broker, False, admin))

    def gift():
        s, broker = db.session.get(MatchSuggestion, ids["s"]), db.session.get(User, ids["broker"])
        admin2 = db.session.get(User, ids["admin2"])
        s.status, s.assigned_broker_id, broker.active  # noqa: B018 - loaded before the other acts
        return lambda: (time.sleep(max(delay, 0)), give(s, broker, admin2))

    outcomes = at_once(app, [deactivate, gift], (services.BrokerError, accounts.AccountError))
    with app.app_context():
        s, broker = db.session.get(MatchSuggestion, ids["s"]), db.session.get(User, ids["broker"])
        state = (broker.active, s.assigned_broker_id)
        db.session.remove()
    return outcomes, state


@pytest.mark.parametrize(
    ("give", "refusal"),
    [
        (lambda s, broker, admin2: services.claim(s, broker), "您的账号已被停用，不能认领推荐"),
        (lambda s, broker, admin2: services.assign(s, admin2, broker.id), "该技术经纪人的账号已停用"),
        (lambda s, broker, admin2: services.accept(s, broker, "suggested"), "该技术经纪人的账号已停用"),
    ],
    ids=["claim", "assign", "accept"],
)
def test_a_pair_given_to_a_broker_being_deactivated_is_never_left_to_them(file_app, give, refusal):
    """Either the gift commits first and the deactivation releases it, or it is refused: never both kept."""
    for delay in DELAYS:
        outcomes, (active, broker_id) = _gift_while_deactivating(file_app, give, delay)
        assert outcomes[0] == "ok", outcomes
        assert active is False and broker_id is None, (delay, outcomes)
        assert outcomes[1] == "ok" or refusal in outcomes[1], (delay, outcomes)
