"""Demo visits of 2020: 12 key enterprises visited or received, one expert visit, 17 needs collected; and the
recent visits that the listings' needs marked 走访收集 were collected on.

These reproduce the 2020 letter: “走访/来访重点企业 12 家；征集企业技术难题需求 17 项，携高校院所专家
走访企业对接技术难题 1 家”. The demo has 14 enterprises; the twelve first are the key ones.
"""

from datetime import date, datetime, timedelta

from ..extensions import db
from ..listings import lifecycle
from ..listings.tokens import refresh_tokens
from ..models import Organization, OrgKind, TechNeed, Visit, VisitExpert
from ..models.base import today
from ..models.visits import visit_need
from .listings import dated_back

TOPICS = ["了解企业技术创新需求", "产学研合作政策宣讲", "复工复产技术难题摸排", "科技成果对接需求调研"]
# Collected needs: (title, keywords) — 17 in all, spread over the visits.
COLLECTED = [
    ("生物药发酵过程在线监测", "发酵,在线监测"), ("医用导管表面亲水涂层", "导管,亲水涂层"),
    ("工业软件国产化适配", "工业软件,国产化"), ("芯片封装翘曲控制", "封装,翘曲"), ("焊接机器人视觉纠偏", "焊接,视觉纠偏"),
    ("数控机床热变形补偿", "数控机床,热变形"), ("空调压缩机降噪", "压缩机,降噪"), ("燃气灶具热效率提升", "燃气灶,热效率"),
    ("锁芯防技术开启结构", "锁芯,防盗"), ("五金件冷镦成型模具寿命", "冷镦,模具寿命"), ("LED灯具光衰控制", "LED,光衰"),
    ("MiniLED巨量转移良率", "MiniLED,巨量转移"),
    # The last five go to the visits after the twelfth: the first two enterprises' second visits, the expert
    # visit (a machine-tool maker's thermal deformation) and their first visits again; each fits its enterprise.
    ("中药提取物喷雾干燥粘壁", "喷雾干燥,中药提取"), ("一次性注射器推杆阻力一致性", "注射器,推杆阻力"),
    ("主轴热伸长实时补偿", "主轴,热变形补偿"), ("冻干粉针剂复溶时间缩短", "冻干,复溶"),
    ("医用敷料透气防水膜", "敷料,透气膜"),
]  # fmt: skip


def seed(ctx):
    """Fourteen 2020 visits/receptions at twelve enterprises, one expert visit, 17 needs collected."""
    broker, admin = ctx["users"]["broker"][0], ctx["users"]["admin"][0]
    ents = db.session.scalars(
        db.select(Organization).where(Organization.kind == OrgKind.ENTERPRISE).order_by(Organization.id)
    ).all()[:12]
    visits = []
    for i, org in enumerate(ents + ents[:2]):  # two enterprises visited twice
        visits.append(Visit(organization_id=org.id, kind="reception" if i % 5 == 4 else "visit",
                            visited_on=date(2020, 3 + i % 9, 5 + i), topic=TOPICS[i % len(TOPICS)],
                            people=f"{broker.name}、{admin.name}", hosts="企业技术负责人",
                            summary="了解企业研发现状和技术难题，介绍平台服务与政策。", recorded_by_id=broker.id))  # fmt: skip
    expert = Visit(organization_id=ents[4].id, kind="expert", visited_on=date(2020, 9, 18),
                   topic="携高校院所专家对接数控装备技术难题", people=broker.name, hosts="总工程师",
                   summary="专家现场诊断热变形问题，约定联合攻关。", recorded_by_id=broker.id)  # fmt: skip
    uni = db.session.scalar(db.select(Organization).where(Organization.kind == OrgKind.UNIVERSITY))
    expert.experts = [VisitExpert(name="李明", institution=uni.name if uni else "南方理工大学", title="教授",
                                  organization_id=uni.id if uni else None),
                      VisitExpert(name="陈静", institution="市先进制造研究院", title="研究员")]  # fmt: skip
    visits.append(expert)
    db.session.add_all(visits)
    db.session.flush()
    collected = []
    for k, (title, keywords) in enumerate(COLLECTED):
        visit = visits[k % len(visits)]
        creator = db.session.scalar(db.select(Organization).where(Organization.id == visit.organization_id))
        created = datetime.combine(visit.visited_on, datetime.min.time()) + timedelta(hours=10)
        need = TechNeed(organization_id=creator.id, title=title, summary=f"走访中企业提出：{title}",
                        problem=f"企业在生产中遇到{title}方面的技术难题，希望与高校院所合作解决。", keywords=keywords,
                        industry=creator.industry, coop_mode="development", budget_negotiable=True,
                        status="draft", source="visit", created_at=created, published_at=created,
                        valid_until=date(2020, 12, 31))  # fmt: skip
        if k % 3:  # followed up and closed; or solved by a cooperation
            lifecycle.transition(need, "close")
        else:
            lifecycle.solve(need)
        refresh_tokens(need)
        visit.needs.append(need)
        collected.append(need)
    db.session.flush()
    dated_back(collected)
    recent = _recent(broker, admin)
    db.session.commit()
    ctx["echo"](f"走访：2020 年走访/来访 {len(ents)} 家重点企业，专家进企业 1 家，征集需求 {len(COLLECTED)} 项；"
                f"近期走访 {len(recent)} 家企业，征集需求 {sum(len(v.needs) for v in recent)} 项")  # fmt: skip


def _recent(broker, admin):
    """The visits that the listings' needs marked 走访收集 were collected on (one per enterprise, on the day its
    first such need was published): without them the service statistics counted needs collected by visiting
    (征集 N 项) in a year with no visit (走访 0 家)."""
    linked = db.select(visit_need.c.need_id)
    loose = db.session.scalars(
        db.select(TechNeed).where(TechNeed.source == "visit", TechNeed.id.not_in(linked)).order_by(TechNeed.id)
    ).all()
    by_org = {}
    for need in loose:
        by_org.setdefault(need.organization_id, []).append(need)
    made = []
    for k, (org_id, needs) in enumerate(by_org.items()):
        day = min(min(n.published_at or n.created_at for n in needs).date(), today())
        visit = Visit(organization_id=org_id, kind="reception" if k % 4 == 3 else "visit", visited_on=day,
                      topic=TOPICS[k % len(TOPICS)], people=f"{broker.name}、{admin.name}", hosts="企业技术负责人",
                      summary="了解企业技术难题，现场梳理需求并协助在平台发布。", recorded_by_id=broker.id)  # fmt: skip
        visit.needs = needs
        made.append(visit)
    db.session.add_all(made)
    return made
