"""Demo IP-pledge financing (政府 + 银行 + 保险 + 评估公司): partner organisations and 2020 cases —
three loans paid out (two with interest subsidy, one with risk compensation), one refused, one in
progress — and one application awaiting appraisal now."""

from datetime import date, datetime
from decimal import Decimal

from ..extensions import db
from ..financing import services
from ..listings.validation import patent_error
from ..models import Organization, OrgKind

PARTNERS = [("中诚资产评估有限公司", OrgKind.APPRAISER), ("城市商业银行科技支行", OrgKind.BANK),
            ("农商银行高新区支行", OrgKind.BANK), ("人保财险市分公司", OrgKind.INSURER)]  # fmt: skip
# (enterprise index, applied, wanted 万, appraised 万, loan 万, rate, loan date, subsidy kind, subsidy 万, end)
CASES = [
    (0, datetime(2020, 3, 10, 2), 500, 900, 450, "4.35", date(2020, 5, 12), "interest", "9.79", "subsidised"),
    (4, datetime(2020, 4, 20, 3), 1000, 1600, 800, "4.50", date(2020, 7, 1), "compensation", "24.00", "subsidised"),
    (6, datetime(2020, 6, 8, 6), 300, 520, 260, "4.35", date(2020, 8, 18), "interest", "5.66", "subsidised"),
    (9, datetime(2020, 8, 3, 1), 200, 150, None, None, None, None, None, "refused"),
    (12, datetime(2020, 11, 16, 2), 600, 980, 500, "4.30", None, None, None, "insured"),
]


def _patent(n):
    """A demo invention patent number with a correct check digit."""
    for d in "0123456789X":
        number = f"ZL2019101{n:05d}.{d}"
        if not patent_error(number):
            return number
    raise ValueError(n)


def _wan(value):
    return Decimal(value) * 10000 if value is not None else None


def seed(ctx):
    """Partner organisations, five 2020 cases through their steps, one new application."""
    orgs = {}
    for name, kind in PARTNERS:
        orgs[name] = Organization(name=name, kind=kind, town="东城街道", verified=True)
        db.session.add(orgs[name])
    db.session.commit()
    appraiser, bank, _, insurer = orgs.values()
    gov = db.session.scalar(db.select(Organization).where(Organization.kind == OrgKind.GOVERNMENT))
    broker, ents = ctx["users"]["broker"][1], ctx["users"]["enterprise"]
    for k, (i, applied, wanted, appraised, loan, rate, loan_date, sub_kind, sub, end) in enumerate(CASES):
        user = ents[i % len(ents)]
        case = services.apply_for(user, {"patents": f"{_patent(k * 2 + 1)}, {_patent(k * 2 + 2)}",
                                         "amount_wanted": _wan(wanted), "term_months": 12,
                                         "purpose": "研发投入和设备购置"})  # fmt: skip
        case.applied_at = applied
        services.move(case, "appraise", broker, {"partner_id": appraiser.id, "appraised_value": _wan(appraised)})
        if end == "refused":
            services.move(case, "refuse", broker, {"partner_id": bank.id, "note": "评估价值低于融资需求，银行未予审批"})
            continue
        services.move(case, "approve", broker, {"partner_id": bank.id, "loan_amount": _wan(loan),
                                                "loan_rate": Decimal(rate), "loan_term_months": 12})  # fmt: skip
        services.move(case, "insure", broker, {"partner_id": insurer.id, "premium": _wan(loan) * Decimal("0.015"),
                                               "cover": _wan(loan)})  # fmt: skip
        if end == "insured":
            continue
        services.move(case, "grant", broker, {"loan_date": loan_date})
        services.move(case, "subsidise", broker, {"partner_id": gov.id, "subsidy_kind": sub_kind,
                                                  "subsidy_amount": _wan(sub)})  # fmt: skip
    db.session.commit()
    services.apply_for(ents[2], {"patents": _patent(40), "amount_wanted": _wan(300), "term_months": 12,
                                 "purpose": "扩大生产"})  # fmt: skip
    ctx["echo"]("质押融资：合作机构 4 家；2020 年申请 5 件、放款 3 笔共 1,510.00 万元；待评估申请 1 件")
