"""Demo fast channel: urgent needs of the 2020 epidemic (decided, one late) and one pending now."""

from datetime import date, datetime, timedelta

from ..extensions import db
from ..listings import lifecycle
from ..listings.tokens import refresh_tokens
from ..models import TechNeed, UrgentRequest
from ..models.base import utcnow
from ..urgent import services
from .listings import dated_back

# title, problem, keywords, industry, reason kind, reason, asked (UTC), hours to decide (calendar), outcome
URGENT_2020 = [
    ("医用防护服压条密封工艺", "防护服压条接缝渗漏，急需改进热封工艺和检测方法", "防护服,热封,密封检测", "健康医药",
     "epidemic", "疫情防控物资扩产，压条密封合格率偏低", datetime(2020, 2, 3, 2), 6, "approved"),
    ("额温枪红外测温精度校准", "额温枪批量生产测温偏差大，需要快速校准方案", "红外测温,校准,额温枪", "新一代信息技术",
     "epidemic", "防疫测温产品订单激增，出厂校准跟不上", datetime(2020, 2, 7, 8), 70, "approved"),
    ("熔喷布驻极工艺稳定性", "熔喷布驻极后过滤效率衰减快", "熔喷布,驻极,过滤效率", "新材料",
     "epidemic", "口罩原料生产线急需提升过滤效率", datetime(2020, 2, 10, 1), 20, "approved"),
    ("注塑模具冷却水路堵塞", "模具冷却水路结垢堵塞导致停产", "注塑模具,冷却水路,清洗", "智能家电",
     "stopped", "复工后生产线停工待修", datetime(2020, 3, 2, 3), 30, "refused"),
]  # fmt: skip


def _need(org, user, title, problem, keywords, industry, status, created):
    need = TechNeed(organization_id=org.id, created_by_id=user.id, title=title, summary=problem, problem=problem,
                    keywords=keywords, industry=industry, coop_mode="development", budget_negotiable=True,
                    status="draft", source="urgent", created_at=created, valid_until=date(2020, 12, 31))  # fmt: skip
    if status == "solved":  # published in 2020 and solved then (through the listing life cycle)
        need.published_at = created + timedelta(hours=1)
        lifecycle.solve(need)
    refresh_tokens(need)
    db.session.add(need)
    return need


def seed(ctx):
    """Four 2020 urgent requests (three within 24 working hours, one refused late) and one pending today."""
    ents, broker = ctx["users"]["enterprise"], ctx["users"]["broker"][0]
    made, asked_then = 0, []
    for i, (title, problem, kw, industry, kind, reason, asked, hours, outcome) in enumerate(URGENT_2020):
        user = ents[i % len(ents)]
        need = _need(user.organization, user, title, problem, kw, industry,
                     "solved" if outcome == "approved" else "draft", asked)  # fmt: skip
        cal = services.calendar_of()
        req = UrgentRequest(need=need, organization_id=need.organization_id, reason_kind=kind, reason=reason,
                            requested_by_id=user.id, requested_at=asked, sla_hours=24,
                            due_at=services.clock.due_at(cal, asked, 24), status=outcome, reviewed_by_id=broker.id,
                            reviewed_at=asked + timedelta(hours=hours), announced=3 if outcome == "approved" else 0,
                            review_note=None if outcome == "approved" else "需求已由企业自行解决")  # fmt: skip
        req.sla_met = req.reviewed_at <= req.due_at
        db.session.add(req)
        made += 1
        asked_then.append(need)
    db.session.flush()
    dated_back(asked_then)
    db.session.commit()
    user = ents[-1]
    need = _need(user.organization, user, "储能电池热失控预警算法", "储能柜电池热失控预警误报率高，项目验收在即",
                 "储能,热失控,预警算法", "新能源", "draft", utcnow())  # fmt: skip
    need.valid_until = date.today() + timedelta(days=90)
    services.mark_existing(need, user, "order", "储能项目验收在即，预警算法需尽快改进")
    ctx["echo"](f"快速通道：2020 年急需需求 {made} 项，待审核 1 项（broker 可在“急需需求审核”中处理）")
