"""Demo matching: a few admin domain words, then the index over whatever listings exist, with suggestions."""

from sqlalchemy import select

from ..extensions import db
from ..models import DomainTerm
from ..suggestions.refit import rebuild

# Local industry terms an admin would add (the shipped dictionary already has the common ones).
DEMO_TERMS = ["指纹锁芯", "灯饰驱动电源", "厨卫电器", "五金表面处理", "配方颗粒"]


def seed(ctx):
    """Add demo domain words, build the index over the demo listings and store suggestions."""
    admins = (ctx.get("users") or {}).get("admin") or []
    present = set(db.session.scalars(select(DomainTerm.word)))
    for word in DEMO_TERMS:
        if word not in present:
            db.session.add(DomainTerm(word=word, added_by_id=admins[0].id if admins else None))
    db.session.commit()
    engine = rebuild(trigger="demo")
    stats = engine.stats()
    ctx["match_engine_version"] = stats["version"]
    ctx.get("echo", print)(
        f"匹配索引：需求 {stats['needs']} 条，成果 {stats['results']} 条，词表 {stats['vocabulary']} 项"
    )
