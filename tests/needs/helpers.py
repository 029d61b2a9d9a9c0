"""Helpers for listing tests: needs and results with their search tokens."""

from datetime import timedelta

from matchmaker.extensions import db
from matchmaker.listings.tokens import refresh_tokens
from matchmaker.utils import clock

from ..factories import make_need, make_result


def need(user=None, **kw):
    """A published need whose token caches (and so the search index) are filled."""
    kw.setdefault("summary", kw.get("problem", "需求摘要"))
    n = make_need(user=user, **kw)
    if n.published_at is None and n.status == "published":
        from matchmaker.models.base import utcnow

        n.published_at = utcnow()
    refresh_tokens(n)
    db.session.commit()
    return n


def result(user=None, **kw):
    """A published result with its token caches filled."""
    r = make_result(user=user, **kw)
    if r.published_at is None and r.status == "published":
        from matchmaker.models.base import utcnow

        r.published_at = utcnow()
    refresh_tokens(r)
    db.session.commit()
    return r


def future(days=90):
    return (clock.today() + timedelta(days=days)).isoformat()


NEED_FORM = {
    "title": "注塑件表面缺陷在线视觉检测",
    "summary": "希望用机器视觉替代人工目检",
    "problem": "注塑外观件缩痕和熔接线人工目检漏检率高",
    "indicators": "节拍不超过 2 秒/件",
    "conditions": "已有 MES 系统",
    "keywords": "机器视觉， 缺陷检测,机器视觉 ,注塑",
    "industry": "智能家电",
    "field": "",
    "town": "",
    "coop_mode": "development",
    "budget": "80.50",
    "valid_until": future(),
    "confidentiality": "public",
    "source": "self",
    "contact_name": "王工",
    "contact_phone": "13800001234",
    "contact_email": "",
    "action": "publish",
}
