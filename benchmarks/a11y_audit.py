"""Accessibility audit of the demo: axe-core (WCAG 2.0/2.1 A and AA rules, as GB/T 37668-2019)
in headless Chromium over every page each demo role reaches by links, and anonymously.

Builds the demo in a temporary instance (SQLite) and serves it with gunicorn, unless --url points
at a running demo. Prints one JSON object per figure on stdout: {"name", "value", "unit", "target"};
page-by-page counts go to stderr (or --details FILE as JSON lines).

    .venv/bin/python benchmarks/a11y_audit.py [--url http://127.0.0.1:5000] [--limit 80]
"""

from __future__ import annotations

import argparse
import json
import os
import socket
import subprocess
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.browser.a11y import crawl, element_count, staff_pages, violations  # noqa: E402

CHROMIUM = os.environ.get("MATCHMAKER_CHROMIUM", "/usr/bin/chromium")
PASSWORD = "demo12345"
ROLES = [("anonymous", None), ("enterprise", "ent1@demo.cn"), ("researcher", "res1@demo.cn"),
         ("broker", "broker1@demo.cn"), ("admin", "admin@demo.cn")]  # fmt: skip


def emit(name, value, unit, target):
    """Print one figure as a JSON line."""
    print(json.dumps({"name": name, "value": value, "unit": unit, "target": target}, ensure_ascii=False))
    sys.stdout.flush()


def serve_demo():
    """A demo database in a temporary instance served by gunicorn; returns (url, process)."""
    inst = Path(tempfile.mkdtemp(prefix="mm-a11y-"))
    env = dict(os.environ, MATCHMAKER_INSTANCE_PATH=str(inst), PYTHONPATH=str(ROOT))
    env.pop("MATCHMAKER_DATABASE_URL", None)
    bin_dir = Path(sys.executable).parent
    flask = [str(bin_dir / "flask"), "--app", "matchmaker"]
    subprocess.run([*flask, "init-db"], env=env, check=True, capture_output=True)
    subprocess.run([*flask, "demo"], env=env, check=True, capture_output=True)
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    proc = subprocess.Popen(
        [str(bin_dir / "gunicorn"), "-w", "2", "-b", f"127.0.0.1:{port}", "--timeout", "120", "matchmaker:create_app()"],
        env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, cwd=ROOT,
    )  # fmt: skip
    for _ in range(150):
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
            break
        except OSError:
            time.sleep(0.2)
    return f"http://127.0.0.1:{port}", proc


def audit_role(browser, base, role, email, limit, details):
    """Crawl as one role; returns {path: [violations]} of serious/critical impact."""
    context = browser.new_context(locale="zh-CN", viewport={"width": 1280, "height": 900})
    context.set_default_timeout(30000)
    page = context.new_page()
    start = ("/", "/auth/login", "/auth/register")
    if email:
        page.goto(base + "/auth/login")
        page.fill("#email", email)
        page.fill("#password", PASSWORD)
        page.click("main form button[type=submit]")
        page.wait_for_url("**/dashboard")
        start = ("/dashboard", "/", *staff_pages(page, base, role))
    found = {}

    def check(path, pg):
        found[path] = violations(pg)
        rules = Counter({v["id"]: len(v["nodes"]) for v in found[path]})
        line = {"role": role, "path": path, "elements": sum(rules.values()), "rules": dict(rules)}
        print(json.dumps(line, ensure_ascii=False), file=details)
        details.flush()

    crawl(page, base, start=start, limit=limit, on_page=check)
    context.close()
    return found


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--url", help="a running demo (default: build one in a temporary instance)")
    parser.add_argument("--limit", type=int, default=200, help="pages per role at most")
    parser.add_argument("--roles", default=",".join(r for r, _ in ROLES), help="comma-separated subset of roles")
    parser.add_argument("--details", help="write page-by-page counts here (JSON lines) instead of stderr")
    args = parser.parse_args()
    from playwright.sync_api import sync_playwright

    proc = None
    base = args.url
    if not base:
        base, proc = serve_demo()
    details = open(args.details, "w") if args.details else sys.stderr  # noqa: SIM115
    results = {}
    started = time.monotonic()
    try:
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox", "--disable-gpu"])
            for role, email in ROLES:
                if role not in args.roles.split(","):
                    continue
                results[role] = audit_role(browser, base.rstrip("/"), role, email, args.limit, details)
            browser.close()
    finally:
        if proc:
            proc.terminate()
            proc.wait(30)
    pages = sum(len(r) for r in results.values())
    elements = sum(element_count(v) for r in results.values() for v in r.values())
    failing = sum(1 for r in results.values() for v in r.values() if v)
    by_rule = Counter()
    for r in results.values():
        for found in r.values():
            for v in found:
                by_rule[v["id"]] += len(v["nodes"])
    emit(f"a11y pages audited ({', '.join(results)})", pages, "pages", "every page reached by links")
    emit("a11y pages with serious/critical violations", failing, "pages", 0)
    emit("a11y violating elements (serious/critical, WCAG 2.1 A/AA)", elements, "elements", 0)
    for role, r in results.items():
        emit(f"a11y violating elements as {role}", sum(element_count(v) for v in r.values()), "elements", 0)
    for rule, n in by_rule.most_common():
        emit(f"a11y violating elements, rule {rule}", n, "elements", 0)
    emit("a11y audit time", round(time.monotonic() - started, 1), "s", None)


if __name__ == "__main__":
    main()
