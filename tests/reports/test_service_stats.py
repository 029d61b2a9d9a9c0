"""Service statistics: each figure against rows counted directly, the letter's paragraph, the xlsx."""

import io
import re
from datetime import date, datetime, timedelta
from decimal import Decimal

from openpyxl import load_workbook

from matchmaker.classes import services as classes
from matchmaker.extensions import db
from matchmaker.financing import services as financing
from matchmaker.models import (
    Certificate,
    LiveRegistration,
    LiveSession,
    Organization,
    TechNeed,
    TrainingCourse,
    TrainingEnrolment,
    Visit,
)
from matchmaker.reports import service_stats
from matchmaker.reports.services import Period
from matchmaker.urgent import services as urgent
from matchmaker.visits import services as visits

from ..factories import make_need, make_org, make_user

Y2020 = Period(date(2020, 1, 1), date(2020, 12, 31))


def _patent():
    from matchmaker.listings.validation import patent_error

    return next(f"ZL201910123456.{d}" for d in "0123456789X" if not patent_error(f"ZL201910123456.{d}"))


def _world():
    """Services in 2020 and in 2019 for five enterprises; one enterprise with nothing."""
    broker = make_user("broker")
    e = [make_org("enterprise") for _ in range(6)]
    users = [make_user("enterprise", org=o) for o in e]
    make_need(user=users[0], created_at=datetime(2020, 5, 1), source="self")
    make_need(user=users[5], created_at=datetime(2019, 5, 1), source="self")
    v = visits.save_visit(Visit(), {"organization_id": e[1].id, "kind": "visit", "visited_on": date(2020, 6, 1),
                                    "topic": "走访", "people": "经纪人"}, broker)  # fmt: skip
    need = make_need(user=users[1], created_at=datetime(2020, 6, 1, 10), source="visit")
    v.needs.append(need)
    visits.save_visit(Visit(), {"organization_id": e[2].id, "kind": "expert", "visited_on": date(2020, 7, 1),
                                "topic": "专家", "people": "经纪人", "experts": "李明，某大学"}, broker)  # fmt: skip
    s = classes.save_session(LiveSession(), {"kind": "class", "title": "课堂", "speaker": "甲",
                                             "starts_at": datetime(2020, 4, 1, 15), "published": True}, broker)  # fmt: skip
    db.session.add(LiveRegistration(session_id=s.id, user_id=users[3].id, organization_id=e[3].id,
                                    registered_at=datetime(2020, 3, 30), attended=True))  # fmt: skip
    s.guest_attendees = 120
    db.session.commit()
    case = financing.apply_for(users[4], {"patents": _patent(), "amount_wanted": Decimal(1000000), "term_months": 6})
    case.applied_at = datetime(2020, 2, 1)
    case.loan_date, case.loan_amount = date(2020, 4, 1), Decimal("500000.00")
    u = urgent.mark_existing(make_need(user=users[0]), users[0], "order", "订单交期紧迫", now=datetime(2020, 3, 2, 2))
    urgent.review(u, broker, "approve", now=datetime(2020, 3, 2, 5))
    course = TrainingCourse(title="培训", year=2020, status="closed", starts_on=date(2020, 9, 1))
    db.session.add(course)
    db.session.flush()
    for n in range(105):
        en = TrainingEnrolment(course_id=course.id, name=f"学员{n}", org_name="单位", org_kind="university" if n % 2
                               else "government", passed=n < 3)  # fmt: skip
        db.session.add(en)
        if n < 3:
            db.session.flush()
            db.session.add(Certificate(number=f"T-{n}", enrolment_id=en.id, holder_name=en.name, org_name="单位",
                                       issued_on=date(2020, 12, 1), valid_until=date(2023, 12, 1)))  # fmt: skip
    db.session.commit()
    return e


def test_figures_match_rows_counted_directly(app):
    """Each 2020 figure equals a direct count; 2019 rows and the idle enterprise are left out."""
    e = _world()
    s = service_stats.build(Y2020)
    f = s["figures"]
    assert service_stats.served_enterprises(Y2020) == {o.id for o in e[:5]}
    assert f["served"] == 5
    assert f["collected"] == db.session.scalar(
        db.select(db.func.count(TechNeed.id)).where(TechNeed.source == "visit",
                                                    TechNeed.created_at.between(datetime(2020, 1, 1), datetime(2021, 1, 1)))
    ) == 1  # fmt: skip
    assert f["visits"]["key_enterprises"] == 1 and f["visits"]["expert_enterprises"] == 1
    assert f["classes"] == {
        "classes": 1,
        "matchmaking": 0,
        "registered": 1,
        "attended": 121,
        "guests": 120,
        "scheduled": 0,
    }
    assert f["trained"] == db.session.scalar(db.select(db.func.count(TrainingEnrolment.id))) == 105
    assert f["certified"] == 3
    assert (f["financing"]["applications"], f["financing"]["loans"]) == (1, 1)
    assert f["urgent"]["asked"] == 1 and f["urgent"]["sla_met"] == 1
    assert db.session.scalar(db.select(db.func.count(Organization.id)).where(Organization.kind == "enterprise")) == 6


def test_the_paragraph_in_the_letters_style(app):
    """The paragraph names every figure as the letter does (“100 余人” for round figures)."""
    _world()
    text = service_stats.build(Y2020)["paragraph"]
    assert text.startswith("2020年1月1日至2020年12月31日，")
    for part in ("共服务企业 5 家，走访/来访重点企业 1 家", "征集企业技术难题需求 1 项",
                 "携高校院所专家走访企业对接技术难题 1 家", "举办 1 场线上公益直播课堂、举办 0 场线上技术难题对接活动",
                 "累计 120 余人次参加", "累计 100 余人参加，3 人获发技术经纪人证书", "放款 1 笔、金额 50.00 万元",
                 "受理急需技术需求 1 项（1 项在服务时限内完成审核）"):  # fmt: skip
        assert part in text, part


def test_the_paragraph_says_how_many_urgent_requests_still_wait(app):
    """A request not yet reviewed is neither met nor missed: the paragraph says it waits (it read “1 项（0 项在服务
    时限内完成审核）” as if the one request had been missed)."""
    e = _world()
    user = make_user("enterprise", org=e[0])
    urgent.mark_existing(make_need(user=user), user, "order", "订单交期紧迫", now=datetime(2020, 11, 2, 2))
    text = service_stats.build(Y2020)["paragraph"]
    assert "受理急需技术需求 2 项（1 项在服务时限内完成审核，1 项待审核）" in text


def test_page_and_xlsx_for_an_admin(client, auth):
    """The page shows the paragraph beside the contract headline; the xlsx holds it and every table."""
    _world()
    auth.login("admin")
    page = client.get("/reports/services?from=2020-01-01&to=2020-12-31").get_data(as_text=True)
    assert "共服务企业 5 家" in page and "平台线上签订技术交易合同 0 项" in page
    # Handy periods: the years with services (no contract in either); the contract report offers neither.
    assert ">2020年</a>" in page and ">2019年</a>" in page
    contracts_page = client.get("/reports/").get_data(as_text=True)
    assert "本季度</a>" in contracts_page and ">2019年</a>" not in contracts_page
    resp = client.get("/reports/services/export?from=2020-01-01&to=2020-12-31")
    assert resp.status_code == 200 and "attachment" in resp.headers["Content-Disposition"]
    wb = load_workbook(io.BytesIO(resp.data))
    assert wb.sheetnames == ["服务统计", "服务概况", "技术需求来源", "直播课堂与线上对接活动", "技术经纪人培训（按单位类型）",
                             "知识产权质押融资"]  # fmt: skip
    assert "共服务企业 5 家" in wb["服务统计"]["B2"].value
    assert client.get("/reports/services/export?from=2020-13-01").status_code == 400
    bad = client.get("/reports/services?from=2020-12-31&to=2020-01-01").get_data(as_text=True)
    assert "开始日期不能晚于结束日期" in bad


def test_stored_moments_count_in_the_beijing_day_they_happened(app):
    """A need posted at 01:00 on 1 January in Beijing (17:00 UTC on 31 December, as stored) is a 2021 need,
    in the service figures, the financing counts and the funnel; one posted at 23:00 on 31 December is 2020's."""
    from matchmaker.reports.services import funnel

    e, e2 = make_org("enterprise"), make_org("enterprise")
    u, u2 = make_user("enterprise", org=e), make_user("enterprise", org=e2)
    make_need(user=u, created_at=datetime(2020, 12, 31, 17), published_at=datetime(2020, 12, 31, 17), source="visit")
    make_need(user=u2, created_at=datetime(2020, 12, 31, 15), published_at=datetime(2020, 12, 31, 15), source="self")
    case = financing.apply_for(u, {"patents": _patent(), "amount_wanted": Decimal(1000000), "term_months": 6})
    case.applied_at = datetime(2020, 12, 31, 18)
    db.session.commit()
    y2021 = Period(date(2021, 1, 1), date(2021, 12, 31))
    assert service_stats.served_enterprises(Y2020) == {e2.id}
    assert service_stats.served_enterprises(y2021) == {e.id}
    assert service_stats.build(y2021)["figures"]["collected"] == 1
    assert service_stats.build(Y2020)["figures"]["collected"] == 0
    assert service_stats.build(y2021)["figures"]["financing"]["applications"] == 1
    assert service_stats.build(Y2020)["figures"]["financing"]["applications"] == 0
    assert funnel(Y2020).rows[0]["count"] == 1 and funnel(y2021).rows[0]["count"] == 1


def test_only_courses_that_ran_count_as_trained(client, auth):
    """Trainees of a course still 筹备中, or of one starting after today, are not 培训参加: the 2020 figures,
    the training table and the letter's paragraph count the course that ran (they counted all three)."""
    from matchmaker.utils import clock

    ran = TrainingCourse(title="已举办", year=2020, status="closed", starts_on=date(2020, 9, 1))
    draft = TrainingCourse(title="筹备中", year=2020, status="draft", starts_on=date(2020, 11, 1))
    undated = TrainingCourse(title="筹备中无日期", year=2020, status="draft")
    later = TrainingCourse(title="下月开班", year=clock.today().year, status="open",
                           starts_on=clock.today() + timedelta(days=20))  # fmt: skip
    db.session.add_all([ran, draft, undated, later])
    db.session.flush()
    for course, n in ((ran, 3), (draft, 5), (undated, 7), (later, 11)):
        db.session.add_all([TrainingEnrolment(course_id=course.id, name=f"学员{i}", org_name="单位", org_kind="university")
                            for i in range(n)])  # fmt: skip
    db.session.commit()
    s = service_stats.build(Y2020)
    assert s["figures"]["trained"] == 3 and "累计 3 人参加" in s["paragraph"]
    assert next(r for r in s["tables"][3].rows if r["name"] == "高校")["count"] == 3
    everything = Period(date(2020, 1, 1), date(clock.today().year + 1, 12, 31))
    assert service_stats.build(everything)["figures"]["trained"] == 3
    auth.login("admin")
    page = client.get("/reports/services?from=2020-01-01&to=2020-12-31").get_data(as_text=True)
    assert "累计 3 人参加" in page


def test_xlsx_keeps_a_formula_like_title_as_typed(client, auth):
    """A class titled =HYPERLINK(...) shows in the service statistics .xlsx as typed: text, not a formula."""
    title = '=HYPERLINK("http://evil","点此")'
    broker = make_user("broker")
    classes.save_session(LiveSession(), {"kind": "class", "title": title, "speaker": "-甲",
                                         "starts_at": datetime(2020, 4, 1, 15), "published": True}, broker)  # fmt: skip
    auth.login("admin")
    wb = load_workbook(io.BytesIO(client.get("/reports/services/export?from=2020-01-01&to=2020-12-31").data))
    cell = next(c for row in wb["直播课堂与线上对接活动"].iter_rows() for c in row if "HYPERLINK" in str(c.value))
    assert cell.value == title and cell.data_type == "s" and cell.quotePrefix


def test_a_period_without_classes_or_training_says_none_was_held(app):
    """The paragraph, pasted into the bureau's letter, read 举办 0 场线上公益直播课堂…；举办技术经纪人培训，累计 0 人参加:
    a training reported as held. A period with none says 未举办."""
    text = service_stats.build(Period(date(2018, 1, 1), date(2018, 12, 31)))["paragraph"]
    assert "；未举办线上公益直播课堂和线上技术难题对接活动；未举办技术经纪人培训；" in text
    assert "举办技术经纪人培训" not in text.replace("未举办技术经纪人培训", "")


def test_a_class_scheduled_later_in_the_period_is_not_counted_as_held(client, auth):
    """A period running past today: the class of two days ago is 举办; the one in two days is 已安排, apart — on the
    page, in the paragraph and in the xlsx alike (it read 举办 2 场 before the second class had taken place)."""
    from matchmaker.utils import clock

    broker, now = make_user("broker"), clock.now_local().replace(second=0, microsecond=0)
    for title, at in (("已上的课", now - timedelta(days=2)), ("下周的课", now + timedelta(days=2))):
        classes.save_session(LiveSession(), {"kind": "class", "title": title, "speaker": "甲", "starts_at": at,
                                             "published": True}, broker)  # fmt: skip
    day = now.date()
    start, end = day - timedelta(days=10), day + timedelta(days=10)
    c = service_stats.build(Period(start, end))["figures"]["classes"]
    assert c["classes"] == 1 and c["scheduled"] == 1
    auth.login("admin")
    page = client.get(f"/reports/services?from={start}&to={end}").get_data(as_text=True)
    assert "举办 1 场线上公益直播课堂" in page and "另已安排" not in page  # the letter reports what was held
    assert re.search(r"<td>已安排尚未举办的直播与对接活动（场）</td>\s*<td[^>]*>1</td>", page)
    assert re.search(r"<td>已上的课</td><td>[^<]*</td><td>已举办</td>", page)
    assert re.search(r"<td>下周的课</td><td>[^<]*</td><td>已安排</td>", page)
    resp = client.get(f"/reports/services/export?from={start}&to={end}")
    wb = load_workbook(io.BytesIO(resp.data))
    assert "举办 1 场线上公益直播课堂" in wb["服务统计"]["B2"].value
    overview = {r[0]: r[1] for r in wb["服务概况"].iter_rows(min_row=2, values_only=True)}
    assert overview["线上公益直播课堂（场）"] == 1 and overview["已安排尚未举办的直播与对接活动（场）"] == 1
    states = [r[3] for r in wb["直播课堂与线上对接活动"].iter_rows(min_row=2, values_only=True)]
    assert states == ["已举办", "已安排"]
