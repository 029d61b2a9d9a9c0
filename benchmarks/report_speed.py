"""Report speed at 100,000 contracts: the admin report page and the Excel export.

Fills a database in a temporary instance (SQLite by default, or --db-url for PostgreSQL),
then times GET /reports/ and GET /reports/export?format=xlsx through the test client as an
admin. Prints one JSON object per line: {"name", "value", "unit", "target"}.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import statistics
import sys
import tempfile
import time
from datetime import date, datetime, timedelta
from decimal import Decimal
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("MATCHMAKER_INSTANCE_PATH", tempfile.mkdtemp(prefix="mm-bench-"))

from matchmaker import create_app  # noqa: E402
from matchmaker.extensions import db  # noqa: E402
from matchmaker.models import Contract, Event, Organization, TechNeed, User, Zone  # noqa: E402
from matchmaker.reports import summary  # noqa: E402

TYPES = ["development", "transfer", "license", "consulting", "service"]
CHANNELS = ["online", "online", "online", "offline", "event"]
INDUSTRIES = ["健康医药", "新一代信息技术", "高端装备制造", "智能家电", "五金锁具", "灯饰照明", "新材料", "新能源"]
TOWNS = ["高新区", "东城街道", "西城街道", "南城街道", "北城街道", "临港镇", "翠湖镇", "花溪镇", "五金镇", "灯都镇"]


def emit(name, value, unit, target, cpu=None):
    """Print one figure as a JSON line (with the CPU seconds and the load beside a timed one-off)."""
    row = {"name": name, "value": round(value, 4), "unit": unit, "target": target}
    if cpu is not None:
        row |= {"cpu_s": round(cpu, 4), "load1": round(os.getloadavg()[0], 1)}
    print(json.dumps(row, ensure_ascii=False))
    sys.stdout.flush()


def fill(n, seed=7):
    """Organisations, brokers, zones, events and n contracts over 2019–2020 (bulk Core inserts)."""
    rnd = random.Random(seed)
    admin = User(email="bench-admin@example.cn", name="管理员", role="admin")
    admin.set_password("bench-pass-123")
    db.session.add(admin)
    orgs = [Organization(name=f"企业{i}", kind="enterprise", industry=rnd.choice(INDUSTRIES), town=rnd.choice(TOWNS))
            for i in range(300)]  # fmt: skip
    orgs += [Organization(name=f"高校院所{i}", kind=rnd.choice(["university", "institute"])) for i in range(40)]
    brokers = [User(email=f"b{i}@example.cn", name=f"经纪人{i}", role="broker", password_hash="x") for i in range(20)]
    zones = [Zone(name=f"专区{i}") for i in range(8)]
    events = [Event(title=f"对接会{i}", starts_at=datetime(2019, 1, 1) + timedelta(days=30 * i)) for i in range(24)]
    db.session.add_all(orgs + brokers + zones + events)
    db.session.commit()
    ent = [o.id for o in orgs if o.kind == "enterprise"]
    inst = [o.id for o in orgs if o.kind != "enterprise"]
    needs = [{"title": f"需求{i}", "organization_id": rnd.choice(ent), "status": rnd.choice(["published", "solved"]),
              "published_at": datetime(2019, 1, 1) + timedelta(days=rnd.randrange(730)), "tokens": "",
              "keywords": "", "source": "self", "summary": "", "problem": "", "indicators": "", "conditions": "",
              "confidentiality": "public", "budget_negotiable": False, "created_at": datetime(2019, 1, 1),
              "updated_at": datetime(2019, 1, 1)} for i in range(2000)]  # fmt: skip
    db.session.execute(db.insert(TechNeed), needs)
    start = date(2019, 1, 1)
    batch = []
    for i in range(n):
        cents = rnd.randrange(1_000_00, 2_000_000_00)
        channel = rnd.choice(CHANNELS)
        batch.append({
            "contract_no": f"HT{i:07d}", "registration_no": f"R{i:09d}" if i % 3 else None, "type": rnd.choice(TYPES),
            "title": f"技术合同{i}", "buyer_id": rnd.choice(ent), "seller_id": rnd.choice(inst + ent[:50]),
            "amount": Decimal(cents) / 100, "transaction_amount": Decimal(cents * rnd.randrange(50, 101) // 100) / 100,
            "signed_on": start + timedelta(days=rnd.randrange(731)), "registration_status": "registered",
            "channel": channel, "event_id": rnd.choice(events).id if channel == "event" else None,
            "need_id": rnd.randrange(1, 2001) if i % 10 == 0 else None, "broker_id": rnd.choice(brokers).id,
            "industry": rnd.choice(INDUSTRIES), "town": rnd.choice(TOWNS),
            "zone_id": rnd.choice(zones).id if i % 4 == 0 else None, "note": "", "voided": i % 50 == 0,
            "created_at": datetime(2021, 1, 1), "updated_at": datetime(2021, 1, 1), "version": 1,
        })  # fmt: skip
        if len(batch) == 10_000:
            db.session.execute(db.insert(Contract), batch)
            batch = []
    if batch:
        db.session.execute(db.insert(Contract), batch)
    db.session.commit()
    if db.engine.dialect.name == "sqlite":
        db.session.execute(db.text("ANALYZE"))
    else:
        db.session.execute(db.text("ANALYZE contract"))
    db.session.commit()


def timed(client, url, repeat):
    """Median and first wall time of GET url (asserting 200)."""
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        resp = client.get(url)
        times.append(time.perf_counter() - t0)
        assert resp.status_code == 200, (url, resp.status_code)
    return statistics.median(times), times[0]


def once(work):
    """Wall and CPU seconds of work()."""
    w0, c0 = time.perf_counter(), time.process_time()
    work()
    return time.perf_counter() - w0, time.process_time() - c0


def changes(admin_email):
    """Contract writes through the services, each followed by the report's first view (timed by the caller)."""
    from matchmaker.contracts import services as contracts

    admin = db.session.scalar(db.select(User).filter_by(email=admin_email))
    pick = lambda i: db.session.scalar(  # noqa: E731 -- a valid contract (a kept database was changed before)
        db.select(Contract).where(Contract.id >= i, Contract.voided.is_(False)).order_by(Contract.id).limit(1)
    )

    def data(c, **kw):
        return {"buyer_name": c.buyer.name, "seller_name": c.seller.name, "industry": c.industry, "town": c.town,
                "zone_id": c.zone_id, **kw}  # fmt: skip

    def void():
        contracts.void_contract(admin, pick(12_345), "基准测试：作废")

    def edit():
        c = pick(23_456)  # a new amount and a signing date in another month
        contracts.update_contract(admin, c, data(c, amount=c.amount + Decimal("1.23"), transaction_amount=c.amount,
                                                 signed_on=date(2019, 7, 15)), c.version)  # fmt: skip

    def create():
        c = pick(34_567)
        contracts.record_contract(admin, data(c, contract_no="HT-BENCH", registration_no=None, type="license",
                                              title="基准测试合同", amount=Decimal("123456.78"),
                                              transaction_amount=Decimal("100000.00"), signed_on=date(2020, 3, 3),
                                              channel="offline", event_id=None, need_id=None, result_id=None,
                                              broker_id=c.broker_id, note=""))  # fmt: skip

    return [("void", void), ("edit", edit), ("create", create)]


def main():
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("-n", type=int, default=100_000)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--db-url", default=None, help="PostgreSQL URL of an EMPTY database (default: temp SQLite)")
    parser.add_argument(
        "--keep",
        metavar="FILE",
        default=None,
        help="SQLite file kept between runs: filled when missing, reused (not refilled) after",
    )
    parser.add_argument(
        "--keep-db", action="store_true", help="with --db-url: keep the filled database and reuse it when filled"
    )
    parser.add_argument("--profile", action="store_true", help="print the 25 costliest functions of the report page")
    args = parser.parse_args()
    instance = os.environ["MATCHMAKER_INSTANCE_PATH"]
    reuse = bool(args.keep) and os.path.exists(args.keep)
    url = args.db_url or (
        f"sqlite:///{os.path.abspath(args.keep)}" if args.keep else f"sqlite:///{instance}/bench.sqlite"
    )
    app = create_app({"SECRET_KEY": "bench-secret-key", "WTF_CSRF_ENABLED": False, "DATABASE_URL": url,
                      "SQLALCHEMY_DATABASE_URI": None, "RATELIMIT_STORAGE_URI": "memory://"})  # fmt: skip
    with app.app_context():
        db.create_all()  # on a kept file: tables added since it was filled
        if args.db_url and args.keep_db:
            reuse = db.session.scalar(db.select(db.func.count(Contract.id))) >= args.n
        if not reuse:
            t0 = time.perf_counter()
            fill(args.n)
            emit("report_fill_s_100k", time.perf_counter() - t0, "s", "info")
        if not summary.is_current():  # a kept file filled before the monthly rows, as after a migration
            wall, cpu = once(summary.rebuild)
            emit("report_summary_rebuild_s_100k", wall, "s", "info", cpu)
        client = app.test_client()
        resp = client.post("/auth/login", data={"email": "bench-admin@example.cn", "password": "bench-pass-123"})
        assert resp.status_code == 302
        period = "from=2019-01-01&to=2020-12-31"
        if args.profile:
            import cProfile
            import pstats

            client.get(f"/reports/?{period}")
            prof = cProfile.Profile()
            prof.enable()
            client.get(f"/reports/?{period}")
            prof.disable()
            pstats.Stats(prof, stream=sys.stderr).sort_stats("cumulative").print_stats(25)
            pstats.Stats(prof, stream=sys.stderr).sort_stats("tottime").print_stats(15)
        median, first = timed(client, f"/reports/?{period}", args.repeat)
        emit("report_page_s_100k", median, "s", "<= 0.5")
        emit("report_page_first_s_100k", first, "s", "< 2")
        for name, work in changes("bench-admin@example.cn"):  # a contract write, then the first view after it
            wall, cpu = once(work)
            emit(f"contract_{name}_s_100k", wall, "s", "info", cpu)
            wall, cpu = once(lambda: client.get(f"/reports/?{period}"))
            emit(f"report_page_after_{name}_s_100k", wall, "s", "<= 0.5", cpu)
        median, _ = timed(client, f"/reports/export?format=xlsx&{period}", args.repeat)
        emit("excel_export_s_100k", median, "s", "<= 0.5")
        median, _ = timed(client, f"/reports/export?format=csv&{period}", args.repeat)
        emit("csv_export_s_100k", median, "s", "< 2")
        median, _ = timed(client, "/contracts/?q=技术合同99", args.repeat)
        emit("contract_list_search_s_100k", median, "s", "< 1")
        median, _ = timed(client, "/contracts/?page=200", args.repeat)
        emit("contract_list_page200_s_100k", median, "s", "< 1")
        db.session.remove()  # the requests ran in this app context: its session still holds a transaction
        if args.db_url and not (args.keep or args.keep_db):
            db.drop_all()


if __name__ == "__main__":
    main()
