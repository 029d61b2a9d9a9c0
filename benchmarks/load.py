"""Load and fault test: gunicorn with 4 workers, concurrent clients browsing, searching,
posting needs and recording contracts; then every acknowledged write is checked in the database.

    python benchmarks/load.py                      # PostgreSQL (MATCHMAKER_DATABASE_URL or local test server), 50 clients, 60 s
    python benchmarks/load.py --db sqlite --clients 8
    python benchmarks/load.py --short              # CI: 20 clients, 15 s, exit 1 on any 5xx or lost row

Prints one JSON object per figure: load_requests_per_s, load_p95_ms, load_5xx,
load_lost_or_duplicated_rows, load_total_mismatch_cents (and the same with a _sqlite suffix for
SQLite). With --kill-worker (default on) one worker is SIGKILLed mid-run: requests it was serving
fail without acknowledgement, and nothing acknowledged may be lost.
"""

import argparse
import http.client
import json
import os
import random
import re
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path
from urllib.parse import urlencode

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
BIN = Path(sys.executable).parent
PASSWORD = "load-pass-123"  # noqa: S105 -- throwaway accounts in a throwaway database
CSRF_RE = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')
QUERIES = ["智能", "传感器", "电池", "照明", "锁", "检测", "材料", "算法"]


def emit(name, value, unit, target):
    print(json.dumps({"name": name, "value": value, "unit": unit, "target": target}, ensure_ascii=False), flush=True)


class Client:
    """One simulated user: a keep-alive connection and a cookie jar."""

    def __init__(self, port):
        self.port, self.cookies, self.conn = port, {}, None

    def request(self, method, path, form=None):
        body, headers = None, {}
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        if form is not None:
            body = urlencode(form)
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        for attempt in (1, 2):
            try:
                if self.conn is None:
                    self.conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=60)
                self.conn.request(method, path, body=body, headers=headers)
                resp = self.conn.getresponse()
                data = resp.read()
                break
            except (TimeoutError, ConnectionError, http.client.HTTPException, OSError):
                self.conn = None
                if attempt == 2 or method != "GET":
                    raise
        for value in resp.headers.get_all("Set-Cookie") or []:
            name, _, rest = value.partition("=")
            self.cookies[name] = rest.split(";", 1)[0]
        return resp.status, data.decode("utf-8", "replace")

    def csrf(self, path):
        status, body = self.request("GET", path)
        m = CSRF_RE.search(body)
        return status, (m.group(1) if m else "")

    def login(self, email):
        _, token = self.csrf("/auth/login")
        status, _ = self.request("POST", "/auth/login", {"csrf_token": token, "email": email, "password": PASSWORD})
        return status == 302


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def make_database(kind):
    """(url, drop) for a fresh database of the given kind."""
    if kind == "sqlite":
        path = Path(tempfile.mkdtemp(prefix="mm-load-")) / "load.sqlite"
        return f"sqlite:///{path}", lambda: None
    import psycopg

    base = os.environ.get("MATCHMAKER_DATABASE_URL", "postgresql://postgres@127.0.0.1:5432/test")
    name = f"mm_load_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(base, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')

    def drop():
        with psycopg.connect(base, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')

    return base.rsplit("/", 1)[0] + "/" + name, drop


def prepare(env, n_enterprise, n_brokers):
    """Schema, lists and accounts, created in-process through the app's own services."""
    os.environ.update(env)
    from matchmaker import create_app
    from matchmaker.auth.services import create_user, find_or_create_org
    from matchmaker.cli import upgrade_schema
    from matchmaker.demo.taxonomy import ensure_taxonomy
    from matchmaker.extensions import db
    from tests.factories import valid_uscc

    app = create_app()
    with app.app_context():
        upgrade_schema()
        ensure_taxonomy()
        for i in range(n_enterprise):
            org = find_or_create_org(f"负载测试企业{i}有限公司", "enterprise", valid_uscc(700000 + i))
            create_user(
                role="enterprise", email=f"ent{i}@load.cn", name=f"企业{i}", password=PASSWORD, organization=org
            )
        agency = find_or_create_org("负载测试服务中心", "agency")
        for i in range(n_brokers):
            create_user(
                role="broker", email=f"broker{i}@load.cn", name=f"经纪人{i}", password=PASSWORD, organization=agency
            )
        db.session.remove()
        db.engine.dispose()


def need_form(token, title):
    """A valid need form (published at once)."""
    return {"csrf_token": token, "title": title, "summary": "负载测试需求摘要，用于检验并发写入。",
            "problem": "在高并发访问下验证平台写入的可靠性，需要稳定的智能传感器数据采集方案。",
            "keywords": "传感器,数据采集", "industry": "智能家电", "field": "物联网", "coop_mode": "development",
            "budget": "12.50", "valid_until": (date.today() + timedelta(days=365)).isoformat(), "town": "高新区", "confidentiality": "public",
            "source": "self", "action": "publish", "confirm_duplicate": "1"}  # fmt: skip


def contract_form(token, number, amount_yuan):
    """A valid contract form with the amount in yuan."""
    return {"csrf_token": token, "contract_no": number, "type": "development", "title": f"负载测试合同{number}",
            "buyer_name": "负载测试企业0有限公司", "buyer_kind": "enterprise", "seller_name": "负载测试服务中心",
            "seller_kind": "agency", "unit": "yuan",
            "amount": str(amount_yuan), "transaction_amount": str(amount_yuan), "signed_on": "2026-01-15",
            "registration_status": "unsubmitted", "channel": "online"}  # fmt: skip


def run(kind, clients, duration, kill_worker, workers=4):
    url, drop = make_database(kind)
    inst = tempfile.mkdtemp(prefix="mm-load-inst-")
    env = {"MATCHMAKER_DATABASE_URL": url, "MATCHMAKER_INSTANCE_PATH": inst,
           "MATCHMAKER_RATELIMIT_ENABLED": "false", "MATCHMAKER_LOGIN_MAX_FAILURES": "100000"}  # fmt: skip
    n_brokers = max(1, clients // 5)
    prepare(env, clients, n_brokers)
    port = free_port()
    server = subprocess.Popen(
        [str(BIN / "gunicorn"), "-w", str(workers), "-b", f"127.0.0.1:{port}", "--timeout", "60",
         "--graceful-timeout", "5", "matchmaker:create_app()"],
        env=dict(os.environ, **env), cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    for _ in range(100):
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
            break
        except OSError:
            time.sleep(0.2)
    warm = Client(port)
    for _ in range(workers * 3):  # let every worker boot and load its matcher before timing
        warm.request("GET", "/needs/")
    lock = threading.Lock()
    latencies, statuses, acked_needs, acked_contracts, errors = [], [], [], [], [0]
    ready = threading.Barrier(clients + 1)
    stop_at, go = [0.0], threading.Event()

    def timed(c, method, path, form=None):
        t0 = time.perf_counter()
        status, body = c.request(method, path, form)
        with lock:
            latencies.append((time.perf_counter() - t0) * 1000)
            statuses.append(status)
        return status, body

    def worker(idx):
        rnd = random.Random(idx)
        is_broker = idx < n_brokers
        c = Client(port)
        try:
            logged_in = c.login(f"broker{idx}@load.cn" if is_broker else f"ent{idx}@load.cn")
        except Exception as exc:  # noqa: BLE001 -- reported, the client stops
            print(f"client {idx}: login failed: {exc!r}", file=sys.stderr)
            logged_in = False
        ready.wait()
        go.wait()
        if not logged_in:
            with lock:
                errors[0] += 1
            return
        n = 0
        while time.time() < stop_at[0]:
            n += 1
            r = rnd.random()
            try:
                if r < 0.45:
                    timed(c, "GET", f"/needs/?page={rnd.randint(1, 3)}")
                elif r < 0.75:
                    timed(c, "GET", "/needs/?" + urlencode({"q": rnd.choice(QUERIES)}))
                elif is_broker:
                    _, token = c.csrf("/contracts/new")
                    number = f"LOAD-{idx}-{n}"
                    amount = Decimal(rnd.randint(1, 10_000_000)) / 100
                    status, _ = timed(c, "POST", "/contracts/new", contract_form(token, number, amount))
                    if status == 302:
                        with lock:
                            acked_contracts.append((number, amount))
                else:
                    _, token = c.csrf("/needs/new")
                    title = f"负载测试需求{idx}号第{n}条"
                    status, _ = timed(c, "POST", "/needs/new", need_form(token, title))
                    if status == 302:
                        with lock:
                            acked_needs.append(title)
            except Exception:  # noqa: BLE001, S112 -- a dropped connection is an unacknowledged request
                with lock:
                    errors[0] += 1
                c.conn = None

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(clients)]
    for t in threads:
        t.start()
    ready.wait()  # all clients logged in: the timed run starts now
    t0 = time.time()
    stop_at[0] = t0 + duration
    go.set()
    if kill_worker:
        time.sleep(duration / 2)
        kids = subprocess.run(["pgrep", "-P", str(server.pid)], capture_output=True, text=True).stdout.split()
        if kids:
            os.kill(int(kids[0]), signal.SIGKILL)
    for t in threads:
        t.join()
    elapsed = time.time() - t0
    server.send_signal(signal.SIGTERM)
    server.wait(30)

    os.environ.update(env)
    from matchmaker import create_app
    from matchmaker.extensions import db
    from matchmaker.models import Contract, TechNeed

    app = create_app()
    with app.app_context():
        titles = db.session.scalars(db.select(TechNeed.title).where(TechNeed.title.like("负载测试需求%"))).all()
        rows = db.session.execute(
            db.select(Contract.contract_no, Contract.amount).where(Contract.contract_no.like("LOAD-%"))
        ).all()
        db.session.remove()
        db.engine.dispose()
    from collections import Counter

    need_counts, contract_counts = Counter(titles), Counter(no for no, _ in rows)
    lost_or_dup = sum(1 for t in acked_needs if need_counts[t] != 1)
    lost_or_dup += sum(1 for no, _ in acked_contracts if contract_counts[no] != 1)
    posted = sum((a for _, a in acked_contracts), Decimal(0))
    stored = sum((a for _, a in rows), Decimal(0))
    # Rows stored without acknowledgement (the killed worker's) are not losses; the totals
    # compare what was acknowledged with what is stored for those numbers.
    acked_numbers = {no for no, _ in acked_contracts}
    stored_acked = sum((a for no, a in rows if no in acked_numbers), Decimal(0))
    drop()
    latencies.sort()
    p95 = latencies[int(len(latencies) * 0.95)] if latencies else None
    suffix = "" if kind == "postgresql" else "_sqlite"
    emit(
        f"load_requests_per_s{suffix}",
        round(len(latencies) / elapsed, 1),
        "req/s",
        f"{clients} clients, {workers} workers",
    )
    emit(f"load_p95_ms{suffix}", round(p95, 1) if p95 else None, "ms", "reported")
    emit(f"load_5xx{suffix}", sum(1 for s in statuses if s >= 500), "responses", 0)
    emit(f"load_lost_or_duplicated_rows{suffix}", lost_or_dup, "rows", 0)
    emit(f"load_total_mismatch_cents{suffix}", int((posted - stored_acked) * 100), "cents", 0)
    emit(f"load_acknowledged_writes{suffix}", len(acked_needs) + len(acked_contracts), "rows", "> 0")
    emit(
        f"load_unacknowledged_requests{suffix}", errors[0], "requests", "reported (killed worker, dropped connections)"
    )
    return {
        "5xx": sum(1 for s in statuses if s >= 500), "lost": lost_or_dup, "mismatch": posted - stored_acked,
        "acked": len(acked_needs) + len(acked_contracts), "extra_unacked_amount": stored - stored_acked,
    }  # fmt: skip


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--db", choices=["postgresql", "sqlite", "both"], default="both")
    ap.add_argument("--clients", type=int, default=50)
    ap.add_argument("--sqlite-clients", type=int, default=16, help="SQLite serialises writers: fewer clients")
    ap.add_argument("--duration", type=float, default=60)
    ap.add_argument("--no-kill", action="store_true")
    ap.add_argument("--short", action="store_true", help="CI form: 20 clients, 15 s; exit 1 on failure")
    args = ap.parse_args()
    if args.short:
        args.clients, args.sqlite_clients, args.duration = 20, 8, 15
    kinds = ["postgresql", "sqlite"] if args.db == "both" else [args.db]
    ok = True
    for kind in kinds:
        n = args.clients if kind == "postgresql" else args.sqlite_clients
        res = run(kind, n, args.duration, not args.no_kill)
        ok = ok and res["5xx"] == 0 and res["lost"] == 0 and res["mismatch"] == 0 and res["acked"] > 0
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()
