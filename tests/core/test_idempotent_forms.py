"""Issue 10: every create or state-changing form carries a one-time key; a repeat or a concurrent twin
answers 303 with the row the first submit made, and nothing is made twice."""

import threading

import pytest

from matchmaker.extensions import db
from matchmaker.models import Contract, Event, FollowUp, MatchSuggestion, Result, SuggestionMove, TechNeed
from matchmaker.utils import clock
from matchmaker.utils.once import new_key

from ..conftest import DB_URL
from ..contracts.test_contracts import GOOD
from ..factories import make_need, make_result, make_suggestion, make_user
from ..needs.helpers import NEED_FORM
from ..results.test_results import FORM as RESULT_FORM

# A day next year: class sessions may be at most 5 years ahead, so no fixed date ages out.
NEXT_YEAR = f"{clock.today().year + 1}-10-18"
EVENT_FORM = {"title": "秋季成果对接会", "mode": "offline", "starts_at": f"{NEXT_YEAR} 09:00", "place": "市科技会堂",
              "zone_id": "", "description": ""}  # fmt: skip


CLASS_FORM = {"kind": "class", "title": "高新技术企业认定政策解读", "starts_at": f"{NEXT_YEAR}T09:00",
              "ends_at": f"{NEXT_YEAR}T11:00", "speaker": "王芳", "live_link": "https://live.example.cn/room/9",
              "capacity": "", "replay_link": "", "materials": "", "description": "", "published": "y",
              "event_id": ""}  # fmt: skip


def count(model, **by):
    db.session.expire_all()
    return db.session.scalar(db.select(db.func.count()).select_from(model).filter_by(**by))


def _setup(kind):
    """(role, url, form data, model counted, filter) for one create or state-changing form."""
    from matchmaker.demo.taxonomy import ensure_taxonomy

    ensure_taxonomy()
    if kind == "need":
        return "enterprise", "/needs/new", NEED_FORM, TechNeed, {}
    if kind == "result":
        return "researcher", "/results/new", RESULT_FORM, Result, {}
    if kind == "contract":
        return "broker", "/contracts/new", GOOD, Contract, {}
    if kind == "event":
        return "broker", "/broker/events/new", EVENT_FORM, Event, {}
    if kind == "manual_pair":
        need, result = make_need(), make_result()
        return "broker", "/broker/pairs/new", {"need_id": need.id, "result_id": result.id}, MatchSuggestion, {}
    if kind == "visit":
        from matchmaker.models import Visit

        from ..factories import make_org
        from ..visits.test_visits import _visit_form

        make_org("university", name="南方理工大学")
        return "broker", "/visits/new", _visit_form(make_org("enterprise", name="固安锁业")), Visit, {}
    if kind == "collected_need":
        from matchmaker.models import Visit

        from ..factories import make_org
        from ..visits.test_visits import NEED as COLLECTED

        org = make_org("enterprise", name="固安锁业")
        visit = Visit(kind="visit", organization_id=org.id, visited_on=clock.today(), topic="走访", people="王工",
                      recorded_by_id=make_user("broker").id)  # fmt: skip
        db.session.add(visit)
        db.session.commit()
        return "admin", f"/visits/{visit.id}/needs/new", COLLECTED, TechNeed, {}
    if kind == "urgent":
        from matchmaker.models import UrgentRequest

        data = dict(NEED_FORM, reason_kind="epidemic", reason="疫情防控物资生产急需，现有工艺合格率低")
        return "enterprise", "/urgent/new", data, UrgentRequest, {}
    if kind == "financing":
        from matchmaker.models import FinancingCase

        from ..financing.test_financing import _valid_patent

        data = {"patents": _valid_patent(), "amount_wanted": "500", "term_months": "12", "purpose": "购买检测设备"}
        return "enterprise", "/financing/new", data, FinancingCase, {}
    if kind == "live_session":
        from matchmaker.models import LiveSession

        return "broker", "/classes/new", CLASS_FORM, LiveSession, {}
    if kind == "mark_urgent":
        from matchmaker.models import UrgentRequest

        ent = make_user("enterprise")  # the one who logs in: the need is its organisation's
        data = {"reason_kind": "order", "reason": "订单交期紧迫，急需解决"}
        return ent, f"/urgent/needs/{make_need(user=ent).id}", data, UrgentRequest, {}
    s = make_suggestion(status="accepted")
    if kind == "follow_up":
        data = {"kind": "call", "happened_on": clock.today().isoformat(), "note": "电话沟通"}
        return "broker", f"/broker/suggestions/{s.id}/follow-ups", data, FollowUp, {}
    if kind == "introduction":
        data = {"expected": "accepted", "note": "双方契合"}
        return "broker", f"/broker/suggestions/{s.id}/introduce", data, SuggestionMove, {"to_status": "introduced"}
    if kind == "organization":  # an admin's new organisation: a double click made "已有同名单位" of the first
        from matchmaker.models import Organization

        data = {"name": "重复提交测试大学", "kind": "university", "uscc": "", "town": "", "industry": ""}
        return "admin", "/admin/organizations/new", data, Organization, {"name": "重复提交测试大学"}
    if kind == "account":  # an admin's new account: a double click's twin was "该邮箱已注册" under the form
        from matchmaker.models import User

        from ..factories import make_org

        org = make_org("university", name="重复提交账号大学")
        data = {"role": "researcher", "name": "新研究员", "email": "twin.user@example.cn", "password": "Str0ng-pass-9x",
                "organization": org.name, "phone": ""}  # fmt: skip
        return "admin", "/admin/users/new", data, User, {"email": "twin.user@example.cn"}
    if kind == "zone":
        from matchmaker.models import Zone

        return "admin", "/zones/manage", {"name": "重复提交专区", "description": "", "active": "y"}, Zone, {}
    raise AssertionError(kind)


KINDS = ["need", "result", "contract", "event", "manual_pair", "follow_up", "introduction", "financing", "urgent",
         "visit", "collected_need", "live_session", "mark_urgent", "organization", "zone", "account"]  # fmt: skip


@pytest.mark.parametrize("kind", KINDS)
def test_resubmit_answers_303_with_the_first_row(client, auth, kind):
    role, url, data, model, by = _setup(kind)
    auth.login(role)
    data = dict(data, submission_key=new_key())
    first = client.post(url, data=data)
    assert first.status_code == 302, first.get_data(as_text=True)[:3000]
    again = client.post(url, data=data)
    assert again.status_code == 303 and again.headers["Location"] == first.headers["Location"]
    assert count(model, **by) == 1


def test_a_fresh_key_makes_a_second_row(client, auth):
    """Keys are per form shown: two forms filled alike are two needs."""
    _setup("need")
    auth.login("enterprise")
    for _ in range(2):
        data = dict(NEED_FORM, submission_key=new_key(), confirm_duplicate="1")
        assert client.post("/needs/new", data=data).status_code == 302
    assert count(TechNeed) == 2


def test_a_key_copied_into_another_form_or_account_is_not_a_repeat(client, auth):
    """A key is a repeat only on its own kind of form and account: copied into a contract form, or into
    another enterprise's need form, it saves that form (it answered 303 to /contracts/<the need's id>,
    someone else's contract or none, and saved nothing)."""
    _setup("need")
    key = new_key()
    auth.login("enterprise")
    assert client.post("/needs/new", data=dict(NEED_FORM, submission_key=key)).status_code == 302
    auth.logout()
    auth.login("broker")
    resp = client.post("/contracts/new", data=dict(GOOD, submission_key=key))
    assert resp.status_code == 302  # a repeat answers 303
    assert resp.headers["Location"] == f"/contracts/{db.session.scalar(db.select(Contract.id))}"
    auth.logout()
    auth.login("enterprise")  # another enterprise user
    resp = client.post("/needs/new", data=dict(NEED_FORM, submission_key=key, confirm_duplicate="1"))
    assert resp.status_code == 302
    assert count(TechNeed) == 2


def test_response_resubmit_answers_303(client, auth):
    """A side's answer with the same key is taken once; the repeat goes back to the pair."""
    ent = make_user("enterprise")
    s = make_suggestion(need=make_need(user=ent), status="introduced")
    auth.login(ent)
    data = {"expected": "", "response": "interested", "reason": "", "note": "", "submission_key": new_key()}
    assert client.post(f"/broker/suggestions/{s.id}/respond", data=data).status_code == 302
    again = client.post(f"/broker/suggestions/{s.id}/respond", data=data)
    assert again.status_code == 303
    assert db.session.get(MatchSuggestion, s.id).need_response == "interested"


@pytest.mark.parametrize(
    "kind",
    ["need", "result", "contract", "event", "manual_pair", "follow_up", "financing", "urgent", "visit", "live_session",
     "mark_urgent", "organization", "zone", "account"],
)  # fmt: skip
def test_twenty_concurrent_submits_make_one_row(make_app, tmp_path, kind):
    """20 threads post one filled form (one key) at once against a file database: one row, every answer
    a redirect to it."""
    # A pool as large as the crowd: 20 requests at once, each holding a connection while it waits its turn.
    # On PostgreSQL (MATCHMAKER_DATABASE_URL) the test database itself; otherwise a file SQLite database.
    where = {} if DB_URL else {"SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'race.sqlite'}"}
    app = make_app(SQLALCHEMY_ENGINE_OPTIONS={"pool_size": 25, "max_overflow": 10}, **where)
    with app.app_context():
        role, url, data, model, by = _setup(kind)
        user = make_user(role) if isinstance(role, str) else role
        login = app.test_client()
        assert login.post("/auth/login", data={"email": user.email, "password": "password123"}).status_code == 302
        cookie = login.get_cookie("session").value
        data = dict(data, submission_key=new_key())
        db.session.remove()
    answers, start = [], threading.Barrier(20)

    def submit():
        c = app.test_client()
        c.set_cookie("session", cookie)
        start.wait()
        try:
            resp = c.post(url, data=data)
        except Exception as exc:  # noqa: BLE001  (reported below with the other answers)
            answers.append((repr(exc), None))
        else:
            answers.append((resp.status_code, resp.headers.get("Location")))

    threads = [threading.Thread(target=submit) for _ in range(20)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    with app.app_context():
        assert count(model, **by) == 1
        db.session.remove()
    assert len(answers) == 20 and {code for code, _ in answers} <= {302, 303}, answers
    assert len({loc for _, loc in answers}) == 1


def test_a_refused_new_account_keeps_its_key_for_the_corrected_submit(client, auth):
    """The admin's account form refused (an enterprise for a researcher) and sent again corrected with the same
    form's key makes the account: a refusal leaves no key behind to take the corrected submit for a repeat."""
    from matchmaker.models import User

    from ..factories import make_org

    ent, uni = make_org("enterprise"), make_org("university")
    auth.login("admin")
    data = {"role": "researcher", "name": "新研究员", "email": "fixed.user@example.cn", "password": "Str0ng-pass-9x",
            "organization": ent.name, "phone": "", "submission_key": new_key()}  # fmt: skip
    assert client.post("/admin/users/new", data=data).status_code == 400
    resp = client.post("/admin/users/new", data=dict(data, organization=uni.name))
    assert resp.status_code == 302 and count(User, email="fixed.user@example.cn") == 1
