"""Cross-account access: every object route, tried by a second user of the same role.

Each case builds an object owned by (or assigned to) user A, then user B of the same role
requests the route directly. The answer must be 403 or 404 and nothing may change.
"""

from datetime import datetime

import pytest

from matchmaker.extensions import db
from matchmaker.models import ApiToken, Contract, Event, MatchSuggestion, Notification, Result, TechNeed
from matchmaker.notifications.services import notify

from ..factories import make_contract, make_need, make_result, make_signing_document, make_suggestion, make_user
from .access_table import ACCESS

NEED_FORM = {"title": "被篡改的需求标题", "problem": "x" * 20, "action": "close"}


def _need(a):
    return make_need(user=a)


def _result(a):
    return make_result(user=a)


def _contract(a):
    return make_contract(broker_id=a.id, created_by_id=a.id)


def _signing(a):
    """A contract out for online signing with user A (enterprise or researcher) as a party's signer."""
    other = make_user("researcher" if a.role == "enterprise" else "enterprise")
    buyer, seller = (a, other) if a.role == "enterprise" else (other, a)
    contract = make_contract(buyer=buyer.organization, seller=seller.organization)
    make_signing_document(contract, buyer, seller)
    return contract


def _signing_by(a):
    """A broker's contract out for online signing."""
    contract = make_contract(broker_id=a.id, created_by_id=a.id)
    make_signing_document(contract, make_user("enterprise", org=contract.buyer),
                          make_user("researcher", org=contract.seller), prepared_by=a)  # fmt: skip
    return contract


def _documents(contract):
    from matchmaker.models import ContractDocument

    return [(d.status, d.current_hash) for d in db.session.scalars(db.select(ContractDocument).filter_by(
        contract_id=contract.id))]  # fmt: skip


def _suggestion(a):
    return make_suggestion(broker=a)


def _event(a):
    e = Event(title="经纪人甲的对接活动", starts_at=datetime(2030, 1, 1, 9), created_by_id=a.id)
    db.session.add(e)
    db.session.commit()
    return e


def _note(a):
    n = notify(a, "test", "只给甲的通知", "/dashboard", commit=True)
    return n


def _token(a):
    from matchmaker.tokens.services import issue

    return issue(a, a, "甲的令牌", ["read"], 30)[0]


def _introduced(a):
    """A pair introduced to enterprise user A's need."""
    return make_suggestion(need=make_need(user=a), status="introduced")


def _suggested(a):
    """The matcher's suggestion for enterprise user A's need (A may ask a broker to introduce it)."""
    return make_suggestion(need=make_need(user=a))


def _urgent(a):
    """Enterprise user A's need in the fast channel."""
    from matchmaker.urgent.services import mark_existing

    return mark_existing(make_need(user=a), a, "order", "订单交期紧迫")


def _urgent_state(o):
    from matchmaker.models import UrgentRequest

    return db.session.scalar(db.select(db.func.count(UrgentRequest.id)))


def _visit(a):
    """Broker A's visit record."""
    from matchmaker.models import Visit
    from matchmaker.visits.services import save_visit

    data = {"organization_id": make_user("enterprise").organization_id, "kind": "visit",
            "visited_on": datetime(2020, 5, 1).date(), "topic": "经纪人甲的走访", "people": "甲"}  # fmt: skip
    return save_visit(Visit(), data, a)


def _visit_state(o):
    from matchmaker.models import Visit

    v = db.session.get(Visit, o.id)
    return v.topic, len(v.needs)


def _live(a):
    """Broker A's live session."""
    from matchmaker.classes.services import save_session
    from matchmaker.models import LiveSession

    return save_session(LiveSession(), {"kind": "class", "title": "经纪人甲的课堂", "speaker": "甲",
                                        "starts_at": datetime(2030, 1, 1, 15), "published": True}, a)  # fmt: skip


def _live_state(o):
    from matchmaker.models import LiveSession

    return db.session.get(LiveSession, o.id).title


def _live_registered(a):
    """Broker A's live session with one registration, attendance not marked."""
    from matchmaker.classes.services import register

    s = _live(a)
    register(s, make_user("enterprise", email="viewer@ent.cn"))
    return s


def _live_attendance(o):
    from matchmaker.models import LiveRegistration, LiveSession

    regs = db.session.scalars(db.select(LiveRegistration).filter_by(session_id=o.id)).all()
    return [(r.attended, r.attendance_source) for r in regs], db.session.get(LiveSession, o.id).guest_attendees


def _financing(a):
    """Enterprise user A's financing application."""
    from decimal import Decimal

    from matchmaker.financing.services import apply_for
    from matchmaker.listings.validation import patent_error

    number = next(f"ZL201910123456.{d}" for d in "0123456789X" if not patent_error(f"ZL201910123456.{d}"))
    return apply_for(a, {"patents": number, "amount_wanted": Decimal(100), "term_months": 6})


def _financing_state(o):
    from matchmaker.models import FinancingCase

    return db.session.get(FinancingCase, o.id).status


# (role, method, url template, builder, snapshot of what must not change)
CASES = [
    ("enterprise", "GET", "/needs/{id}/edit", _need, None),
    ("enterprise", "GET", "/matches/need/{id}", _need, None),
    ("researcher", "GET", "/matches/result/{id}", _result, None),
    ("enterprise", "POST", "/needs/{id}/edit", _need, lambda o: db.session.get(TechNeed, o.id).title),
    ("enterprise", "POST", "/needs/{id}/status", _need, lambda o: db.session.get(TechNeed, o.id).status),
    ("researcher", "GET", "/results/{id}/edit", _result, None),
    ("researcher", "POST", "/results/{id}/edit", _result, lambda o: db.session.get(Result, o.id).title),
    ("researcher", "POST", "/results/{id}/status", _result, lambda o: db.session.get(Result, o.id).status),
    ("broker", "GET", "/contracts/{id}", _contract, None),
    ("broker", "GET", "/contracts/{id}/edit", _contract, None),
    ("broker", "POST", "/contracts/{id}/edit", _contract, lambda o: db.session.get(Contract, o.id).title),
    ("broker", "POST", "/contracts/{id}/void", _contract, lambda o: db.session.get(Contract, o.id).voided),
    ("broker", "POST", "/broker/suggestions/{id}/accept", _suggestion,
     lambda o: db.session.get(MatchSuggestion, o.id).status),
    ("broker", "POST", "/broker/suggestions/{id}/reject", _suggestion,
     lambda o: db.session.get(MatchSuggestion, o.id).status),
    ("broker", "POST", "/broker/suggestions/{id}/claim", _suggestion,
     lambda o: db.session.get(MatchSuggestion, o.id).assigned_broker_id),
    ("broker", "POST", "/broker/suggestions/{id}/introduce", _suggestion,
     lambda o: db.session.get(MatchSuggestion, o.id).status),
    ("broker", "POST", "/broker/suggestions/{id}/move", _suggestion,
     lambda o: db.session.get(MatchSuggestion, o.id).status),
    ("broker", "POST", "/broker/suggestions/{id}/follow-ups", _suggestion,
     lambda o: db.session.get(MatchSuggestion, o.id).last_activity_at),
    ("broker", "GET", "/broker/events/{id}/edit", _event, None),
    ("broker", "POST", "/broker/events/{id}/edit", _event, lambda o: db.session.get(Event, o.id).title),
    ("enterprise", "GET", "/contracts/{id}/signing", _signing, None),
    ("enterprise", "GET", "/contracts/{id}/signing/pdf", _signing, None),
    ("enterprise", "GET", "/contracts/{id}/verify", _signing, None),
    ("enterprise", "POST", "/contracts/{id}/signing/sign", _signing, _documents),
    ("researcher", "GET", "/contracts/{id}/signing", _signing, None),
    ("researcher", "GET", "/contracts/{id}/signing/pdf", _signing, None),
    ("researcher", "POST", "/contracts/{id}/signing/sign", _signing, _documents),
    ("broker", "GET", "/contracts/{id}/signing", _signing_by, None),
    ("broker", "GET", "/contracts/{id}/signing/pdf", _signing_by, None),
    ("broker", "GET", "/contracts/{id}/verify", _signing_by, None),
    ("broker", "GET", "/contracts/{id}/signing/prepare", _contract, None),
    ("broker", "POST", "/contracts/{id}/signing/prepare", _contract, _documents),
    ("broker", "POST", "/contracts/{id}/signing/withdraw", _signing_by, _documents),
    ("enterprise", "POST", "/notifications/{id}/read", _note, lambda o: db.session.get(Notification, o.id).read_at),
    ("enterprise", "GET", "/urgent/{id}", _urgent, None),
    ("researcher", "GET", "/urgent/{id}", lambda a: _urgent(make_user("enterprise")), None),
    ("enterprise", "GET", "/urgent/needs/{id}", _need, None),
    ("enterprise", "POST", "/urgent/needs/{id}", _need, _urgent_state),
    ("broker", "GET", "/visits/{id}/edit", _visit, None),
    ("broker", "POST", "/visits/{id}/edit", _visit, _visit_state),
    ("broker", "GET", "/visits/{id}/needs/new", _visit, None),
    ("broker", "POST", "/visits/{id}/needs/new", _visit, _visit_state),
    ("researcher", "POST", "/tokens/{id}/revoke", _token, lambda o: db.session.get(ApiToken, o.id).revoked_at),
    ("broker", "GET", "/classes/{id}/edit", _live, None),
    ("broker", "POST", "/classes/{id}/edit", _live, _live_state),
    ("broker", "POST", "/classes/{id}/attendance", _live_registered, _live_attendance),
    ("broker", "POST", "/classes/{id}/attendance/import", _live_registered, _live_attendance),
    ("enterprise", "GET", "/financing/{id}", _financing, None),
    ("enterprise", "POST", "/financing/{id}/move", _financing, _financing_state),
    ("enterprise", "POST", "/broker/suggestions/{id}/respond", _introduced,
     lambda o: db.session.get(MatchSuggestion, o.id).need_response),
    ("enterprise", "POST", "/broker/suggestions/{id}/request", _suggested,
     lambda o: db.session.get(MatchSuggestion, o.id).owner_requested_at),
]  # fmt: skip


@pytest.mark.parametrize(
    ("role", "method", "url", "build", "state"), CASES, ids=[f"{c[1]} {c[2]} as {c[0]}" for c in CASES]
)
def test_second_user_of_same_role_is_refused(client, auth, role, method, url, build, state):
    owner = make_user(role)
    obj = build(owner)
    before = state(obj) if state else None
    auth.login(make_user(role))
    data = {"title": "被篡改", "action": "close", "reason": "off_topic", "note": "x", "response": "interested",
            "status": "negotiating", "to": "negotiating", "expected": getattr(obj, "status", ""),
            "kind": "call", "happened_on": "2020-01-01"}  # fmt: skip
    resp = client.open(url.format(id=obj.id), method=method, data=data if method == "POST" else None)
    assert resp.status_code in (403, 404, 409), f"{method} {url}: {resp.status_code}"
    db.session.expire_all()
    if state:
        assert state(obj) == before


def test_every_object_route_of_non_admin_roles_is_covered():
    """Object routes open to a non-admin role appear in CASES (admins act on everything)."""
    covered = {f"{m} {u.split('{id}')[0]}" for _, m, u, _, _ in CASES}
    missing = []
    for key, who in ACCESS.items():
        method, rule = key.split(" ", 1)
        if "<int:" not in rule or who in ("A", "public"):
            continue
        if f"{method} {rule.split('<int:')[0]}" not in covered and not rule.startswith(
            ("/broker/events/<int:event_id>",)
        ):
            missing.append(key)
    # Staff-wide pages (a broker may open any pair or event page to read it) are by design.
    allowed_shared = {
        "GET /broker/suggestions/<int:suggestion_id>",
        "POST /broker/suggestions/<int:suggestion_id>/event",
        # Enrolling oneself in a course touches nobody else's row; brokers read any person's training record.
        "POST /training/<int:course_id>/enrol",
        "GET /training/people/<int:user_id>",
        # Any broker may decide any urgent request (the queue is shared; one decision wins).
        "POST /urgent/<int:request_id>/review",
        # Brokers read any visit and any enterprise's service history (they serve every enterprise).
        "GET /visits/<int:visit_id>",
        "GET /visits/enterprises/<int:org_id>",
        # /api/v1 reads objects with a token, through the pages' own checks; tests/api covers a second user
        # (another broker's contract is 404, someone else's draft or confidential need is 404 or summary only).
        "GET /api/v1/contracts/<int:contract_id>",
        "GET /api/v1/needs/<int:need_id>",
        "GET /api/v1/results/<int:result_id>",
        "GET /api/v1/suggestions/<int:suggestion_id>",  # staff read any pair, as on the pair page
        "GET /api/v1/zones/<int:zone_id>",
        # Registering touches only one's own row; any broker reads a session's attendance (marking it is
        # for those who may edit the session, in CASES).
        "POST /classes/<int:session_id>/register",
        "POST /classes/<int:session_id>/unregister",
        "GET /classes/<int:session_id>/attendance",
    }
    assert sorted(set(missing) - allowed_shared) == []
