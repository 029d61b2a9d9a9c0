"""Wiring figures on synthetic listings: full rebuild (refit + suggestions), one listing_changed, sync.

Usage: python benchmarks/suggest_wiring.py [N]   (N needs and N results; default 5000)
Prints one JSON object per line.
"""

import json
import random
import sys
import tempfile
import time
from datetime import date, timedelta
from pathlib import Path


def main(n):
    tmp = Path(tempfile.mkdtemp(prefix="mm-suggest-bench-"))
    from matchmaker import create_app
    from matchmaker.extensions import db
    from matchmaker.matching.tokenize import SHIPPED_WORDS
    from matchmaker.models import Organization, Result, TechNeed, User
    from matchmaker.suggestions import indexing, refit, services

    app = create_app({"SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp / 'b.sqlite'}", "INDEX_DIR": str(tmp / "index"),
                      "SECRET_KEY": "bench-secret-key", "MATCH_THRESHOLD": 0.35, "MATCH_SCHEDULE": False})  # fmt: skip
    rng = random.Random(7)
    words = [w for w in SHIPPED_WORDS if len(w) >= 2]
    glue = ["需要", "提升", "降低", "用于", "开发", "工艺", "方案", "性能", "成本", "检测"]

    def text(k):
        return "".join(rng.choice(words) + rng.choice(glue) for _ in range(k))

    with app.app_context():
        db.create_all()
        org = Organization(name="基准单位", kind="enterprise")
        user = User(email="b@example.cn", name="基准", role="researcher", password_hash="x", organization=org)
        db.session.add_all([org, user])
        db.session.flush()
        until = date.today() + timedelta(days=365)
        common = dict(organization_id=org.id, status="published", valid_until=until)
        db.session.add_all(TechNeed(title=text(2), keywords=text(1), problem=text(12), **common) for _ in range(n))
        db.session.add_all(Result(title=text(2), keywords=text(1), abstract=text(12), owner_id=user.id, **common)
                           for _ in range(n))  # fmt: skip
        db.session.commit()

        t = time.perf_counter()
        engine = refit.rebuild(trigger="cli")
        first = time.perf_counter() - t
        emit("suggest_rebuild_first_seconds", first, "s", f"{2 * n} listings, tokenising")
        t = time.perf_counter()
        refit.rebuild(trigger="cli")
        emit("suggest_rebuild_cached_seconds", time.perf_counter() - t, "s", "cached tokens")
        emit("suggest_vocabulary", engine.stats()["vocabulary"], "terms", None)

        need = TechNeed(title=text(2), keywords=text(1), problem=text(12), **common)
        db.session.add(need)
        db.session.commit()
        times = []
        for _ in range(20):
            need.problem = text(12)
            db.session.commit()
            t = time.perf_counter()
            services.listing_changed(need)
            times.append(time.perf_counter() - t)
        times.sort()
        emit("suggest_listing_changed_p50_ms", 1000 * times[len(times) // 2], "ms", 100)
        emit("suggest_listing_changed_max_ms", 1000 * times[-1], "ms", 500)
        t = time.perf_counter()
        with indexing.locked_engine():
            pass
        emit("suggest_get_engine_idle_ms", 1000 * (time.perf_counter() - t), "ms", 20)


def emit(name, value, unit, target):
    print(
        json.dumps({"name": name, "value": round(float(value), 3), "unit": unit, "target": target}, ensure_ascii=False)
    )


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 5000)
