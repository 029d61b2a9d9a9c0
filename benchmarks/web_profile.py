"""Where a page's time goes: SQL statements per request, and a profile over many requests in one process.

Runs the pages ``web_speed.py`` loads (list, search, detail, the broker queue) through Flask's test
client against a filled database (as ``web_speed.py`` keeps it) and prints, per page, the mean time per
request, the SQL statements per request and the functions that take most of the time (cumulative).

    .venv/bin/python benchmarks/web_profile.py --db sqlite:////tmp/mm-web-speed-100000.sqlite [--n 200]
"""

import argparse
import cProfile
import io
import pstats
import re
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import quote

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from web_speed import BROKER, PASSWORD, SEARCHES, sample_paths  # noqa: E402


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--db", required=True, help="database URL (a filled web_speed database)")
    ap.add_argument("--n", type=int, default=200, help="requests per page")
    ap.add_argument("--top", type=int, default=25)
    ap.add_argument("--pages", default="list,search,detail,broker_queue")
    ap.add_argument("--sort", default="cumulative")
    ap.add_argument("--no-page-cache", action="store_true", help="profile the views, not the kept pages")
    args = ap.parse_args()
    if args.no_page_cache:
        from matchmaker import pagecache

        pagecache.SHARED.clear()
        pagecache.PERSONAL.clear()

    from sqlalchemy import event

    from matchmaker import create_app
    from matchmaker.extensions import db

    instance = tempfile.mkdtemp(prefix="mm-web-profile-")
    app = create_app({"DATABASE_URL": args.db, "SECRET_KEY": "x" * 40, "RATELIMIT_ENABLED": False,
                      "WTF_CSRF_ENABLED": True})  # fmt: skip
    app.instance_path = instance
    pages = {
        "list": ["/needs/", "/results/", "/needs/?page=2", "/results/?page=2"],
        "search": [f"/{side}/?q={quote(q)}" for q in SEARCHES for side in ("needs", "results")],
        "detail": sample_paths(args.db, instance),
        "broker_queue": ["/broker/", "/broker/?page=2"],
    }
    statements = []
    with app.app_context():
        event.listen(db.engine, "before_cursor_execute", lambda *a: statements.append(a[2]))

    anon = app.test_client()
    broker = app.test_client()
    body = broker.get("/auth/login").get_data(as_text=True)
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', body).group(1)
    resp = broker.post("/auth/login", data={"csrf_token": token, "email": BROKER, "password": PASSWORD})
    assert resp.status_code == 302, resp.status_code

    for name in args.pages.split(","):
        paths = pages[name]
        client = broker if name == "broker_queue" else anon
        for p in paths:  # warm: caches, templates, connections
            assert client.get(p).status_code == 200, p
        statements.clear()
        prof = cProfile.Profile()
        t0 = time.perf_counter()
        prof.enable()
        for i in range(args.n):
            client.get(paths[i % len(paths)])
        prof.disable()
        ms = (time.perf_counter() - t0) * 1000 / args.n
        per = len(statements) / args.n
        print(f"\n=== {name}: {ms:.1f} ms/request (profiled), {per:.1f} SQL statements/request")
        seen = {}
        for s in statements:
            key = re.sub(r"\s+", " ", s)[:160]
            seen[key] = seen.get(key, 0) + 1
        for s, c in sorted(seen.items(), key=lambda kv: -kv[1])[:12]:
            print(f"  {c / args.n:5.2f}x  {s}")
        out = io.StringIO()
        pstats.Stats(prof, stream=out).sort_stats(args.sort).print_stats(args.top)
        print(out.getvalue())


if __name__ == "__main__":
    main()
