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
import uuid
from datetime import datetime
from pathlib import Path

import pytest

CHROMIUM = os.environ.get("MATCHMAKER_CHROMIUM", "/usr/bin/chromium")
ROOT = Path(__file__).resolve().parents[2]
SHOTS = ROOT / "test-artifacts" / "screenshots" / datetime.now().strftime("%Y%m%d-%H%M%S")
ADMIN = ("admin@journey.cn", "admin-pass-123")


def pytest_collection_modifyitems(config, items):
    for item in items:
        if "tests/browser/" in str(item.fspath):
            item.add_marker(pytest.mark.browser)


def _free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _database(tmp):
    """A fresh database for the server: SQLite file, or a new PostgreSQL database."""
    base = os.environ.get("MATCHMAKER_DATABASE_URL")
    if not base:
        return f"sqlite:///{tmp / 'journey.sqlite'}", None
    import psycopg
    from sqlalchemy.engine import make_url

    url = make_url(base.replace("postgresql://", "postgresql+psycopg://", 1))
    name = f"mm_journey_{uuid.uuid4().hex[:8]}"
    dsn = url.set(drivername="postgresql").render_as_string(hide_password=False)
    with psycopg.connect(dsn, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')

    def drop():
        with psycopg.connect(dsn, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')

    return url.set(database=name).render_as_string(hide_password=False), drop


@pytest.fixture(scope="session")
def live_server(tmp_path_factory):
    """The app under gunicorn (2 workers) on a free port, with an empty schema and one admin."""
    if not Path(CHROMIUM).exists():
        if os.environ.get("CI") == "true":
            pytest.fail(f"Chromium not found at {CHROMIUM} (CI must install Debian's chromium)")
        pytest.skip("Chromium not installed: apt-get install chromium")
    tmp = tmp_path_factory.mktemp("journey")
    url, drop = _database(tmp)
    env = dict(os.environ, MATCHMAKER_INSTANCE_PATH=str(tmp / "instance"), MATCHMAKER_DATABASE_URL=url)
    env.pop("CI", None)
    bin_dir = Path(sys.executable).parent
    flask = [str(bin_dir / "flask"), "--app", "matchmaker"]
    subprocess.run([*flask, "init-db"], env=env, check=True, capture_output=True)
    subprocess.run(
        [*flask, "create-admin", "--email", ADMIN[0], "--name", "旅程管理员", "--password", ADMIN[1]],
        env=env, check=True, capture_output=True,
    )  # fmt: skip
    port = _free_port()
    log = open(tmp / "server.log", "w")  # noqa: SIM115
    proc = subprocess.Popen(
        [str(bin_dir / "gunicorn"), "-w", "2", "-b", f"127.0.0.1:{port}", "--timeout", "120", "matchmaker:create_app()"],
        env=env, stdout=log, stderr=subprocess.STDOUT, cwd=ROOT,
    )  # fmt: skip
    deadline = time.time() + 30
    while time.time() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
            break
        except OSError:
            time.sleep(0.2)
    else:
        proc.kill()
        pytest.fail("server did not start: " + (tmp / "server.log").read_text()[-2000:])
    yield {"url": f"http://127.0.0.1:{port}", "env": env, "flask": flask, "log": tmp / "server.log"}
    proc.terminate()
    try:
        proc.wait(30)
    except subprocess.TimeoutExpired:  # a loaded machine: workers slow to exit
        proc.kill()
        proc.wait(10)
    log.close()
    if drop:
        drop()


@pytest.fixture(scope="session")
def browser(live_server):
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
    """A browser context for one person, collecting CSP violations and console errors."""

    def __init__(self, browser, base, name):
        self.context = browser.new_context(locale="zh-CN", viewport={"width": 1280, "height": 900})
        self.context.set_default_timeout(30000)  # a loaded 2-core machine (whole suite beside other work) took >15 s
        self.page = self.context.new_page()
        self.base, self.name, self.problems = base, name, []
        self.page.on("console", self._console)
        self.page.on("pageerror", lambda exc: self.problems.append(f"page error: {exc}"))
        self.page.on("response", self._response)

    def _response(self, resp):
        if resp.status >= 400 and resp.request.resource_type != "document":
            self.problems.append(f"{resp.status} {resp.url}")

    def _console(self, msg):
        if msg.type == "error" and "Failed to load resource" not in msg.text:
            self.problems.append(msg.text)

    def go(self, path):
        resp = self.page.goto(self.base + path)
        assert resp.status < 400, f"{path}: {resp.status}"
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

    def shot(self, label="last"):
        SHOTS.mkdir(parents=True, exist_ok=True)
        path = SHOTS / f"{self.name}-{label}.png"
        self.page.screenshot(path=str(path), full_page=True)
        return path

    def close(self):
        self.shot()
        self.context.close()
        assert not self.problems, f"{self.name}: browser errors (CSP or script): {self.problems}"


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


def pytest_terminal_summary(terminalreporter):
    if SHOTS.exists():
        terminalreporter.write_line(f"browser journey screenshots: {SHOTS}")


def chromium_available():
    return shutil.which(CHROMIUM) is not None
