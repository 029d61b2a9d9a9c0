"""Demo technology contracts over 2019–2020 and the last twelve months (and any signed from demo suggestions),
with audit history.

The online contracts of 2020 Q4 are chosen so that period reads as the bureau writes it:
平台线上签订技术交易合同 7 项，合同金额 513.29 万元.
"""

import random
from datetime import date, datetime, timedelta
from decimal import Decimal

from ..contracts import services
from ..extensions import db
from ..models import Event, MatchSuggestion, OrgKind, Zone
from ..models.base import today

WAN = Decimal(10000)
# Subjects per industry, written for the demonstration.
SUBJECTS = {
    "健康医药": ["缓释微球制剂工艺", "中药配方颗粒质量标准", "细胞培养基无血清配方"],
    "新一代信息技术": ["工业视觉缺陷检测算法", "边缘计算网关固件", "产线数据中台"],
    "高端装备制造": ["五轴联动数控系统误差补偿", "伺服压装机力位控制", "激光焊接路径规划"],
    "智能家电": ["变频压缩机降噪控制", "洗碗机节水喷淋结构", "空气炸锅温场均匀化"],
    "五金锁具": ["指纹锁芯防撬结构", "锁体表面耐盐雾处理", "低功耗智能门锁通信模组"],
    "灯饰照明": ["灯饰驱动电源高功率因数设计", "植物照明光谱配比", "LED 封装散热结构"],
    "新材料": ["可降解包装薄膜配方", "高导热绝缘复合材料", "阻燃尼龙改性"],
    "新能源": ["储能电池热管理系统", "光伏组件清洗机器人", "锂电池隔膜涂覆工艺"],
}
# 2020 Q4, online: 120 + 95.5 + 88 + 76.3 + 60 + 45.49 + 28 = 513.29 万元.
BUREAU_Q4_2020 = ["120.00", "95.50", "88.00", "76.30", "60.00", "45.49", "28.00"]
TYPES = ["development", "development", "transfer", "license", "consulting", "service", "service"]


def _events(admin):
    """Past matchmaking events to credit event contracts to (created if none exist)."""
    events = db.session.scalars(db.select(Event).where(Event.starts_at < datetime(2021, 1, 1))).all()
    if not events:
        events = [
            Event(title="2019 秋季科技成果对接会", online=False, starts_at=datetime(2019, 10, 18, 9),
                  place="市科技会堂", created_by_id=admin.id, description="高校院所成果路演与企业需求发布"),
            Event(title="2020 智能家电产业云对接会", online=True, starts_at=datetime(2020, 7, 9, 14),
                  link="https://example.invalid/live", created_by_id=admin.id, description="线上路演与洽谈"),
        ]  # fmt: skip
        db.session.add_all(events)
        db.session.commit()
    return events


def _amounts(rnd):
    """A contract amount in 万元 (log-uniform 2–300, to the cent) and its technical-transaction part."""
    wan = Decimal(str(round(2 * (150 ** rnd.random()), 2)))
    tx = (wan * Decimal(rnd.choice([60, 75, 80, 90, 100])) / 100).quantize(Decimal("0.01"))
    return wan * WAN, tx * WAN


def _data(rnd, n, signed_on, buyer, seller, channel, event, broker, amount_wan=None):
    amount, tx = _amounts(rnd)
    if amount_wan is not None:
        amount = Decimal(amount_wan) * WAN
        tx = (amount * Decimal("0.9")).quantize(Decimal("0.01"))
    subject = rnd.choice(SUBJECTS.get(buyer.industry) or sum(SUBJECTS.values(), []))
    ctype = rnd.choice(TYPES)
    registered = signed_on + timedelta(days=rnd.randint(5, 40))
    is_registered = registered < today() and rnd.random() < 0.8
    return {
        "contract_no": f"JS{signed_on.year}-{n:04d}",
        "registration_no": f"{signed_on.year}4406{n:06d}" if is_registered else None,
        "type": ctype,
        "title": f"{subject}{dict(development='技术开发', transfer='专利转让', license='专利许可', consulting='技术咨询', service='技术服务')[ctype]}合同",
        "buyer_name": buyer.name, "buyer_kind": buyer.kind, "seller_name": seller.name, "seller_kind": seller.kind,
        "amount": amount, "transaction_amount": tx, "signed_on": signed_on,
        "registration_status": "registered" if is_registered else rnd.choice(["unsubmitted", "submitted"]),
        "registered_on": registered if is_registered else None,
        "channel": channel, "event_id": event.id if event else None, "need_id": None, "result_id": None,
        "broker_id": broker.id if broker else None, "zone_id": None, "industry": None, "town": None, "note": "",
    }  # fmt: skip


def seed(ctx):
    """About sixty contracts over 2019–2020, about twenty over the last twelve months, an edit and two voids, and
    contracts from live suggestions."""
    rnd = random.Random(2020)  # noqa: S311 -- reproducible demo data
    orgs, users = ctx["orgs"], ctx["users"]
    admin, brokers = users["admin"][0], users["broker"]
    buyers = [o for o in orgs.values() if o.kind == OrgKind.ENTERPRISE.value]
    sellers = [o for o in orgs.values() if o.kind in (OrgKind.UNIVERSITY.value, OrgKind.INSTITUTE.value)]
    events = _events(admin)
    zones = db.session.scalars(db.select(Zone)).all()
    made, n = [], 0
    months = [(y, m) for y in (2019, 2020) for m in range(1, 13)]
    for y, m in months:
        for _ in range(rnd.choice([1, 2, 2, 3]) if (y, m) < (2020, 10) else 1):
            n += 1
            signed = date(y, m, rnd.randint(1, 28))
            channel = rnd.choice(["offline", "offline", "online", "event"]) if (y, m) >= (2020, 10) else rnd.choice(
                ["online", "online", "offline", "event"])  # fmt: skip
            if (y, m) >= (2020, 10) and channel == "online":
                channel = "offline"  # Q4 2020 online contracts are the bureau's seven below
            event = min(events, key=lambda e: abs((e.starts_at.date() - signed).days)) if channel == "event" else None
            broker = rnd.choice(brokers)
            seller = rnd.choice(sellers) if rnd.random() < 0.8 else rnd.choice(buyers)
            buyer = rnd.choice([b for b in buyers if b is not seller])
            data = _data(rnd, n, signed, buyer, seller, channel, event, broker)
            if zones and rnd.random() < 0.3:
                data["zone_id"] = rnd.choice(zones).id
            made.append(services.record_contract(broker if rnd.random() < 0.8 else admin, data))
    for i, amount_wan in enumerate(BUREAU_Q4_2020):
        n += 1
        signed = date(2020, 10 + i % 3, 3 + 3 * i)
        made.append(services.record_contract(
            brokers[i % len(brokers)],
            _data(rnd, n, signed, rnd.choice(buyers), rnd.choice(sellers), "online", None, brokers[i % len(brokers)],
                  amount_wan=amount_wan),
        ))  # fmt: skip
    recent = _recent(rnd, n, buyers, sellers, brokers, zones)
    n += len(recent)
    _history(rnd, admin, made[:40])
    made += recent
    signed_from_suggestions = _from_suggestions(rnd, brokers, admin, n)
    ctx["contracts"] = made
    ctx.get("echo", print)(
        f"技术合同：{len(made) + signed_from_suggestions} 份（2020年第四季度线上 7 项，合同金额 513.29 万元）"
    )


def _recent(rnd, n, buyers, sellers, brokers, zones):
    """One to three contracts a month over the last twelve months (offline and at events; the online ones
    are signed through the demo's pairs and online signing), so that the report's default period, this year,
    and its monthly chart show a working platform rather than a year of zeros."""
    made, now = [], today()
    for back in range(12, -1, -1):
        y, m = divmod(now.year * 12 + now.month - 1 - back, 12)
        for _ in range(rnd.choice([1, 2, 2, 3])):
            signed = date(y, m + 1, rnd.randint(1, 28))
            if signed >= now:
                continue
            n += 1
            broker, event = rnd.choice(brokers), _events_near(signed) if rnd.random() < 0.4 else None
            channel = "event" if event else "offline"
            data = _data(rnd, n, signed, rnd.choice(buyers), rnd.choice(sellers), channel, event, broker)
            if zones and rnd.random() < 0.3:
                data["zone_id"] = rnd.choice(zones).id
            made.append(services.record_contract(broker, data))
    return made


def _events_near(day):
    """The matchmaking event held closest before ``day`` within 60 days, if any."""
    start = datetime.combine(day - timedelta(days=60), datetime.min.time())
    return db.session.scalar(
        db.select(Event).where(Event.starts_at >= start, Event.starts_at <= datetime.combine(day, datetime.max.time()))
        .order_by(Event.starts_at.desc()).limit(1)
    )  # fmt: skip


def _history(rnd, admin, contracts):
    """A correction and two voids, so the audit log has something to show."""
    first = contracts[3]
    data = _as_data(first)
    data["registration_status"], data["registered_on"] = "registered", first.signed_on + timedelta(days=20)
    data["registration_no"] = first.registration_no or f"{first.signed_on.year}4406{first.id:06d}"
    data["note"] = "补录登记信息"
    services.update_contract(admin, first, data, first.version)
    for c, reason in ((contracts[10], "双方协商解除合同"), (contracts[25], "重复录入")):
        services.void_contract(admin, c, reason, c.version)


def _as_data(c):
    """A stored contract as service input."""
    return {
        "contract_no": c.contract_no, "registration_no": c.registration_no, "type": c.type, "title": c.title,
        "buyer_name": c.buyer.name, "buyer_kind": c.buyer.kind, "seller_name": c.seller.name,
        "seller_kind": c.seller.kind, "amount": c.amount, "transaction_amount": c.transaction_amount,
        "signed_on": c.signed_on, "registration_status": c.registration_status, "registered_on": c.registered_on,
        "channel": c.channel, "event_id": c.event_id, "need_id": c.need_id, "result_id": c.result_id,
        "broker_id": c.broker_id, "zone_id": c.zone_id, "industry": c.industry, "town": c.town, "note": c.note,
    }  # fmt: skip


def _from_suggestions(rnd, brokers, admin, n):
    """Sign up to two suggestions the brokers have taken furthest (if the demo has any)."""
    ready = db.session.scalars(
        db.select(MatchSuggestion)
        .where(MatchSuggestion.status.in_(["negotiating", "introduced"]))
        .order_by(MatchSuggestion.status.desc(), MatchSuggestion.id)
        .limit(2)
    ).all()
    signed = 0
    for s in ready:
        n += 1
        broker = s.assigned_broker or brokers[0]
        need, result = s.need, s.result
        if need.organization_id == result.organization_id:
            continue
        data = _data(
            rnd, n, today() - timedelta(days=2), need.organization, result.organization, "online", None, broker
        )
        data.update(title=f"{need.title}（{result.title}）"[:200], need_id=need.id, result_id=result.id)
        services.record_contract(broker, data, suggestion_id=s.id)
        signed += 1
    return signed
