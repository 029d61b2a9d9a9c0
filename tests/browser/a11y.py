"""Accessibility checks in the browser: axe-core (vendored from npm in static/vendor/axe-core/,
never a CDN) run on a Playwright page under the WCAG 2.0/2.1 A and AA rules, which GB/T 37668-2019
follows; and a crawler that visits every page a person can reach by links.

The journeys call ``assert_accessible(page)``: a violation of impact "serious" or "critical"
fails the test. ``benchmarks/a11y_audit.py`` and ``test_a11y_crawl.py`` use ``crawl``.
"""

from __future__ import annotations

import re
from collections import Counter
from functools import cache
from pathlib import Path
from urllib.parse import urldefrag, urlencode, urljoin, urlsplit

ROOT = Path(__file__).resolve().parents[2]
AXE_JS = ROOT / "static" / "vendor" / "axe-core" / "axe.min.js"
TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]
BLOCKING = ("serious", "critical")

# Links a crawler must not follow: files rather than pages, and JSON endpoints.
SKIP = re.compile(r"/export|/pdf$|\.pem$|\.json$|/template$|/status$|^/static/|/logout")

_RUN = """async (tags) => {
  const r = await axe.run(document, {runOnly: {type: 'tag', values: tags}, resultTypes: ['violations']});
  return r.violations.map(v => ({id: v.id, impact: v.impact, help: v.help,
    nodes: v.nodes.map(n => ({target: n.target.join(' '), html: n.html.slice(0, 160),
                              summary: (n.failureSummary || '').slice(0, 300)}))}));
}"""


@cache
def _axe_source():
    return AXE_JS.read_text(encoding="utf-8")


def with_axe(context):
    """Load axe-core into every page of a browser context as it opens (an init script, through the DevTools
    protocol, so the page's CSP allows it): Chromium compiles it once for the context instead of each
    audited page receiving and compiling 650 kB again (the crawls took a third longer that way)."""
    context.add_init_script(script=_axe_source())
    return context


def violations(page, impacts=BLOCKING):
    """axe-core's WCAG 2.x A/AA violations on the page as it is now, of the given impacts."""
    # Evaluated through the DevTools protocol, so the page's CSP (script-src 'self') allows it.
    if not page.evaluate("() => typeof window.axe !== 'undefined'"):  # a context without ``with_axe``
        page.evaluate(_axe_source())
    found = page.evaluate(_RUN, TAGS)
    return [v for v in found if impacts is None or v["impact"] in impacts]


def describe(found):
    """Violations as readable lines: rule, impact, help, then the first few elements."""
    lines = []
    for v in found:
        lines.append(f"{v['id']} ({v['impact']}, {len(v['nodes'])} elements): {v['help']}")
        lines += [f"    {n['target']}  {n['html']}" for n in v["nodes"][:5]]
    return "\n".join(lines)


def assert_accessible(page, where=""):
    """Fail when axe finds a serious or critical WCAG 2 A/AA violation on the page."""
    found = violations(page)
    assert not found, f"accessibility violations on {where or page.url}:\n{describe(found)}"


def element_count(found):
    """How many elements the violations point at (an element counted once per rule)."""
    return sum(len(v["nodes"]) for v in found)


# Pages of the demo that no link from the crawls' start pages reaches within their limits, and whom they are for:
# the attendance page of the class whose viewers were imported (the latest upload's outcome, the earlier ones in
# a table) and the list of all its imports, for the class's creator (broker1) and admins.
STAFF_PAGES = ("broker", "admin")


def staff_pages(page, base, role):
    """The paths of those pages for ``role`` (none for the other roles), found through the classes' list."""
    if role not in STAFF_PAGES:
        return []
    from matchmaker.demo.classes import IMPORTED

    page.goto(base + "/classes/?" + urlencode({"when": "past", "q": IMPORTED}))
    found = [h for h in page.eval_on_selector_all("main a[href]", "els => els.map(e => e.getAttribute('href'))")
             if re.fullmatch(r"/classes/\d+", h)]  # fmt: skip
    assert found, f"the demo's class {IMPORTED} is not listed"
    return [f"{found[0]}/attendance", f"{found[0]}/attendance/imports"]


def _pattern(path, query):
    """A path with its ids replaced, plus whether it has a query: pages of one shape."""
    return re.sub(r"/\d+", "/<id>", path) + ("?" if query else "")


def crawl(page, base, start=("/", "/dashboard"), per_pattern=2, limit=80, on_page=None):
    """Visit pages reachable by same-site links from `start` (GET only, files skipped).

    Keeps at most `per_pattern` pages of one shape (``/needs/<id>``) and `limit` pages in all;
    calls ``on_page(path, page)`` on each page that answered below 400. Returns the visited paths.
    """
    host = urlsplit(base).netloc
    queue, seen, shapes, visited = list(start), set(), Counter(), []
    while queue and len(visited) < limit:
        path = queue.pop(0)
        if path in seen:
            continue
        seen.add(path)
        parts = urlsplit(path)
        shape = _pattern(parts.path, parts.query)
        if SKIP.search(parts.path) or shapes[shape] >= per_pattern:
            continue
        shapes[shape] += 1
        try:
            resp = page.goto(base + path)
        except Exception:  # noqa: BLE001 — a download or an aborted navigation: not a page
            continue
        if resp is None or resp.status >= 400 or "text/html" not in resp.headers.get("content-type", ""):
            continue
        here = urlsplit(page.url)
        if here.netloc != host:
            continue
        landed = here.path + (f"?{here.query}" if here.query else "")
        if landed != path and landed in seen:  # redirected to a page already audited
            continue
        seen.add(landed)
        visited.append(landed)
        if on_page:
            on_page(landed, page)
        hrefs = page.eval_on_selector_all("a[href]", "els => els.map(e => e.getAttribute('href'))")
        for href in hrefs:
            url = urlsplit(urldefrag(urljoin(page.url, href))[0])
            if url.netloc == host and url.scheme in ("http", "https"):
                query = "" if url.query == "page=1" else url.query  # a list's first page is the list itself
                queue.append(url.path + (f"?{query}" if query else ""))
    return visited
