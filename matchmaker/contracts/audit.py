"""The audit log: one reusable ``record`` for every area, and contract snapshots."""

from datetime import date, datetime
from decimal import Decimal

from ..extensions import db
from ..models import AuditLog

# Contract fields written to the audit log, with the labels shown to admins.
CONTRACT_FIELDS = {
    "contract_no": "合同编号",
    "registration_no": "登记编号",
    "type": "合同类型",
    "title": "合同名称",
    "buyer_id": "买方（委托方）",
    "seller_id": "卖方（受托方）",
    "amount": "合同金额（元）",
    "transaction_amount": "技术交易额（元）",
    "signed_on": "签订日期",
    "registration_status": "登记状态",
    "registered_on": "登记日期",
    "channel": "签订渠道",
    "event_id": "对接活动",
    "need_id": "关联需求",
    "result_id": "关联成果",
    "suggestion_id": "关联推荐",
    "broker_id": "经纪人",
    "industry": "行业",
    "town": "镇街",
    "zone_id": "专区",
    "note": "备注",
    "voided": "已作废",
    "void_reason": "作废原因",
    "version": "版本",
}


def jsonable(value):
    """Decimals, dates and datetimes as strings; everything else as is."""
    if isinstance(value, Decimal):
        return f"{value:.2f}" if value == value.quantize(Decimal("0.01")) else str(value)
    if isinstance(value, datetime | date):
        return value.isoformat()
    return value


def snapshot(obj, fields=CONTRACT_FIELDS):
    """The audited fields of a row as a JSON-ready dict."""
    return {name: jsonable(getattr(obj, name)) for name in fields}


def changed(before, after):
    """Names of fields whose values differ between two snapshots."""
    before, after = before or {}, after or {}
    return [k for k in dict.fromkeys([*before, *after]) if before.get(k) != after.get(k)]


def record(actor, entity, entity_id, action, before=None, after=None):
    """Add an audit row (committed with the caller's transaction); returns it."""
    row = AuditLog(
        actor_id=getattr(actor, "id", None),
        entity=entity,
        entity_id=entity_id,
        action=action,
        before={k: jsonable(v) for k, v in before.items()} if before is not None else None,
        after={k: jsonable(v) for k, v in after.items()} if after is not None else None,
    )
    db.session.add(row)
    return row
