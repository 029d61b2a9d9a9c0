"""Attacks on the fast channel (2026-12-04): the same need marked 急需 from several requests at once."""

import pytest

from matchmaker.extensions import db
from matchmaker.models import TechNeed, UrgentRequest, User
from matchmaker.urgent import services

from ..factories import make_need, make_user
from ..races import at_once


def test_a_need_marked_urgent_from_four_requests_at_once_is_one_request(file_app):
    """Four submits of 申请快速通道 for one need at once, sent without a form key (a script, or a page
    from before keys): one request, three told 该需求已申请过快速通道; it was a 500 (IntegrityError)."""
    with file_app.app_context():
        user = make_user("enterprise")
        uid, nid = user.id, make_need(org=user.organization, user=user).id
        db.session.remove()

    def call():
        def prepare():
            user, need = db.session.get(User, uid), db.session.get(TechNeed, nid)
            need.status, user.organization_id  # noqa: B018 - loaded before the others act
            return lambda: services.mark_existing(need, user, "epidemic", "疫情防控物资生产急需", key=None)

        return prepare

    outcomes = at_once(file_app, [call() for _ in range(4)], services.UrgentError)
    assert outcomes.count("ok") == 1, outcomes
    assert all("已申请过快速通道" in o for o in outcomes if o != "ok"), outcomes
    with file_app.app_context():
        assert db.session.scalar(db.select(db.func.count(UrgentRequest.id))) == 1
        db.session.remove()


def test_a_refused_request_asked_again_from_two_tabs_at_once_is_one_new_request(file_app):
    """Two resubmits of a refused request at once (two tabs, no shared key): one new request, the other tab is
    told 该需求已申请过快速通道; the refused one stays refused."""
    with file_app.app_context():
        user = make_user("enterprise")
        uid, nid = user.id, make_need(org=user.organization, user=user).id
        req = services.mark_existing(db.session.get(TechNeed, nid), user, "order", "订单交期紧迫，急需")
        services.review(req, make_user("broker"), "refuse", "请补充指标")
        db.session.remove()

    def call(reason):
        def prepare():
            user, need = db.session.get(User, uid), db.session.get(TechNeed, nid)
            need.status, need.urgent_requests, user.organization_id  # noqa: B018 - loaded before the others act
            return lambda: services.mark_existing(need, user, "order", reason, key=None)

        return prepare

    outcomes = at_once(file_app, [call("第一个标签页补充的说明"), call("第二个标签页补充的说明")], services.UrgentError)
    assert outcomes.count("ok") == 1, outcomes
    assert all("已申请过快速通道" in o for o in outcomes if o != "ok"), outcomes
    with file_app.app_context():
        rows = db.session.scalars(db.select(UrgentRequest).order_by(UrgentRequest.id)).all()
        assert [r.status for r in rows] == ["refused", "pending"] and rows[1].reason.endswith("标签页补充的说明")
        db.session.remove()


def test_two_admins_entering_holidays_at_once_do_not_lose_each_others(client, auth):
    """One admin enters the Spring Festival, another (page opened before) National Day: the later save silently
    dropped the first admin's holidays, and the service levels counted them as working days. Now it is
    refused with what was typed kept; saving again from the warned page (after merging) goes through."""
    from ..stale import second_tab_refused

    auth.login("admin")
    level = {"sla_hours": "24", "day_start": "9", "day_end": "18", "workdays": ""}
    spring = dict(level, holidays="2021-02-11\n2021-02-12")
    national = dict(level, holidays="2021-10-01\n2021-10-04")
    again, page = second_tab_refused(client, "/urgent/settings", spring, national, "2021-10-04")
    assert services.get_setting().holidays == "2021-02-11\n2021-02-12"
    merged = dict(level, holidays="2021-02-11\n2021-02-12\n2021-10-01\n2021-10-04", version=again)
    assert client.post("/urgent/settings", data=merged).status_code == 302
    db.session.expire_all()
    assert services.get_setting().holidays.count("\n") == 3


def test_two_admins_first_saves_of_the_settings_at_once_keep_one(file_app):
    """No settings stored yet and two admins save theirs at the same moment: one is stored, the other is told
    to check and save again (the second insert of the one settings row was a 500)."""
    from matchmaker.utils.versions import EditConflict

    with file_app.app_context():
        admins = [make_user("admin").id for _ in range(2)]
        shown = services.setting_version(services.get_setting())
        db.session.remove()

    def call(admin_id, hours):
        def prepare():
            actor = db.session.get(User, admin_id)
            data = {"sla_hours": hours, "day_start": 9, "day_end": 18, "holidays": "", "workdays": ""}
            return lambda: services.save_setting(data, actor, version=shown)

        return prepare

    outcomes = at_once(file_app, [call(admins[0], 8), call(admins[1], 16)], EditConflict)
    assert outcomes.count("ok") == 1 and any("已被修改并保存" in o for o in outcomes), outcomes
    with file_app.app_context():
        assert services.get_setting().sla_hours == (8 if outcomes[0] == "ok" else 16)


@pytest.mark.parametrize("typed", ["0202-10-01", "9999-12-31", "1900-01-01"])
def test_a_holiday_with_a_mistyped_year_is_refused_and_kept(client, auth, typed):
    """National Day typed as 0202-10-01 (or any date before 2000 or years ahead) was saved as a holiday: the service
    level then counted the real day as working time. Now refused in Chinese, with what was typed kept."""
    from matchmaker.models import UrgentSetting

    auth.login("admin")
    data = {"sla_hours": "24", "day_start": "9", "day_end": "18", "holidays": f"2021-02-11\n{typed}", "workdays": ""}
    resp = client.post("/urgent/settings", data=data)
    page = resp.get_data(as_text=True)
    assert resp.status_code == 400 and f"日期“{typed}”应在 2000 年至" in page and f"2021-02-11\n{typed}" in page
    resp = client.post("/urgent/settings", data=dict(data, holidays="2021-02-11", workdays=typed))
    assert resp.status_code == 400 and f"日期“{typed}”应在 2000 年至" in resp.get_data(as_text=True)
    assert db.session.get(UrgentSetting, 1) is None
