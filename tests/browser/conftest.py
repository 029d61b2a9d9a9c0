"""Browser journeys: a real server process (gunicorn) on 127.0.0.1 and headless Chromium
driven by Playwright (Debian's /usr/bin/chromium, no browser download).

Screenshots of each journey's last page go to a folder printed at the end of the run.
Without Chromium the journeys are skipped locally; under CI=true that is an error.
"""

import os
import re
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
import uuid
from contextlib import contextmanager
from pathlib import Path

import pytest

from ..procs import dies_with_parent, gunicorn_args, stop_later
from . import a11y, prepared
from .prepared import ADMIN  # noqa: F401  (the journeys' admin login)

# Debian's chromium-headless-shell (Chromium's old headless mode, what Playwright itself runs headless) when
# installed: about a tenth less CPU for the same pages than the full browser. Otherwise Debian's chromium.
CHROMIUM = os.environ.get("MATCHMAKER_CHROMIUM") or next(
    (exe for exe in ("/usr/bin/chromium-headless-shell", "/usr/bin/chromium") if Path(exe).exists()),
    "/usr/bin/chromium",
)
SERVERS = {"live_server": "admin", "demo_server": "demo"}  # server fixture: the prepared state it starts from
ROOT = Path(__file__).resolve().parents[2]
SHOTS = Path(os.environ["MATCHMAKER_TEST_SHOTS"])  # test-artifacts/screenshots/<time>, set by tests/conftest.py


def pytest_collection_modifyitems(config, items):
    for item in items:
        if "tests/browser/" in str(item.fspath):
            item.add_marker(pytest.mark.browser)


def pytest_collection_finish(session):
    """Start making the servers' prepared states that the selected tests need, in the background, while
    the first tests run (the first worker to get here makes them, the other waits for them when it needs them)."""
    if not Path(CHROMIUM).exists() or session.config.option.collectonly:
        return
    needed = {name for item in session.items for fixture, name in SERVERS.items() if fixture in item.fixturenames}
    if os.environ.get("MATCHMAKER_DEMO_URL"):
        needed.discard("demo")
    for name in sorted(needed):
        prepared.start(name)


def pytest_sessionfinish(session):
    prepared.finish()


def _free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextmanager
def _serve(tmp, name):
    """The app under gunicorn (2 workers, the app made once and forked into them) on a free port, on a copy of the prepared state ``name``
    (tests/browser/prepared.py: init-db and that state's flask commands, made once per run), with one
    job consumer (``flask worker``: matching after a publish, notifications), as ``make run``."""
    _need_chromium()
    url, drop, instance = prepared.copy(name, tmp)
    env = dict(os.environ, MATCHMAKER_INSTANCE_PATH=str(instance), MATCHMAKER_DATABASE_URL=url)
    env["MATCHMAKER_JOBS_QUEUE_NAME"] = f"journey-{uuid.uuid4().hex[:8]}"  # two servers never share a Redis queue
    env.pop("CI", None)
    env["MATCHMAKER_STATIC_MAX_AGE"] = "3600"
    # Signing and /contracts/verify verify genuine contracts only here (a second of CPU); SIGNING_VERIFY_TIMEOUT's
    # 8 s, which stops hostile files (tests/signing/test_hostile_pdfs.py), counts a worker's fork-server start
    # (1.1 s of CPU) and stopped them at load 14-19 (验证超时, test_journey_signing's #verdict never came).
    env["MATCHMAKER_SIGNING_VERIFY_TIMEOUT"] = "120"
    bin_dir = Path(sys.executable).parent
    flask = [str(bin_dir / "flask"), "--app", "matchmaker"]
    port = _free_port()
    log = open(tmp / "server.log", "w")  # noqa: SIM115
    proc = subprocess.Popen(
        dies_with_parent(gunicorn_args(2, port)), env=env, stdout=log, stderr=subprocess.STDOUT, cwd=ROOT
    )
    worker = subprocess.Popen(dies_with_parent([*flask, "worker", "-w", "1", "--no-periodic"]), env=env, stdout=log,
                              stderr=subprocess.STDOUT, cwd=ROOT)  # fmt: skip
    deadline = time.time() + 120  # with the app preloaded, the port opens once the master has made it
    while time.time() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
            break
        except OSError:
            time.sleep(0.2)
    else:
        proc.kill()
        worker.kill()
        pytest.fail("server did not start: " + (tmp / "server.log").read_text()[-2000:])
    for _ in range(2):  # both workers' first page (imports, first queries) before a journey's 15 s timeout
        urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=120).close()  # noqa: S310 -- local server
    yield {"url": f"http://127.0.0.1:{port}", "env": env, "flask": flask, "log": tmp / "server.log"}

    def done():
        log.close()
        if drop:
            drop()

    stop_later((proc, worker), done)  # waited for with the run's other servers (tests/procs.py)


@pytest.fixture(scope="session")
def live_server(tmp_path_factory):
    """An empty schema with one admin."""
    with _serve(tmp_path_factory.mktemp("journey"), "admin") as server:
        yield server


@pytest.fixture(scope="session")
def demo_server(tmp_path_factory):
    """The demonstration data (``flask demo``: demo logins, password demo12345), for crawls.
    MATCHMAKER_DEMO_URL points the tests at a demo already running (while working on them)."""
    if os.environ.get("MATCHMAKER_DEMO_URL"):
        _need_chromium()
        yield {"url": os.environ["MATCHMAKER_DEMO_URL"].rstrip("/")}
        return
    with _serve(tmp_path_factory.mktemp("demo"), "demo") as server:
        yield server


def _need_chromium():
    if not Path(CHROMIUM).exists():
        if os.environ.get("CI") == "true":
            pytest.fail(f"Chromium not found at {CHROMIUM} (CI must install Debian's chromium)")
        pytest.skip("Chromium not installed: apt-get install chromium")


@pytest.fixture(scope="session")
def browser():
    _need_chromium()
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(
            executable_path=CHROMIUM,
            args=["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                  "--disable-background-networking", "--disable-component-update", "--disable-sync"],
        )  # fmt: skip
        yield b
        b.close()


class Journey:
    """A browser context for one person, collecting CSP violations and console errors, and
    running axe-core (tests/browser/a11y.py) once on every page it loads: when the journey
    next acts on the page (go, click, wait_for_*, shot) or closes. A serious or critical
    WCAG 2 A/AA violation fails the journey."""

    def __init__(self, browser, base, name):
        # Reduced motion, as a user may ask: Bootstrap's fades and slides are off, so no click waits for one to settle.
        self.context = a11y.with_axe(
            browser.new_context(locale="zh-CN", viewport={"width": 1280, "height": 900}, reduced_motion="reduce")
        )
        self.context.set_default_timeout(30000)  # a loaded 2-core machine (whole suite beside other work) took >15 s
        self.page = self.context.new_page()
        self.base, self.name, self.problems = base, name, []
        self.loads = self.audited_load = 0
        self.audited, self.a11y_problems = [], []
        self.page.on("console", self._console)
        self.page.on("pageerror", lambda exc: self.problems.append(f"page error: {exc}"))
        self.page.on("response", self._response)
        self.page.on("load", self._loaded)
        self._settle = self.page.wait_for_load_state  # the unwrapped one
        for name in ("click", "wait_for_url", "wait_for_selector", "wait_for_load_state"):
            setattr(self.page, name, self._audit_around(getattr(self.page, name)))

    def _loaded(self, _page):
        self.loads += 1  # only count here: the sync API must not be called from an event handler

    def _audit_around(self, method):
        """Audit the page before acting on it, and after waiting for a new one."""

        def wrapped(*args, **kwargs):
            if method.__name__ == "click":
                self.audit()
            result = method(*args, **kwargs)
            if method.__name__ == "click":
                # A click that navigates returns once the new page starts loading, when its body may still be
                # empty (CI read '' from a form's 303 target): wait for the document to be parsed.
                self._settle("domcontentloaded")
            if method.__name__.startswith("wait_for"):
                self.audit()
            return result

        return wrapped

    def audit(self):
        """Run axe on the page as loaded now, unless this load was already audited."""
        if self.loads == self.audited_load or self.page.is_closed() or self.page.url.startswith("about:"):
            return
        self.audited_load = self.loads
        try:
            if self.page.evaluate("() => document.contentType") != "text/html":
                return
            found = a11y.violations(self.page)
        except Exception:  # noqa: BLE001 — navigated away while auditing: the next page is audited later
            self.audited_load = 0
            return
        self.audited.append(self.page.url)
        if found:
            self.a11y_problems.append(f"{self.page.url}\n{a11y.describe(found)}")

    def _response(self, resp):
        if resp.status >= 400 and resp.request.resource_type != "document":
            self.problems.append(f"{resp.status} {resp.url}")

    def _console(self, msg):
        if msg.type == "error" and "Failed to load resource" not in msg.text:
            self.problems.append(msg.text)

    def go(self, path):
        self.audit()
        resp = self.page.goto(self.base + path)
        assert resp.status < 400, f"{path}: {resp.status}"
        self.audit()
        return resp

    def login(self, email, password):
        self.go("/auth/login")
        self.page.fill("#email", email)
        self.page.fill("#password", password)
        self.page.click("main form button[type=submit]")
        self.page.wait_for_url("**/dashboard")

    def confirm_registration(self, email, seconds=20):
        """Open the confirmation link mailed to `email` (written to the server's log) and confirm."""
        pattern = re.compile(
            rf"收件人 {re.escape(email)} 主题 请确认注册平台账号\n.*?(http://\S+/auth/register/confirm\?token=\S+)",
            re.S,
        )
        deadline = time.monotonic() + seconds
        while not (found := pattern.findall(self.server_log.read_text())) and time.monotonic() < deadline:
            time.sleep(0.3)
        assert found, f"no confirmation mail for {email} in the server log"
        self.page.goto(found[-1])
        self.page.click("main form button[type=submit]")
        self.page.wait_for_url("**/dashboard")

    def shot(self, label="last", full_page=True):
        self.audit()
        SHOTS.mkdir(parents=True, exist_ok=True)
        path = SHOTS / f"{self.name}-{label}.png"
        self.page.screenshot(path=str(path), full_page=full_page)
        return path

    def close(self):
        # The last page's first screen (the window as the journey left it), as a person opening it sees it: a whole-page
        # PNG cost ~0.9 s of Chromium's CPU (laid out again at its full height, rastered, encoded), the first
        # screen ~0.1 s, and every journey takes one. The shots a journey asks for by name stay whole pages.
        self.shot(full_page=os.environ.get("MATCHMAKER_TEST_FULL_SHOTS") == "1")
        self.context.close()
        assert not self.problems, f"{self.name}: browser errors (CSP or script): {self.problems}"
        assert not self.a11y_problems, f"{self.name}: accessibility violations (axe-core):\n" + "\n".join(
            self.a11y_problems
        )


@pytest.fixture
def journey(browser, live_server, request):
    made = []

    def start(name):
        made.append(Journey(browser, live_server["url"], f"{request.node.name}-{name}"))
        made[-1].server_log = live_server["log"]
        return made[-1]

    yield start
    for j in made:
        j.close()


def chromium_available():
    return shutil.which(CHROMIUM) is not None
