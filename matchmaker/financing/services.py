"""Financing use cases: apply, move a case (through workflow.apply), lists, history, figures.

Each function owns its transaction and commits once.
"""

from datetime import date, datetime, timedelta

from sqlalchemy import func

from ..extensions import db
from ..listings.validation import clean_patents
from ..models import FinancingCase, Organization, Role
from ..models.enums import FinancingStatus
from ..utils import clock, once
from ..utils.inputs import year_filter
from ..utils.search import contains_any
from ..utils.versions import hold
from ..visits.services import history_provider, history_rows
from . import workflow
from .workflow import FinancingError


def step_key(action):
    """What a step form's one-time key is kept under (with the case it was used on): the key of one step's form
    sent with another step, or for another case, is not a repeat of it."""
    return f"financing_step:{action}"


PARTNER_KINDS = {"appraise": "appraiser", "approve": "bank", "insure": "insurer", "subsidise": "government"}


def apply_for(user, data, key=None):
    """An enterprise applies with the patents to pledge, the amount and term wanted; commits.

    ``key``: the form's one-time key; a repeat raises ``once.Repeat`` with the first case's id."""
    if user.role != Role.ENTERPRISE or user.organization_id is None:
        raise FinancingError("仅已关联企业的企业用户可以申请")
    try:
        patents = clean_patents(data.get("patents") or "")
    except ValueError as exc:
        raise FinancingError(str(exc)) from None
    if not patents:
        raise FinancingError("请填写拟质押的专利号")
    claimed = once.claim(key, "financing_case", user)  # first: a double click's twin is a repeat, not a clash
    # The enterprise's row held to the commit: of two applications pledging one patent at the same moment (two
    # tabs, two colleagues) the second checks after the first's commit (on PostgreSQL both were saved).
    hold(user.organization)
    clash = _open_case_pledging(user.organization_id, patents.split(", "))
    if clash is not None:
        db.session.rollback()  # the key is not spent on a refused submit
        case, patent = clash
        raise FinancingError(f"专利 {patent} 已在本单位 {clock.to_local(case.applied_at):%Y-%m-%d} 提交的融资申请中"
                             f"（{case.status_label}），请勿重复申请；如需更改，请先撤回该申请")  # fmt: skip
    case = FinancingCase(organization_id=user.organization_id, applicant_id=user.id, patents=patents,
                         amount_wanted=data["amount_wanted"], term_months=data["term_months"],
                         purpose=(data.get("purpose") or "").strip())  # fmt: skip
    db.session.add(case)
    db.session.flush()
    once.bind(claimed, case.id)
    db.session.commit()
    return case


def _open_case_pledging(organization_id, patents):
    """(case, patent) of the organisation's case still in progress that pledges one of ``patents``, or None: the
    form refilled by the Back button and sent again applied a second time with the same patent."""
    open_cases = db.select(FinancingCase).where(
        FinancingCase.organization_id == organization_id,
        FinancingCase.status.in_([s.value for s in workflow.OPEN]),
    )
    for case in db.session.scalars(open_cases.order_by(FinancingCase.id)):
        common = [p for p in patents if p in case.patent_list]
        if common:
            return case, common[0]
    return None


def move(case, action, actor, data, expected=None, key=None):
    """Apply one move and commit; a refused move leaves nothing behind.

    ``key``: the step form's one-time key; a repeat (the second submit of a double click, also one arriving
    while the first is being saved) raises ``once.Repeat`` with the case's id instead of being refused."""
    claimed = once.claim(key, step_key(action), actor, target=case.id)
    try:
        workflow.apply(case, action, actor, data, expected)
    except FinancingError:
        db.session.rollback()
        raise
    once.bind(claimed, case.id)
    db.session.commit()
    return case


def can_view(case, user):
    return user.is_staff or (user.role == Role.ENTERPRISE and user.organization_id == case.organization_id)


def case_query(args, user):
    """Cases: an enterprise's own, or every one for staff; filters by status, year applied, enterprise."""
    stmt = db.select(FinancingCase).join(Organization, Organization.id == FinancingCase.organization_id)
    if not user.is_staff:
        stmt = stmt.where(FinancingCase.organization_id == user.organization_id)
    if args.get("status") in {s.value for s in FinancingStatus}:
        stmt = stmt.where(FinancingCase.status == args["status"])
    year, _ = year_filter(args.get("year"))
    if year:
        stmt = stmt.where(FinancingCase.applied_at >= datetime(year, 1, 1),
                          FinancingCase.applied_at < datetime(year + 1, 1, 1))  # fmt: skip
    q = (args.get("q") or "").strip()[:50]
    if q:
        stmt = stmt.where(contains_any(q, Organization.name, FinancingCase.patents))
    return stmt.order_by(FinancingCase.applied_at.desc(), FinancingCase.id.desc())


def partner_choices(kind):
    rows = db.session.execute(
        db.select(Organization.id, Organization.name).where(Organization.kind == kind).order_by(Organization.name)
    )
    return [(i, n) for i, n in rows]


@history_provider("知识产权质押融资")
def _history(org):
    stmt = db.select(FinancingCase).where(FinancingCase.organization_id == org.id).order_by(FinancingCase.id.desc())
    return history_rows(stmt, lambda c: (c.applied_at.date(), f"质押融资申请（{len(c.patent_list)} 件专利，{c.status_label}）",
                                         f"/financing/{c.id}"))  # fmt: skip


def counts(start: date, end: date):
    """Applications made in [start, end] and their amount wanted; loans paid out in it, their amount;
    subsidies recorded for those loans."""
    c = FinancingCase
    applied = db.session.execute(
        db.select(func.count(c.id), func.coalesce(func.sum(c.amount_wanted), 0)).where(
            c.applied_at >= clock.day_start_utc(start),  # Beijing's days, as stored moments
            c.applied_at < (clock.day_start_utc(end + timedelta(days=1)) if end < date.max else datetime.max),
        )
    ).one()
    granted = db.session.execute(
        db.select(func.count(c.id), func.coalesce(func.sum(c.loan_amount), 0), func.coalesce(func.sum(c.subsidy_amount), 0))
        .where(c.loan_date.between(start, end))
    ).one()  # fmt: skip
    return {"applications": applied[0], "amount_wanted": applied[1], "loans": granted[0],
            "loan_amount": granted[1], "subsidy_amount": granted[2]}  # fmt: skip
