"""Brokers' queue at scale: 100,000 suggestions, time the queue page query, stats and bulk routing.

Prints one JSON object per line: {"name", "value", "unit", "target"}.
Run: .venv/bin/python benchmarks/broker_queue.py [--rows 100000] [--database-url URL]
"""

import argparse
import json
import random
import tempfile
import time
from datetime import date, timedelta


def emit(name, value, unit, target):
    print(json.dumps({"name": name, "value": round(value, 2), "unit": unit, "target": target}, ensure_ascii=False))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--rows", type=int, default=100_000)
    ap.add_argument("--database-url", default=None)
    ap.add_argument("--explain", action="store_true", help="print SQLite query plans")
    args = ap.parse_args()
    tmp = tempfile.mkdtemp(prefix="mm-bench-")
    from matchmaker import create_app
    from matchmaker.extensions import db
    from matchmaker.models import BrokerAssignment, MatchSuggestion, Organization, Result, TechNeed, User

    uri = args.database_url or f"sqlite:///{tmp}/bench.sqlite"
    app = create_app({"SQLALCHEMY_DATABASE_URI": uri.replace("postgresql://", "postgresql+psycopg://"),
                      "SECRET_KEY": "bench-secret-key-xxxxxxxx", "TESTING": True})  # fmt: skip
    rnd = random.Random(1)
    industries = ["新能源", "新材料", "智能家电", "五金锁具", "健康医药"]
    with app.app_context(), app.test_request_context():
        db.drop_all()
        db.create_all()
        org = Organization(name="基准企业", kind="enterprise")
        uni = Organization(name="基准高校", kind="university")
        db.session.add_all([org, uni])
        db.session.flush()
        brokers = [User(email=f"b{i}@x.cn", name=f"经纪人{i}", role="broker", password_hash="x") for i in range(5)]
        db.session.add_all(brokers)
        db.session.flush()
        n_listings = max(100, args.rows // 50)
        valid = date.today() + timedelta(days=300)
        db.session.execute(TechNeed.__table__.insert(), [
            dict(title=f"需求{i}", organization_id=org.id, status="published", industry=industries[i % 5], keywords="",
                 source="self", tokens="", summary="", problem="", indicators="", conditions="", budget_negotiable=False,
                 confidentiality="public", valid_until=valid) for i in range(n_listings)])  # fmt: skip
        db.session.execute(Result.__table__.insert(), [
            dict(title=f"成果{i}", organization_id=uni.id, status="published", keywords="", source="self", tokens="",
                 abstract="", detail="", advantages="", price_negotiable=False, valid_until=valid)
            for i in range(n_listings)])  # fmt: skip
        statuses = ["suggested"] * 7 + ["accepted", "introduced", "rejected"]
        pairs = set()
        while len(pairs) < args.rows:
            pairs.add((rnd.randint(1, n_listings), rnd.randint(1, n_listings)))
        rows = [dict(need_id=n, result_id=r, score=rnd.random(), reasons=[["词", 0.1]], manual=False,
                     status=rnd.choice(statuses), assigned_broker_id=rnd.choice([None] + [b.id for b in brokers]))
                for n, r in pairs]  # fmt: skip
        for i in range(0, len(rows), 10_000):
            db.session.execute(MatchSuggestion.__table__.insert(), rows[i : i + 10_000])
        db.session.add_all(BrokerAssignment(broker_id=b.id, industry=industries[i]) for i, b in enumerate(brokers))
        db.session.commit()

        from matchmaker.brokers import queries
        from matchmaker.suggestions import routing

        me = brokers[0]
        broker_ids = [b.id for b in brokers]
        cases = {
            "queue_default": {},
            "queue_industry_band": {"industry": "新能源", "band": "high"},
            "queue_stale_oldest": {"stale": "1", "sort": "oldest", "assigned": "all"},
            "queue_search": {"q": "需求12", "assigned": "all"},
        }
        for name, qargs in cases.items():
            f = queries.Filters.from_args(qargs, me)
            times = []
            for _ in range(3):  # the median of three: the first run also warms the page cache
                start = time.perf_counter()
                page = db.paginate(queries.queue_stmt(me, f, 14), page=3, per_page=20, error_out=False)
                _ = [(s.need.organization.name, s.result.title, [z.name for z in s.need.zones]) for s in page.items]
                times.append(time.perf_counter() - start)
                db.session.expunge_all()
                me = db.session.get(User, broker_ids[0])
            emit(f"brokers.{name}_ms", 1000 * sorted(times)[1], "ms", 300)
            if args.explain:
                stmt = queries.queue_stmt(me, f, 14).limit(20)
                sql = str(stmt.compile(db.engine, compile_kwargs={"literal_binds": True}))
                for row in db.session.execute(db.text("EXPLAIN QUERY PLAN " + sql)):
                    print("   ", row[-1])
        start = time.perf_counter()
        queries.broker_stats(broker_ids)
        emit("brokers.stats_all_ms", 1000 * (time.perf_counter() - start), "ms", 500)
        ids = list(db.session.scalars(db.select(MatchSuggestion.id).where(
            MatchSuggestion.assigned_broker_id.is_(None), MatchSuggestion.status == "suggested").limit(10_000)))  # fmt: skip
        start = time.perf_counter()
        routing.route_suggestions(ids)
        db.session.commit()
        emit("brokers.route_10k_ms", 1000 * (time.perf_counter() - start), "ms", 5000)


if __name__ == "__main__":
    main()
