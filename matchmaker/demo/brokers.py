"""Demo brokers' work: assignments by industry, queues in every state, follow-ups, an event, notifications."""

from datetime import datetime, timedelta

from ..brokers import events as event_services
from ..brokers import services
from ..extensions import db
from ..models import ACTIVE_STATUSES, BrokerAssignment, Event, MatchSuggestion, Result, TechNeed, Zone
from ..models.base import today, utcnow
from ..suggestions import routing

# Which broker (by position) covers which industries.
INDUSTRIES = [
    ["五金锁具", "智能家电", "灯饰照明"],
    ["健康医药", "新一代信息技术", "高端装备制造"],
    ["新材料", "新能源", "纺织服装", "现代农业"],
]
# What each broker does with their queue, in order of score: the rest stays pending.
PLAN = ["negotiating", "introduced", "introduced", "accepted", "rejected", "failed", "accepted", "rejected"]
REJECTS = [("off_topic", "需求侧重结构设计，成果为材料配方，方向不一致"), ("too_early", "成果仍处于实验室阶段"),
           ("too_expensive", "报价超出企业预算较多"), ("already_solved", "企业已与其他高校合作解决")]  # fmt: skip
FOLLOW_UPS = [("call", "电话联系企业技术负责人，确认需求细节和预算范围"),
              ("visit", "走访企业生产线，了解现有工艺基础，双方约定下周技术交流"),
              ("meeting", "组织双方线上会议，成果方介绍技术路线，企业提出三项指标要求")]  # fmt: skip


def seed(ctx):
    """Assign brokers, work their queues into several states, add follow-ups and an event."""
    echo, brokers = ctx.get("echo", print), ctx["users"]["broker"]
    admin = ctx["users"]["admin"][0]
    _assign(brokers)
    pending = db.session.scalars(
        db.select(MatchSuggestion.id).where(MatchSuggestion.status == "suggested").order_by(MatchSuggestion.id)
    ).all()
    if len(pending) < 6:
        _manual_pairs(brokers)
    else:
        routing.route_suggestions(pending)
        db.session.commit()
    worked = sum(_work_queue(b, i) for i, b in enumerate(brokers))
    _leave_some_stale(brokers)
    event = _event(admin, brokers)
    echo(f"经纪人：{len(brokers)} 位按行业分工，处理推荐 {worked} 条；对接活动「{event.title}」")


def _assign(brokers):
    zone = db.session.scalar(db.select(Zone).order_by(Zone.id))
    for broker, industries in zip(brokers, INDUSTRIES):
        db.session.add_all(BrokerAssignment(broker_id=broker.id, industry=name) for name in industries)
    if zone and brokers:
        db.session.add(BrokerAssignment(broker_id=brokers[-1].id, zone_id=zone.id))
    db.session.commit()


def _manual_pairs(brokers):
    """No (or few) matcher suggestions: pair needs and results of the same industry by hand."""
    needs = db.session.scalars(
        db.select(TechNeed).where(TechNeed.status.in_(ACTIVE_STATUSES)).order_by(TechNeed.id).limit(40)
    ).all()
    results = db.session.scalars(
        db.select(Result).where(Result.status.in_(ACTIVE_STATUSES)).order_by(Result.id).limit(40)
    ).all()
    made = 0
    for i, need in enumerate(needs):
        same = [r for r in results if r.industry and r.industry == need.industry] or results
        if not same:
            break
        result = same[i % len(same)]
        if db.session.scalar(db.select(MatchSuggestion.id).filter_by(need_id=need.id, result_id=result.id)):
            continue
        s = MatchSuggestion(need_id=need.id, result_id=result.id, score=0.3 + (i % 5) / 10,
                            reasons=services.shared_keywords(need, result), engine_version="demo")  # fmt: skip
        db.session.add(s)
        db.session.flush()
        routing.route_suggestions([s])
        if s.assigned_broker_id is None:
            s.assigned_broker_id = brokers[i % len(brokers)].id
        made += 1
    db.session.commit()
    return made


def _work_queue(broker, index):
    """Take this broker's best suggestions through the pipeline as PLAN says."""
    mine = db.session.scalars(
        db.select(MatchSuggestion)
        .where(MatchSuggestion.assigned_broker_id == broker.id, MatchSuggestion.status == "suggested")
        .order_by(MatchSuggestion.score.desc(), MatchSuggestion.id)
        .limit(len(PLAN))
    ).all()
    plan = PLAN[index % 2 :] + PLAN[: index % 2]  # brokers differ a little
    for k, (s, goal) in enumerate(zip(mine, plan)):
        if goal == "rejected":
            code, note = REJECTS[(k + index) % len(REJECTS)]
            services.reject(s, broker, "suggested", code, note)
            continue
        services.accept(s, broker, "suggested")
        if goal == "failed":
            services.move(s, broker, "accepted", "failed", "企业暂停该项目")
            continue
        if goal in ("introduced", "negotiating"):
            services.introduce(s, broker, "accepted", "双方需求与成果高度契合")
            kind, note = FOLLOW_UPS[k % len(FOLLOW_UPS)]
            services.add_follow_up(s, broker, kind, today() - timedelta(days=3 + k), note)
        if goal == "negotiating":
            _answer(s, "interested", "interested")
            services.add_follow_up(
                s, broker, "meeting", today() - timedelta(days=1), "双方就合作方式和报价进行第二轮洽谈"
            )
            services.move(s, broker, "introduced", "negotiating", "双方均有意向，进入合同条款洽谈")
        elif goal == "introduced" and k % 2 == 0:
            _answer(s, "interested", None)
        elif goal == "introduced":
            _answer(s, None, ("declined", "timing"))
    return len(mine)


def _answer(s, need_side, result_side):
    """The two sides answer the introduction (as their users would in the browser)."""
    from ..models import User

    for side, answer, ids in (("need", need_side, services.need_side_user_ids(s.need)),
                              ("result", result_side, services.result_side_user_ids(s.result))):  # fmt: skip
        if not answer or not ids:
            continue
        response, reason = (answer, "") if isinstance(answer, str) else answer
        user = db.session.get(User, ids[0])
        if services.side_of(user, s) == side:
            services.respond(s, user, "", response, reason, "今年研发排期已满，明年再议" if reason else "")


def _leave_some_stale(brokers):
    """Two pending suggestions per broker untouched for three weeks, so the stale flag shows."""
    old = utcnow() - timedelta(days=21)
    for broker in brokers:
        ids = db.session.scalars(
            db.select(MatchSuggestion.id)
            .where(MatchSuggestion.assigned_broker_id == broker.id, MatchSuggestion.status == "suggested")
            .order_by(MatchSuggestion.score)
            .limit(2)
        ).all()
        for s in db.session.scalars(db.select(MatchSuggestion).where(MatchSuggestion.id.in_(ids))):
            s.created_at = s.last_activity_at = old
    db.session.commit()


def _event(admin, brokers):
    """An upcoming event with listings attached and one pair recorded as discussed."""
    zone = db.session.scalar(db.select(Zone).order_by(Zone.id))
    start = datetime.combine(today() + timedelta(days=10), datetime.min.time()) + timedelta(hours=14)
    event = event_services.save_event(Event(), {
        "title": "智能家居与五金锁具成果对接会", "mode": "offline", "starts_at": start, "place": "五金镇商会大楼三楼报告厅",
        "zone_id": zone.id if zone else None,
        "description": "邀请高校院所就智能门锁、智能家电相关成果路演，企业现场发布技术需求，经纪人一对一撮合。",
    }, brokers[0] if brokers else admin)  # fmt: skip
    pair = db.session.scalar(
        db.select(MatchSuggestion)
        .where(MatchSuggestion.status.in_(["introduced", "negotiating"]))
        .order_by(MatchSuggestion.id)
        .limit(1)
    )
    if pair is not None:
        actor = pair.assigned_broker or admin
        event_services.attach(event, event.created_by or admin, "need", pair.need_id)
        event_services.attach(event, event.created_by or admin, "result", pair.result_id)
        event_services.record_pair(event, actor, pair)
    return event
