"""Service statistics (服务统计): what the network did beyond matching, for any period, and the
paragraph the bureau's yearly letter writes from those figures.

Definitions (every figure is a count of rows, recomputable in SQL):
- enterprises served: distinct enterprises with any service in the period — a need posted, a
  suggestion made or an introduction for one of its needs, a visit, a live-session registration,
  a financing application, an urgent request;
- key enterprises visited: distinct enterprises visited or received (走访/来访); expert visits:
  distinct enterprises visited with experts;
- needs collected (征集): needs created in the period whose source is a visit or an event
  (all sources are in the by-source table);
- live classes / online matchmaking sessions (举办): published sessions starting in the period whose start
  time has passed; those starting later in it are 已安排 (scheduled), counted apart and not in the paragraph's
  举办 nor in registrations and attendance; people attending: registered users who attended plus the other
  viewers of the live platform's export;
- people trained: enrolments in courses that ran in the period: past 筹备中 (draft) and started in the
  period by today (or, without a start date, of its years up to this one): people enrolled in a course
  still being prepared or not begun yet were trained by nobody; certified: people issued a certificate
  in the period, revoked ones included (one reissued after a revocation is still one person);
- financing: applications made in the period; loans paid out in it and their amount.
"""

from decimal import Decimal

from sqlalchemy import and_, func, or_, select, union

from .. import cache
from ..classes import services as classes
from ..extensions import db
from ..financing import services as financing
from ..models import (
    Certificate,
    Contract,
    FinancingCase,
    LiveRegistration,
    MatchSuggestion,
    Organization,
    OrgKind,
    SuggestionMove,
    TechNeed,
    TrainingCourse,
    TrainingEnrolment,
    UrgentRequest,
    Visit,
)
from ..models.base import today
from ..models.enums import TRAINEE_ORG_KINDS, Channel, CourseStatus, Source
from ..urgent import services as urgent
from ..utils import clock
from ..utils.money import format_wan
from ..visits import services as visits
from .services import Column, Table, _contract_years, _valid

COLLECTED_SOURCES = (Source.VISIT.value, Source.EVENT.value)
# Tables whose rows date a service (service_years); a write to one drops the kept years.
SERVICE_TABLES = ("tech_need", "visit", "live_session", "financing_case", "urgent_request", "training_course")
cache.watch(*SERVICE_TABLES)


def service_years():
    """The years with any service or contract, ascending: the page's handy periods (a year of visits and
    training without a contract is one; the contract report's years left it out)."""
    return tuple(cache.cached(("service_years",), SERVICE_TABLES, _read_service_years))


def _read_service_years():
    from ..models import LiveSession

    years = set(_contract_years())
    dated = (TechNeed.created_at, Visit.visited_on, LiveSession.starts_at, FinancingCase.applied_at,
             UrgentRequest.requested_at, TrainingCourse.starts_on)  # fmt: skip
    for column in dated:
        years.update(db.session.scalars(select(func.extract("year", column)).where(column.is_not(None)).distinct()))
    years.update(db.session.scalars(select(TrainingCourse.year).where(TrainingCourse.starts_on.is_(None)).distinct()))
    return sorted(int(y) for y in years if y is not None)


def _bounds(period):
    """[start, end) of a period's Beijing days as stored moments (naive UTC)."""
    return period.moments()


def served_enterprises(period):
    """Ids of the enterprises served in the period (see the module's definition)."""
    a, b = _bounds(period)
    s, m = MatchSuggestion, SuggestionMove
    parts = [
        select(TechNeed.organization_id).where(TechNeed.created_at >= a, TechNeed.created_at < b),
        select(TechNeed.organization_id).join(s, s.need_id == TechNeed.id).where(s.created_at >= a, s.created_at < b),
        select(TechNeed.organization_id).join(s, s.need_id == TechNeed.id).join(m, m.suggestion_id == s.id)
        .where(m.to_status == "introduced", m.at >= a, m.at < b),
        select(Visit.organization_id).where(Visit.visited_on.between(period.start, period.end)),
        select(LiveRegistration.organization_id).where(LiveRegistration.registered_at >= a,
                                                       LiveRegistration.registered_at < b),
        select(FinancingCase.organization_id).where(FinancingCase.applied_at >= a, FinancingCase.applied_at < b),
        select(UrgentRequest.organization_id).where(UrgentRequest.requested_at >= a, UrgentRequest.requested_at < b),
    ]  # fmt: skip
    ids = union(*parts).subquery()
    return set(
        db.session.scalars(
            select(Organization.id).where(
                Organization.id.in_(select(ids.c[0])), Organization.kind == OrgKind.ENTERPRISE
            )
        )
    )


def _by_source(period):
    a, b = _bounds(period)
    rows = dict(
        db.session.execute(
            select(TechNeed.source, func.count(TechNeed.id))
            .where(TechNeed.created_at >= a, TechNeed.created_at < b)
            .group_by(TechNeed.source)
        ).all()
    )
    return [{"name": s.label, "count": rows.get(s.value, 0)} for s in Source]


def _course_ran(period):
    """Courses that ran in the period (see the module's definition of people trained)."""
    c, last = TrainingCourse, min(period.end, today())
    return and_(c.status != CourseStatus.DRAFT.value,
                or_(c.starts_on.between(period.start, last),
                    and_(c.starts_on.is_(None), c.year.between(period.start.year, last.year))))  # fmt: skip


def _training(period):
    e = TrainingEnrolment
    rows = dict(
        db.session.execute(
            select(e.org_kind, func.count(e.id)).join(TrainingCourse, TrainingCourse.id == e.course_id)
            .where(_course_ran(period)).group_by(e.org_kind)
        ).all()
    )  # fmt: skip
    certified = dict(
        db.session.execute(
            select(e.org_kind, func.count(Certificate.enrolment_id.distinct())).join(e, e.id == Certificate.enrolment_id)
            .where(Certificate.issued_on.between(period.start, period.end)).group_by(e.org_kind)
        ).all()
    )  # fmt: skip
    kinds = list(TRAINEE_ORG_KINDS) + [k for k in set(rows) | set(certified) if k not in TRAINEE_ORG_KINDS]
    table = [{"name": OrgKind.label_of(k), "count": rows.get(k, 0), "certified": certified.get(k, 0)} for k in kinds]
    return sum(rows.values()), sum(certified.values()), table


def _sessions(period):
    a, b = period.datetimes()  # starts_at is kept as typed, in Beijing time
    from ..models import LiveSession

    now = clock.now_local()
    rows = db.session.scalars(
        select(LiveSession).where(LiveSession.published.is_(True), LiveSession.starts_at >= a, LiveSession.starts_at < b)
        .order_by(LiveSession.starts_at, LiveSession.id)
    ).all()  # fmt: skip
    return [{"date": s.starts_at.strftime("%Y-%m-%d"), "name": s.title, "kind": s.kind_label,
             "state": "已举办" if s.starts_at <= now else "已安排",
             "registered": classes.registered_count(s), "attended": classes.attendance_count(s)} for s in rows]  # fmt: skip


def _headline(period):
    """The contract headline of the same period (online channel), as the report page writes it."""
    n, amount = db.session.execute(
        select(func.count(Contract.id), func.coalesce(func.sum(Contract.amount), 0)).where(
            _valid(period), Contract.channel == Channel.ONLINE.value
        )
    ).one()
    return f"平台线上签订技术交易合同 {n} 项，合同金额 {format_wan(Decimal(amount))} 万元"


def _about(n):
    """“270 余人” for 27x people, as the letter writes round figures; exact below one hundred."""
    return f"{n // 10 * 10} 余" if n >= 100 and n % 10 else f"{n} "


def paragraph(period, f):
    """The letter's paragraph, written from the figures."""
    u, v, c, fin = f["urgent"], f["visits"], f["classes"], f["financing"]
    parts = [
        f"开通技术需求快速发布通道，受理急需技术需求 {u['asked']} 项（{u['sla_met']} 项在服务时限内完成审核"
        + (f"，{u['pending']} 项待审核）" if u["pending"] else "）"),
        f"共服务企业 {f['served']} 家，走访/来访重点企业 {v['key_enterprises']} 家",
        f"征集企业技术难题需求 {f['collected']} 项，携高校院所专家走访企业对接技术难题 {v['expert_enterprises']} 家",
        # A period without any says so: the paragraph is pasted into the bureau's letter, where 举办技术经纪人
        # 培训，累计 0 人参加 reported a training that was never held.
        (
            f"举办 {c['classes']} 场线上公益直播课堂、举办 {c['matchmaking']} 场线上技术难题对接活动，"
            f"累计 {_about(c['attended'])}人次参加"
            if c["classes"] or c["matchmaking"]
            else "未举办线上公益直播课堂和线上技术难题对接活动"
        ),  # sessions still to come are the overview's 已安排 line, not the letter's: it reports what was held
        (
            f"举办技术经纪人培训，累计 {_about(f['trained'])}人参加，{f['certified']} 人获发技术经纪人证书"
            if f["trained"] or f["certified"]
            else "未举办技术经纪人培训"
        ),
        f"受理知识产权质押融资申请 {fin['applications']} 件，放款 {fin['loans']} 笔、"
        f"金额 {format_wan(fin['loan_amount'])} 万元",
    ]
    return f"{period.label}，" + "；".join(parts) + "。"


def build(period):
    """Figures, tables, the paragraph and the contract headline for one period."""
    a, b = _bounds(period)
    served = served_enterprises(period)
    sources = _by_source(period)
    collected = sum(r["count"] for r, s in zip(sources, Source, strict=True) if s.value in COLLECTED_SOURCES)
    trained, certified, training_rows = _training(period)
    f = {
        "served": len(served), "collected": collected, "trained": trained, "certified": certified,
        "urgent": urgent.counts(a, b), "visits": visits.counts(period.start, period.end),
        "classes": classes.counts(*period.datetimes()), "financing": financing.counts(period.start, period.end),
    }  # fmt: skip
    u, v, c, fin = f["urgent"], f["visits"], f["classes"], f["financing"]
    overview = [
        ("服务企业（家）", f["served"]), ("走访/来访重点企业（家）", v["key_enterprises"]), ("走访记录（次）", v["visits"]),
        ("专家进企业（家）", v["expert_enterprises"]), ("征集技术难题需求（项）", collected),
        ("急需需求（项）", u["asked"]), ("急需需求按时审核（项）", u["sla_met"]),
        ("线上公益直播课堂（场）", c["classes"]), ("线上技术难题对接活动（场）", c["matchmaking"]),
        ("已安排尚未举办的直播与对接活动（场）", c["scheduled"]),
        ("直播报名（人次）", c["registered"]), ("直播参加（人次，含未报名观众）", c["attended"]),
        ("技术经纪人培训参加（人）", trained), ("获发证书（人）", certified),
        ("质押融资申请（件）", fin["applications"]), ("质押融资放款（笔）", fin["loans"]),
    ]  # fmt: skip
    tables = [
        Table("overview", "服务概况", [Column("name", "指标"), Column("count", "数量", "int")],
              [{"name": n, "count": x} for n, x in overview]),
        Table("sources", "技术需求来源", [Column("name", "来源"), Column("count", "需求数（项）", "int")], sources,
              total={"name": "合计", "count": sum(r["count"] for r in sources)},
              note="按需求创建日期；“征集”= 走访收集 + 对接活动。"),
        Table("sessions", "直播课堂与线上对接活动", [Column("date", "日期"), Column("name", "主题"), Column("kind", "类型"),
              Column("state", "状态"), Column("registered", "报名（人）", "int"), Column("attended", "参加（人次）", "int")], _sessions(period)),
        Table("training", "技术经纪人培训（按单位类型）", [Column("name", "单位类型"), Column("count", "参加（人）", "int"),
              Column("certified", "获发证书（人）", "int")], training_rows,
              total={"name": "合计", "count": trained, "certified": certified}),
        Table("financing", "知识产权质押融资", [Column("name", "指标"), Column("count", "数量", "int"),
              Column("amount", "金额（万元）", "wan")],
              [{"name": "申请", "count": fin["applications"], "amount": Decimal(fin["amount_wanted"])},
               {"name": "放款", "count": fin["loans"], "amount": Decimal(fin["loan_amount"])},
               {"name": "政府补偿/贴息", "count": None, "amount": Decimal(fin["subsidy_amount"])}]),
    ]  # fmt: skip
    return {"period": period, "figures": f, "tables": tables, "paragraph": paragraph(period, f),
            "headline": _headline(period)}  # fmt: skip


def to_xlsx(stats):
    """The service statistics as .xlsx bytes: the paragraph and headline, then a sheet per table."""
    import io

    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font

    from ..utils.sheets import append_row
    from .export import WAN_FORMAT, table_rows

    wb = Workbook()
    ws = wb.active
    ws.title = "服务统计"
    append_row(ws, ["统计区间", stats["period"].label])
    append_row(ws, ["服务情况", stats["paragraph"]])
    append_row(ws, ["技术合同", stats["headline"]])
    for row in (1, 2, 3):
        ws.cell(row, 1).font = Font(bold=True)
        ws.cell(row, 2).alignment = Alignment(wrap_text=True, vertical="top")
    ws.column_dimensions["A"].width, ws.column_dimensions["B"].width = 12, 100
    for t in stats["tables"]:
        sheet = wb.create_sheet(t.title[:28])
        append_row(sheet, [c.label for c in t.columns])
        for cell in sheet[1]:
            cell.font = Font(bold=True)
        for values in table_rows(t):
            row = append_row(sheet, values)
            for i, col in enumerate(t.columns, start=1):
                if col.kind == "wan":
                    sheet.cell(row, i).number_format = WAN_FORMAT
        for i, col in enumerate(t.columns, start=1):
            sheet.column_dimensions[chr(64 + i)].width = 36 if col.kind == "text" else 16
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


__all__ = ["build", "paragraph", "served_enterprises", "to_xlsx"]
