"""Pages under load beside the bare-Flask floor, in one run, on 100,000 needs and 100,000 results.

The floor is a minimal Flask + Jinja page of 20 items, as many bytes as the real list page. Both run
under gunicorn with 2 workers; wrk (``apt-get install wrk``; else a Python client) loads each page for
``--duration`` seconds with 16 connections on 127.0.0.1, the floor right before each real page so both
see the same machine load. Prints one JSON line per figure ({"name", "value", "unit", "target"}):
list/search/detail/broker_queue ``_ratio_to_floor`` (requests/s over the floor's) and ``_p99_ms``,
``cold_list_page_kb`` (a first visit: page and every asset, brotli where offered); with a suffix
``_postgresql`` for PostgreSQL (run when reachable).

The filled databases are kept (SQLite under /tmp, PostgreSQL database ``mm_speed``) and reused while
the models' tables and columns are unchanged (WEB_SPEED_KEEP_DB=1 reuses them anyway, e.g. to measure
an older commit), so reruns start in seconds; indexes added since are created on reuse.

    .venv/bin/python benchmarks/web_speed.py [--db sqlite|postgresql|both] [--duration 10] [--n 100000]
"""

import argparse
import hashlib
import http.client
import json
import os
import random
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from urllib.parse import quote

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))
BIN = Path(sys.executable).parent
WRK = shutil.which("wrk")
PASSWORD = "speed-pass-123"  # noqa: S105 -- a throwaway account in a throwaway database
BROKER = "broker@speed.cn"
TARGETS = {"list": 0.4, "search": 0.4, "detail": 0.5, "broker_queue": 0.3}
P99_TARGET_MS = 100
COLD_KB_TARGET = 150
SEARCHES = ["机器视觉", "锂电池热管理", "石墨烯", "传感器", "指纹识别", "注塑", "散热", "谐波减速器"]


def emit(name, value, unit, target, **extra):
    row = {"name": name, "value": value, "unit": unit, "target": target} | extra
    print(json.dumps(row, ensure_ascii=False), flush=True)


# --- databases ------------------------------------------------------------------------------


FILLED = ("tech_need", "result", "match_suggestion", "organization", "user", "taxonomy", "zone")


def schema_fingerprint():
    """Columns of the filled tables: a cached database is reused only while they match (tables added
    since are created empty)."""
    from matchmaker.extensions import db

    shape = [(t.name, sorted(c.name for c in t.columns)) for t in db.metadata.sorted_tables if t.name in FILLED]
    return hashlib.md5(json.dumps(shape).encode()).hexdigest()  # noqa: S324 -- a cache key


def database_url(kind, n):
    if kind == "sqlite":
        return f"sqlite:///{tempfile.gettempdir()}/mm-web-speed-{n}.sqlite"
    base = os.environ.get("MATCHMAKER_BENCH_PG", "postgresql://postgres@127.0.0.1:5432/mm_speed")
    return base


def pg_reachable(url):
    try:
        import psycopg

        name = url.rsplit("/", 1)[1]
        with psycopg.connect(url.rsplit("/", 1)[0] + "/postgres", autocommit=True, connect_timeout=3) as conn:
            if not conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", (name,)).fetchone():
                conn.execute(f'CREATE DATABASE "{name}"')
        return True
    except Exception as exc:  # noqa: BLE001 -- any failure means "not reachable": skip PostgreSQL
        print(f"# PostgreSQL not reachable ({exc.__class__.__name__}): skipped", file=sys.stderr)
        return False


def prepare(kind, n, instance):
    """Fill (or reuse) the database: n needs, n results, n suggestions, one broker. Returns its URL."""
    from listing_speed import fill

    from matchmaker import create_app
    from matchmaker.config import database_uri
    from matchmaker.extensions import db
    from matchmaker.listings.search import ensure_search_schema
    from matchmaker.models import TechNeed

    url = database_url(kind, n)
    app = create_app({"SQLALCHEMY_DATABASE_URI": database_uri(url, instance), "SECRET_KEY": "x" * 40})
    stamp = Path(tempfile.gettempdir()) / f"mm-web-speed-{kind}-{n}.schema"
    with app.app_context():
        fingerprint = schema_fingerprint()
        have = None
        if stamp.exists() and (stamp.read_text() == fingerprint or os.environ.get("WEB_SPEED_KEEP_DB")):
            try:
                have = db.session.scalar(db.select(db.func.count(TechNeed.id)))
            except Exception:  # noqa: BLE001 -- a missing or broken file is rebuilt
                db.session.rollback()
        db.session.remove()
        if have != n:
            t0 = time.perf_counter()
            db.drop_all()
            if kind == "sqlite":
                db.engine.dispose()
                Path(url.removeprefix("sqlite:///")).unlink(missing_ok=True)
            db.create_all()
            fill(n)
            add_suggestions_and_broker(n)
            stamp.write_text(fingerprint)
            print(
                f"# {kind}: filled {n} needs, results, suggestions in {time.perf_counter() - t0:.0f} s", file=sys.stderr
            )
        db.create_all()  # tables added since the data was filled
        for table in db.metadata.sorted_tables:  # and indexes
            for index in table.indexes:
                index.create(bind=db.engine, checkfirst=True)
        ensure_search_schema()
        db.session.remove()
        if kind == "postgresql":  # as autovacuum would: statistics and the visibility map (index-only scans)
            with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
                conn.exec_driver_sql("VACUUM ANALYZE")
        db.engine.dispose()
    return url


def add_suggestions_and_broker(n, seed=11):
    """A broker covering every industry and n suggestions between live listings, half assigned to them."""
    from matchmaker.auth.services import create_user, find_or_create_org
    from matchmaker.extensions import db
    from matchmaker.models import MatchSuggestion, Result, TechNeed

    agency = find_or_create_org("基准测试服务中心", "agency")
    broker = create_user(role="broker", email=BROKER, name="基准经纪人", password=PASSWORD, organization=agency)
    rnd = random.Random(seed)
    needs = db.session.scalars(db.select(TechNeed.id).where(TechNeed.status == "published")).all()
    results = db.session.scalars(db.select(Result.id).where(Result.status == "published")).all()
    statuses = ["suggested"] * 8 + ["accepted", "rejected"]
    pairs = set()
    while len(pairs) < n:
        pairs.add((rnd.choice(needs), rnd.choice(results)))
    rows = [{"need_id": a, "result_id": b, "score": rnd.random(), "reasons": [["传感器", 0.2], ["检测", 0.1]],
             "manual": False, "status": rnd.choice(statuses),
             "assigned_broker_id": broker.id if rnd.random() < 0.5 else None} for a, b in pairs]  # fmt: skip
    for i in range(0, len(rows), 10_000):
        db.session.execute(MatchSuggestion.__table__.insert(), rows[i : i + 10_000])
    db.session.commit()
    db.session.execute(db.text("ANALYZE"))
    db.session.commit()


def sample_paths(url, instance, k=40):
    """Detail pages of live listings (a fixed sample), live by the app's own clock (the platform's time zone: near
    midnight UTC a listing ending today in UTC has ended in Beijing and answers 410)."""
    from matchmaker import create_app
    from matchmaker.config import database_uri
    from matchmaker.extensions import db
    from matchmaker.listings.lifecycle import live_clause
    from matchmaker.models import Result, TechNeed

    app = create_app({"SQLALCHEMY_DATABASE_URI": database_uri(url, instance), "SECRET_KEY": "x" * 40})
    with app.app_context():
        paths = []
        for model, prefix in ((TechNeed, "/needs/"), (Result, "/results/")):
            stmt = db.select(model.id).where(live_clause(model)).order_by(model.id).limit(k * 50)
            ids = db.session.scalars(stmt.where(model.confidentiality == "public") if model is TechNeed else stmt).all()
            paths += [f"{prefix}{i}" for i in random.Random(3).sample(ids, k)]
        db.session.remove()
        db.engine.dispose()
    return paths


# --- servers and load -----------------------------------------------------------------------

FLOOR_APP = """
import os
from flask import Flask, render_template
app = Flask(__name__)
TARGET = int(os.environ["FLOOR_BYTES"])
with app.app_context(), app.test_request_context():
    blank = [{"id": i, "title": f"技术需求条目（{i}）", "text": ""} for i in range(20)]
    size = len(render_template("floor.html", items=blank).encode())
FILL = "平台检索到的技术需求摘要文字" * 400
per = max(0, (TARGET - size) // 20 // 3)
ITEMS = [dict(it, text=FILL[:per]) for it in blank]

@app.route("/")
def index():
    return render_template("floor.html", items=ITEMS)
"""
FLOOR_TEMPLATE = """<!doctype html><html lang="zh-CN"><head><meta charset="utf-8"><title>列表</title>
<link rel="stylesheet" href="/static/app.css"></head><body><main class="container">
<h1>技术需求</h1><div class="list-group">{% for it in items %}
<div class="list-group-item"><h2><a href="/items/{{ it.id }}">{{ it.title }}</a></h2><p>{{ it.text }}</p></div>
{% endfor %}</div></main></body></html>"""


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start(app_spec, env, cwd):
    """gunicorn with 2 sync workers; returns (process, port) once it answers."""
    port = free_port()
    proc = subprocess.Popen(
        [str(BIN / "gunicorn"), "-w", "2", "-b", f"127.0.0.1:{port}", "--timeout", "120", app_spec],
        env=env, cwd=cwd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    for _ in range(300):
        try:
            get(port, "/")
            return proc, port
        except OSError:
            time.sleep(0.2)
    proc.kill()
    raise RuntimeError(f"{app_spec} did not start")


def stop(proc):
    proc.send_signal(signal.SIGTERM)
    try:
        proc.wait(30)
    except subprocess.TimeoutExpired:
        proc.kill()


def get(port, path, headers=None):
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    conn.request("GET", path, headers=headers or {})
    resp = conn.getresponse()
    body = resp.read()
    conn.close()
    return resp.status, resp.headers, body


def load(port, paths, seconds, connections=16, cookie=None):
    """(requests per second, p99 ms, failed) over paths in turn."""
    if WRK:
        return load_wrk(port, paths, seconds, connections, cookie)
    return load_python(port, paths, seconds, connections, cookie)


def load_wrk(port, paths, seconds, connections, cookie):
    script = Path(tempfile.mkdtemp(prefix="mm-wrk-")) / "paths.lua"
    lua_paths = ", ".join(json.dumps(p) for p in paths)
    header = f'wrk.headers["Cookie"] = {json.dumps(cookie)}\n' if cookie else ""
    script.write_text(header + f"local paths = {{{lua_paths}}}\nlocal i = 0\n"
                      "request = function()\n  i = i % #paths + 1\n  return wrk.format(nil, paths[i])\nend\n")  # fmt: skip
    out = subprocess.run(
        [WRK, "-t2", f"-c{connections}", f"-d{seconds}s", "--latency", "-s", str(script), f"http://127.0.0.1:{port}"],
        capture_output=True, text=True, check=True,
    ).stdout  # fmt: skip
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))
    p99 = re.search(r"99%\s+([\d.]+)(us|ms|s)\b", out)
    p99_ms = float(p99.group(1)) * {"us": 0.001, "ms": 1, "s": 1000}[p99.group(2)]
    bad = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    errors = re.search(r"Socket errors: .*timeout (\d+)", out)
    return rps, p99_ms, (int(bad.group(1)) if bad else 0) + (int(errors.group(1)) if errors else 0)


def load_python(port, paths, seconds, connections, cookie):
    """Fallback without wrk: keep-alive clients in threads (less load than wrk can make)."""
    lat, bad, stop_at = [], [0], time.time() + seconds
    lock = threading.Lock()

    def client(k):
        conn, i = http.client.HTTPConnection("127.0.0.1", port, timeout=60), k
        while time.time() < stop_at:
            i += 1
            t0 = time.perf_counter()
            conn.request("GET", paths[i % len(paths)], headers={"Cookie": cookie} if cookie else {})
            resp = conn.getresponse()
            resp.read()
            with lock:
                lat.append((time.perf_counter() - t0) * 1000)
                bad[0] += resp.status != 200

    threads = [threading.Thread(target=client, args=(k,)) for k in range(connections)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    lat.sort()
    return len(lat) / seconds, lat[int(len(lat) * 0.99)], bad[0]


def login(port):
    """A broker's session cookie, through the login form."""
    status, headers, body = get(port, "/auth/login")
    jar = dict(c.split(";", 1)[0].split("=", 1) for c in headers.get_all("Set-Cookie") or [])
    token = re.search(rb'name="csrf_token"[^>]*value="([^"]+)"', body).group(1).decode()
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    form = f"csrf_token={quote(token)}&email={quote(BROKER)}&password={quote(PASSWORD)}"
    conn.request("POST", "/auth/login", body=form, headers={
        "Content-Type": "application/x-www-form-urlencoded", "Cookie": "; ".join(f"{k}={v}" for k, v in jar.items())})  # fmt: skip
    resp = conn.getresponse()
    resp.read()
    assert resp.status == 302, f"broker login failed: {resp.status}"
    jar.update(c.split(";", 1)[0].split("=", 1) for c in resp.headers.get_all("Set-Cookie") or [])
    # Follow the redirect as a browser does: the page shows the welcome message and the cookie it sends
    # back no longer carries it (a cookie still holding it would be a new visitor with a message waiting).
    cookie = "; ".join(f"{k}={v}" for k, v in jar.items())
    _, headers, _ = get(port, resp.headers["Location"], {"Cookie": cookie})
    jar.update(c.split(";", 1)[0].split("=", 1) for c in headers.get_all("Set-Cookie") or [])
    return "; ".join(f"{k}={v}" for k, v in jar.items())


def cold_page_bytes(port, path):
    """Bytes a first visit moves: the page, its stylesheets, scripts and icons, and fonts the CSS names."""
    accept = {"Accept-Encoding": "br, gzip"}
    _, _, body = get(port, path, accept)
    total, seen = len(body), set()
    queue = re.findall(r'(?:href|src)="(/static/[^"]+)"', body.decode())
    while queue:
        url = queue.pop()
        if url in seen:
            continue
        seen.add(url)
        status, headers, data = get(port, url, accept)
        assert status == 200, (url, status)
        total += len(data)
        if url.split("?")[0].endswith(".css"):
            css = get(port, url)[2].decode("utf-8", "replace")
            base = url.rsplit("/", 1)[0]
            refs = [r for r in re.findall(r'url\("?([^")]+)"?\)', css) if not r.startswith("data:")]
            if any(".woff2" in r for r in refs):  # a browser fetches the first format it supports
                refs = [r for r in refs if not re.search(r"\.(woff|ttf|eot)\b", r)]
            queue += [f"{base}/{r}" if not r.startswith("/") else r for r in refs]
    return total


# --- the run --------------------------------------------------------------------------------


def compile_assets(env):
    """flask digest compile, unless the manifest is newer than every static file."""
    static = ROOT / "static"
    manifest = static / "cache_manifest.json"
    newest = max(p.stat().st_mtime for p in static.rglob("*") if p.is_file() and p != manifest)
    if not manifest.exists() or manifest.stat().st_mtime < newest:
        subprocess.run([str(BIN / "flask"), "--app", "matchmaker", "digest", "compile"], env=env, cwd=ROOT,
                       check=False, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)  # fmt: skip


def run(kind, n, seconds, floor_dir, names=tuple(TARGETS)):
    instance = tempfile.mkdtemp(prefix="mm-web-speed-")
    url = prepare(kind, n, instance)
    suffix = "" if kind == "sqlite" else "_postgresql"
    env = dict(os.environ, PYTHONPATH=str(ROOT), MATCHMAKER_DATABASE_URL=url, MATCHMAKER_INSTANCE_PATH=instance,
               MATCHMAKER_SECRET_KEY="web-speed-secret-" + "x" * 32, MATCHMAKER_RATELIMIT_ENABLED="false")  # fmt: skip
    compile_assets(env)
    pages = {
        "list": ["/needs/", "/results/", "/needs/?page=2", "/results/?page=2"],
        "search": [f"/{side}/?q={quote(q)}" for q in SEARCHES for side in ("needs", "results")],
        "detail": sample_paths(url, instance),
        "broker_queue": ["/broker/", "/broker/?page=2"],
    }
    app, port = start("matchmaker:create_app()", env, ROOT)
    try:
        size = len(get(port, "/needs/")[2])
        cookie = login(port)
        floor_env = dict(os.environ, FLOOR_BYTES=str(size), PYTHONPATH=str(floor_dir))
        floor, floor_port = start("floor_app:app", floor_env, floor_dir)
        try:
            floor_size = len(get(floor_port, "/")[2])
            print(f"# {kind}: list page {size} B, floor page {floor_size} B; load {os.getloadavg()}", file=sys.stderr)
            for name, paths in ((k, v) for k, v in pages.items() if k in names):
                for p in paths:  # every page answers 200 before it is timed
                    status = get(port, p, {"Cookie": cookie} if name == "broker_queue" else None)[0]
                    assert status == 200, (p, status)
                ck = cookie if name == "broker_queue" else None
                load(floor_port, ["/"], 2)
                load(port, paths, 2, cookie=ck)  # warm both
                f_rps, f_p99, _ = load(floor_port, ["/"], seconds)
                a_rps, a_p99, bad = load(port, paths, seconds, cookie=ck)
                la = round(os.getloadavg()[0], 1)
                emit(f"{name}_page_ratio_to_floor{suffix}" if name != "broker_queue" else f"broker_queue_ratio_to_floor{suffix}",
                     round(a_rps / f_rps, 3), "x floor req/s", f">= {TARGETS[name]}", app_rps=round(a_rps),
                     floor_rps=round(f_rps), floor_p99_ms=round(f_p99, 1), failed=bad, load1=la)  # fmt: skip
                p99_name = f"{name}_page_p99_ms{suffix}" if name != "broker_queue" else f"broker_queue_p99_ms{suffix}"
                emit(p99_name, round(a_p99, 1), "ms", f"<= {P99_TARGET_MS}", load1=la)
            emit(f"cold_list_page_kb{suffix}", round(cold_page_bytes(port, "/needs/") / 1024, 1), "KiB",
                 f"<= {COLD_KB_TARGET}")  # fmt: skip
        finally:
            stop(floor)
    finally:
        stop(app)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--db", choices=["sqlite", "postgresql", "both"], default="both")
    ap.add_argument("--n", type=int, default=100_000)
    ap.add_argument("--duration", type=int, default=10, help="seconds of load per page (and per floor run)")
    ap.add_argument("--pages", default="list,search,detail,broker_queue", help="pages to load (comma-separated)")
    args = ap.parse_args()
    floor_dir = Path(tempfile.mkdtemp(prefix="mm-floor-"))
    (floor_dir / "floor_app.py").write_text(FLOOR_APP)
    (floor_dir / "templates").mkdir()
    (floor_dir / "templates" / "floor.html").write_text(FLOOR_TEMPLATE)
    if not WRK:
        print("# wrk not installed: using the Python client (apt-get install wrk)", file=sys.stderr)
    kinds = ["sqlite", "postgresql"] if args.db == "both" else [args.db]
    for kind in kinds:
        if kind == "postgresql" and not pg_reachable(database_url(kind, args.n)):
            continue
        run(kind, args.n, args.duration, floor_dir, args.pages.split(","))


if __name__ == "__main__":
    main()
