"""The one owner of a financing case's moves: a table of allowed moves and ``apply``.

applied → appraised (评估公司) → bank_approved (合作银行) → insured (保险) → loan_granted (银行放款)
→ subsidised (政府补偿/贴息); refused from any open state; withdrawn by the enterprise (or an admin for it) before
the bank decides. Partner steps are recorded by a broker or admin on behalf of the partner organisation.
Nothing here commits: the service calling ``apply`` owns the transaction.
"""

from dataclasses import dataclass
from datetime import date

from sqlalchemy import update

from ..extensions import db
from ..models import FinancingCase, FinancingStep, Organization, OrgKind, Role
from ..models.base import utcnow
from ..models.enums import FinancingStatus, SubsidyKind
from ..notifications.services import notify
from ..utils import clock
from ..utils.money import format_wan

EARLIEST = date(2000, 1, 1)  # a date before this is a typing slip (0001-01-01 was saved as a loan date)

REASON_MAX = FinancingCase.refused_reason.type.length  # what the case keeps of a refusal's reason
NOTE_MAX = FinancingStep.note.type.length  # a step's 说明
SUMMARY_MAX = FinancingStep.summary.type.length
SUMMARY_REASON = 100  # a refusal's summary (and the enterprise's notification) quotes this much of the reason

S = FinancingStatus
OPEN = {S.APPLIED, S.APPRAISED, S.BANK_APPROVED, S.INSURED}


@dataclass(frozen=True)
class Move:
    sources: frozenset
    target: FinancingStatus
    label: str  # Chinese verb shown on buttons and in the history
    partner_kind: str | None  # the organisation kind that decides this step
    staff: bool = True  # recorded by a broker or admin (False: by the enterprise itself)


MOVES = {
    "appraise": Move(frozenset({S.APPLIED}), S.APPRAISED, "登记评估结果", OrgKind.APPRAISER.value),
    "approve": Move(frozenset({S.APPRAISED}), S.BANK_APPROVED, "登记银行审批", OrgKind.BANK.value),
    "insure": Move(frozenset({S.BANK_APPROVED}), S.INSURED, "登记保险", OrgKind.INSURER.value),
    "grant": Move(frozenset({S.INSURED}), S.LOAN_GRANTED, "登记放款", None),
    "subsidise": Move(frozenset({S.LOAN_GRANTED}), S.SUBSIDISED, "登记补偿/贴息", OrgKind.GOVERNMENT.value),
    "refuse": Move(frozenset(OPEN), S.REFUSED, "登记未通过", None),
    "withdraw": Move(frozenset({S.APPLIED, S.APPRAISED}), S.WITHDRAWN, "撤回申请", None, staff=False),
}


class FinancingError(ValueError):
    """A refused move; the message is shown to the user, beside ``field`` when it names the form's field.

    ``problems``: every problem found at once, field → message (the first one is the error's own)."""

    def __init__(self, message, field=None, problems=None):
        super().__init__(message)
        self.field = field
        self.problems = dict(problems) if problems else {field: message}

    @classmethod
    def of(cls, problems):
        field, message = next(iter(problems.items()))
        return cls(message, field, problems)


def allowed(case, user):
    """Names of the moves this user may make on the case now."""
    return [name for name, move in MOVES.items() if case.status in move.sources and may(move, case, user)]


def may(move, case, user):
    """Who may make a move, whatever the state: staff record the partners' steps; the enterprise withdraws,
    or an admin withdraws for it (the one rule for the offered forms and ``apply``: the page offered admins
    no 撤回申请 while ``apply`` let them withdraw)."""
    if move.staff:
        return user.is_staff
    return _is_applicant_side(case, user) or user.is_authenticated and user.is_admin


def _is_applicant_side(case, user):
    return user.is_authenticated and user.role == Role.ENTERPRISE and user.organization_id == case.organization_id


def _partner(data, kind, wrong):
    org = db.session.get(Organization, data.get("partner_id") or 0)
    if org is None or org.kind != kind:
        wrong["partner_id"] = f"请选择{OrgKind.label_of(kind)}"
        return None
    return org


def _positive(data, name, label, wrong):
    value = data.get(name)
    if value is None or value <= 0:
        wrong[name] = f"请填写{label}（大于 0）"
        return None
    return value


def problems(case, action, data):
    """Every problem of the step's figures and 说明 at once, field → message, in the form's order; changes
    nothing. The page asks it also when the form refused another field, so a step sent with two mistakes is
    told both, not the second after the first is fixed."""
    return _check(case, action, data)[0]


def _check(case, action, data):
    """Check the step's figures and 说明 without changing the case: (problems, partner, the case's new values)."""
    wrong, org, values = {}, None, {}
    if action == "appraise":
        org = _partner(data, OrgKind.APPRAISER.value, wrong)
        values = {"appraiser_id": org and org.id,
                  "appraised_value": _positive(data, "appraised_value", "评估价值", wrong)}  # fmt: skip
    elif action == "approve":
        org = _partner(data, OrgKind.BANK.value, wrong)
        amount = _positive(data, "loan_amount", "审批金额", wrong)
        if amount is not None and case.appraised_value is not None and amount > case.appraised_value:
            wrong["loan_amount"] = "审批金额不能超过评估价值"
        rate, term = data.get("loan_rate"), data.get("loan_term_months")
        if rate is None or rate <= 0:
            wrong["loan_rate"] = "请填写年利率（大于 0）"
        if not term:
            wrong["loan_term_months"] = "请填写贷款期限（月）"
        values = {"bank_id": org and org.id, "loan_amount": amount, "loan_rate": rate, "loan_term_months": term}
    elif action == "insure":
        org = _partner(data, OrgKind.INSURER.value, wrong)
        premium, cover = _positive(data, "premium", "保费", wrong), _positive(data, "cover", "保险金额", wrong)
        if premium is not None and cover is not None and premium > cover:
            wrong["premium"] = "保费不能超过保险金额，请核对（单位均为万元）"
        values = {"insurer_id": org and org.id, "premium": premium, "cover": cover}
    elif action == "grant":
        loan_date = data.get("loan_date")
        applied_on = clock.to_local(case.applied_at).date()  # the day applied, in Beijing as the page shows it
        if not loan_date:
            wrong["loan_date"] = "请填写放款日期"
        elif loan_date > clock.today():
            wrong["loan_date"] = "放款日期不能晚于今天：请在银行放款后登记"
        elif loan_date < EARLIEST:
            wrong["loan_date"] = f"放款日期不能早于 {EARLIEST:%Y 年}，请核对"
        elif loan_date < applied_on:
            wrong["loan_date"] = f"放款日期不能早于申请日期（{applied_on:%Y-%m-%d}），请核对"
        org, values = case.bank, {"loan_date": loan_date}
    elif action == "subsidise":
        org = _partner(data, OrgKind.GOVERNMENT.value, wrong)
        kind = data.get("subsidy_kind")
        if kind not in {k.value for k in SubsidyKind}:
            wrong["subsidy_kind"] = "请选择补偿或贴息"
        amount = _positive(data, "subsidy_amount", "补偿/贴息金额", wrong)
        if amount is not None and case.loan_amount is not None and amount > case.loan_amount:
            wrong["subsidy_amount"] = f"补偿/贴息金额不能超过放款金额（{format_wan(case.loan_amount)} 万元），请核对"
        values = {"government_id": org and org.id, "subsidy_kind": kind, "subsidy_amount": amount}
    note = (data.get("note") or "").strip()
    if action == "refuse":
        if len(note) < 2:
            wrong["note"] = "请填写未通过的原因"
        elif len(note) > REASON_MAX:  # the case keeps the reason whole or not at all
            wrong["note"] = f"未通过原因不能超过 {REASON_MAX} 个字符（现 {len(note)} 个）"
        org = db.session.get(Organization, data.get("partner_id") or 0)
        values = {"refused_reason": note}
    elif len(note) > NOTE_MAX:  # the form checks it first; a caller past it is refused, never cut to the column
        wrong["note"] = f"说明不能超过 {NOTE_MAX} 个字符（现 {len(note)} 个）"
    return wrong, org, values


def _summary(case, action, org, actor):
    """The step's line in 办理记录 (and the enterprise's notification), from the case as the step left it."""
    if action == "appraise":
        return f"{org.name} 评估价值 {format_wan(case.appraised_value)} 万元"
    if action == "approve":
        return (f"{org.name} 审批 {format_wan(case.loan_amount)} 万元，年利率 {case.loan_rate}%，"
                f"期限 {case.loan_term_months} 个月")  # fmt: skip
    if action == "insure":
        return f"{org.name} 承保 {format_wan(case.cover)} 万元，保费 {format_wan(case.premium)} 万元"
    if action == "grant":
        bank = case.bank.name if case.bank else "银行"
        return f"{bank} 于 {case.loan_date} 放款 {format_wan(case.loan_amount)} 万元"
    if action == "subsidise":
        return f"{org.name} {case.subsidy_label} {format_wan(case.subsidy_amount)} 万元"
    if action == "refuse":
        reason = case.refused_reason
        return "未通过：" + (reason if len(reason) <= SUMMARY_REASON else reason[: SUMMARY_REASON - 1] + "…")
    return "企业撤回申请" if _is_applicant_side(case, actor) else "平台管理员代企业撤回申请"


def apply(case, action, actor, data, expected=None):
    """Apply a move (checks the actor, the state, the partner and the figures); records who and when.

    ``expected`` is the status the actor saw: a case changed meanwhile by someone else is refused.
    """
    move = MOVES.get(action)
    if move is None:
        raise FinancingError("不支持的操作")
    if not may(move, case, actor):
        raise FinancingError("您无权进行此操作")
    source = case.status
    if source not in move.sources or (expected and expected != source):
        raise FinancingError(f"案件当前状态为“{case.status_label}”，不能{move.label}（可能已被他人处理，请刷新）")
    wrong, partner, values = _check(case, action, data)
    if wrong:
        raise FinancingError.of(wrong)
    for name, value in values.items():
        setattr(case, name, value)
    summary = _summary(case, action, partner, actor)
    note = (data.get("note") or "").strip()
    if len(summary) > SUMMARY_MAX:
        raise FinancingError(f"登记摘要过长（{len(summary)} 个字符，最多 {SUMMARY_MAX} 个），未保存，请核对机构名称")
    claimed = db.session.execute(
        update(FinancingCase)
        .where(FinancingCase.id == case.id, FinancingCase.status == source)
        .values(status=move.target.value, updated_at=utcnow())
        .execution_options(synchronize_session=False)
    ).rowcount
    if not claimed:
        raise FinancingError("案件已被他人处理，请刷新后重试")
    case.status = move.target.value
    db.session.add(FinancingStep(case=case, action=action, from_status=source, to_status=move.target.value,
                                 partner_id=partner.id if partner else None, actor_id=actor.id, summary=summary,
                                 note=note or None))  # fmt: skip
    if actor.id != case.applicant_id:
        notify(case.applicant_id, "financing", f"您的知识产权质押融资申请进展：{summary}", f"/financing/{case.id}")
    return case
