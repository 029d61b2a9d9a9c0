"""Attacks on visits (2026-12-04): an enterprise's service history with thousands of rows."""

import re
from datetime import date, datetime, timedelta
from decimal import Decimal

from sqlalchemy import event

from matchmaker.extensions import db
from matchmaker.models import FinancingCase, Organization, User, Visit, VisitExpert

from ..factories import make_org, make_user
from .test_visits import _visit_form


def test_a_service_history_of_thousands_of_rows_shows_the_newest_fifty_in_a_few_queries(client, auth):
    """2,000 visits (with an expert each) and 2,000 financing cases: each section says 2000, lists the newest
    50 and the page takes a few queries. Every row was read and formatted, a query per visit for its experts
    (100,000 visits and cases: 276 s for the page)."""
    org, broker = make_org("enterprise"), auth.login("broker")
    n = 2000
    db.session.execute(db.insert(Visit), [
        {"organization_id": org.id, "kind": "visit", "visited_on": date(2020, 1, 1) + timedelta(days=i),
         "topic": f"走访第{i}次", "people": "经纪人", "summary": "", "recorded_by_id": broker.id} for i in range(n)
    ])  # fmt: skip
    visit_ids = db.session.scalars(db.select(Visit.id)).all()
    db.session.execute(db.insert(VisitExpert), [{"visit_id": v, "name": "李明", "institution": "南方理工大学"}
                                                 for v in visit_ids])  # fmt: skip
    db.session.execute(db.insert(FinancingCase), [
        {"organization_id": org.id, "patents": "ZL201910123456.7", "amount_wanted": Decimal(100), "term_months": 6,
         "purpose": "", "status": "applied", "applied_at": datetime(2020, 6, 1)} for _ in range(n)
    ])  # fmt: skip
    db.session.commit()
    queries = []

    def note(conn, cursor, statement, *args):
        queries.append(statement)

    event.listen(db.engine, "before_cursor_execute", note)
    try:
        page = client.get(f"/visits/enterprises/{org.id}").get_data(as_text=True)
    finally:
        event.remove(db.engine, "before_cursor_execute", note)
    assert "走访与专家服务（2000）" in page and "知识产权质押融资（2000）" in page
    assert f"走访第{n - 1}次" in page and f"走访第{n - 51}次" not in page and page.count("仅显示最近 50 条") == 2
    assert "（专家 1 位）" in page
    assert len(queries) < 60, len(queries)


def test_two_saves_from_one_edit_page_version_at_the_same_moment_keep_one(file_app):
    """Two brokers' tabs, loaded together, saved at the same moment: both compared their page with the stored
    visit before either wrote, so both passed and the later silently overwrote the other. Now the second
    waits for the first's row and is refused."""
    from matchmaker.utils.versions import EditConflict
    from matchmaker.visits import services

    from ..races import at_once

    with file_app.app_context():
        ent, broker = make_org("enterprise"), make_user("broker")
        data = {"organization_id": ent.id, "kind": "visit", "visited_on": date(2020, 5, 1), "topic": "走访了解需求",
                "people": "经纪人"}  # fmt: skip
        visit_id = services.save_visit(Visit(), data, broker).id
        shown = services.visit_version(db.session.get(Visit, visit_id))
        broker_id = broker.id
        db.session.remove()

    def call(topic):
        def prepare():
            visit, actor = db.session.get(Visit, visit_id), db.session.get(User, broker_id)
            services.visit_version(visit)  # loaded as the edit page had it
            return lambda: services.save_visit(visit, dict(data, topic=topic), actor, version=shown)

        return prepare

    outcomes = at_once(file_app, [call("甲标签页的主题"), call("乙标签页的主题")], EditConflict)
    assert outcomes.count("ok") == 1 and any("已被修改并保存" in o for o in outcomes), outcomes
    with file_app.app_context():
        kept = "甲标签页的主题" if outcomes[0] == "ok" else "乙标签页的主题"
        assert db.session.get(Visit, visit_id).topic == kept


def test_the_visit_form_with_five_thousand_enterprises_suggests_twenty_at_a_time(client, auth):
    """登记走访 listed every enterprise in its 企业 select (100,000: 5.9 MB and 3-4 s a page); now the field takes a
    name with at most 20 suggestions looked up as one types, and a name that is no enterprise is refused with
    what was typed kept."""
    db.session.execute(
        db.insert(Organization), [{"name": f"批量企业{i:05d}", "kind": "enterprise"} for i in range(5000)]
    )
    db.session.commit()
    auth.login("broker")
    page = client.get("/visits/new")
    assert page.status_code == 200 and len(page.data) < 40_000 and "批量企业" not in page.get_data(as_text=True)
    found = client.get("/admin/organizations/lookup.json?role=enterprise&q=批量企业0042").get_json()
    assert [o["name"] for o in found["items"]] == [f"批量企业0042{i}" for i in range(10)] and not found["more"]
    assert len(client.get("/admin/organizations/lookup.json?role=enterprise&q=批量").get_json()["items"]) == 20
    form = {"enterprise": "批量企业0042", "kind": "visit", "visited_on": "2020-07-15", "topic": "走访保留的主题",
            "people": "经纪人"}  # fmt: skip
    resp = client.post("/visits/new", data=form)
    body = resp.get_data(as_text=True)
    assert resp.status_code == 400 and "没有名为“批量企业0042”的企业" in body and "走访保留的主题" in body
    assert body.count('<option value="批量企业0042') == 10  # the nearest names offered, scripts or not
    assert client.post("/visits/new", data=dict(form, enterprise="批量企业00421")).status_code == 302
    visit = db.session.scalar(db.select(Visit))
    assert visit.organization.name == "批量企业00421"


def test_an_enterprise_typed_with_other_brackets_is_offered_and_filed_by_its_saved_name(client, auth):
    """Without scripts, 企业 typed as 华星(深圳)精密 (saved with （）) was refused with no suggestion at all; now the
    refusal offers the saved name, and the full name typed with either brackets files the visit under it."""
    ent = make_org("enterprise", name="华星（深圳）精密有限公司")
    make_org("university", name="华星(深圳)研究院")
    auth.login("broker")
    form = {"enterprise": "华星(深圳)精密", "kind": "visit", "visited_on": "2020-07-15", "topic": "走访了解需求",
            "people": "经纪人"}  # fmt: skip
    resp = client.post("/visits/new", data=form)
    body = resp.get_data(as_text=True)
    assert resp.status_code == 400 and "没有名为“华星(深圳)精密”的企业" in body
    assert '<option value="华星（深圳）精密有限公司">' in body and "华星(深圳)研究院" not in body
    assert client.post("/visits/new", data=dict(form, enterprise="华星(深圳)精密有限公司")).status_code == 302
    assert db.session.scalar(db.select(Visit)).organization_id == ent.id


def test_a_university_named_for_the_enterprise_is_refused_as_no_enterprise_not_as_no_name(client, auth):
    """企业 given a university's exact name (南方理工大学, beside the enterprise 南方理工大学科技园有限公司) said 没有名为
    “南方理工大学”的企业, as if the name did not exist; now it says what it is, the enterprise is offered, and
    nothing is filed."""
    make_org("university", name="南方理工大学")
    make_org("enterprise", name="南方理工大学科技园有限公司")
    auth.login("broker")
    form = {"enterprise": "南方理工大学", "kind": "visit", "visited_on": "2020-07-15", "topic": "走访了解需求",
            "people": "经纪人"}  # fmt: skip
    resp = client.post("/visits/new", data=form)
    body = resp.get_data(as_text=True)
    assert resp.status_code == 400 and 'id="enterprise-error"><div>“南方理工大学”是高校，不是企业' in body
    assert '<option value="南方理工大学科技园有限公司">' in body and 'value="走访了解需求"' in body
    assert db.session.scalar(db.select(Visit)) is None


def test_an_expert_line_whose_name_draws_nothing_is_refused(client, auth):
    """“ㅤ，南方理工大学” (a Hangul filler for the name) was saved as an expert with a blank name, listed as “，南方理工大学”."""
    ent = make_org("enterprise")
    auth.login("broker")
    for line in ("\u3164，南方理工大学，教授", "李明，\u2800\u2800"):
        resp = client.post("/visits/new", data=_visit_form(ent, experts=f"赵强，市先进制造研究院\n{line}"))
        assert resp.status_code == 400 and "第 2 行应为" in resp.get_data(as_text=True)
    assert db.session.scalar(db.select(db.func.count(Visit.id))) == 0


def test_needs_recorded_at_the_same_moment_show_the_newest_fifty_in_the_history(client, auth):
    """55 needs imported with one creation time: 技术需求 lists the 50 newest (the last recorded first) and not
    the 5 oldest; without the id after the time, which 50 and in what order was the database's choice."""
    from ..factories import make_need

    ent = make_user("enterprise")
    at = datetime(2021, 3, 1, 10, 0)
    ids = [make_need(user=ent, title=f"同批需求{i:02d}号", created_at=at).id for i in range(55)]
    auth.login("broker")
    page = client.get(f"/visits/enterprises/{ent.organization_id}").get_data(as_text=True)
    assert "技术需求（55）" in page
    shown = [int(i) for i in re.findall(r"同批需求(\d\d)号", page)]
    assert shown == list(range(54, 4, -1)) and len(ids) == 55
