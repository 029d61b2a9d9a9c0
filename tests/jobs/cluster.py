"""A small platform in real processes for the multi-process tests and benchmarks/jobs.py:
gunicorn web processes and Huey consumers on one database (PostgreSQL or a SQLite file), one
INDEX_DIR and one queue (Redis, or SQLite in the shared instance folder)."""

import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))
BIN = Path(sys.executable).parent
REDIS_URL = os.environ.get("MATCHMAKER_TEST_REDIS_URL", "redis://127.0.0.1:6379/2")

from benchmarks.load import PASSWORD, free_port, need_form  # noqa: E402
from benchmarks.load import Client as _LoadClient  # noqa: E402
from tests.procs import dies_with_parent, pythonpath  # noqa: E402

__all__ = ["PASSWORD", "Client", "Cluster", "need_form", "prepare_platform", "redis_available", "wait_for"]


class Client(_LoadClient):
    """The load test's HTTP client with a patient timeout (a loaded CI machine), closing a failed
    connection, and remembering the last redirect's Location."""

    last_location = None

    def request(self, method, path, form=None):
        import http.client
        from urllib.parse import urlencode

        body, headers = None, {}
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        if form is not None:
            body = urlencode(form)
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        for attempt in (1, 2):
            try:
                if self.conn is None:
                    self.conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=180)
                self.conn.request(method, path, body=body, headers=headers)
                resp = self.conn.getresponse()
                data = resp.read()
                break
            except (TimeoutError, ConnectionError, http.client.HTTPException, OSError):
                self.conn.close()
                self.conn = None
                if attempt == 2 or method != "GET":
                    raise
        for value in resp.headers.get_all("Set-Cookie") or []:
            name, _, rest = value.partition("=")
            self.cookies[name] = rest.split(";", 1)[0]
        self.last_location = resp.getheader("Location")
        return resp.status, data.decode("utf-8", "replace")

    def close(self):
        """Close the keep-alive connection."""
        if self.conn is not None:
            self.conn.close()
            self.conn = None


def prepare_platform(app, extra_results=0) -> dict:
    """Schema, lists, an admin, an enterprise, a researcher with a few results (and ``extra_results``
    synthetic ones), and a first index."""
    from matchmaker.auth.services import create_user, find_or_create_org
    from matchmaker.cli import upgrade_schema
    from matchmaker.demo.taxonomy import ensure_taxonomy
    from matchmaker.extensions import db
    from matchmaker.listings.tokens import refresh_tokens
    from matchmaker.models import Result
    from matchmaker.suggestions.refit import rebuild
    from tests.factories import valid_uscc

    texts = [
        ("电容式指纹识别芯片", "指纹识别,智能门锁", "用于智能门锁的电容式指纹识别芯片与识别算法，功耗低，识别速度快。"),
        ("石墨烯导热膜", "石墨烯,散热", "石墨烯导热膜用于LED照明灯具散热，显著降低灯具温度。"),
        ("锂离子电池正极材料", "锂离子电池,正极材料", "高镍正极材料的制备工艺与量产方案。"),
        ("中药配方颗粒质控方法", "中药配方颗粒,质量控制", "建立中药配方颗粒的指纹图谱质量控制方法。"),
        ("工业机器人机器视觉缺陷检测", "机器视觉,工业机器人", "面向产线的工业机器人机器视觉缺陷检测系统。"),
    ]
    with app.app_context():
        upgrade_schema()
        ensure_taxonomy()
        ent_org = find_or_create_org("多进程测试企业有限公司", "enterprise", valid_uscc(880001))
        uni = find_or_create_org("多进程测试大学", "university")
        agency = find_or_create_org("多进程测试服务中心", "agency")
        admin = create_user(
            role="admin", email="admin@cluster.cn", name="管理员", password=PASSWORD, organization=agency
        )
        ent = create_user(
            role="enterprise", email="ent@cluster.cn", name="企业", password=PASSWORD, organization=ent_org
        )
        res = create_user(role="researcher", email="res@cluster.cn", name="研究员", password=PASSWORD, organization=uni)
        ids = []
        for title, keywords, abstract in texts:
            r = Result(title=title, keywords=keywords, abstract=abstract, status="published", organization_id=uni.id,
                       owner_id=res.id, detail="", advantages="")  # fmt: skip
            refresh_tokens(r)
            db.session.add(r)
            db.session.flush()
            ids.append(r.id)
        if extra_results:
            from benchmarks.match_synth import build

            _, raw = build(n_results=extra_results, n_needs=1)
            for title, keywords, body in raw:
                r = Result(title=title[:100], keywords=keywords[:200], abstract=body, status="published",
                           organization_id=uni.id, owner_id=res.id, detail="", advantages="")  # fmt: skip
                refresh_tokens(r, check_dictionary=False)
                db.session.add(r)
        db.session.commit()
        rebuild(trigger="cli")
        out = {"admin": admin.email, "enterprise": ent.email, "enterprise_id": ent.id, "org_id": ent_org.id,
               "result_id": ids[0]}  # fmt: skip
        db.session.remove()
        return out


def redis_available(url=REDIS_URL) -> bool:
    """Whether Redis answers at url."""
    import redis

    try:
        return bool(redis.Redis.from_url(url, socket_connect_timeout=1).ping())
    except redis.RedisError:
        return False


def _database(tmp: Path, pg_url: str | None):
    if not pg_url:
        return f"sqlite:///{tmp / 'platform.sqlite'}", lambda: None
    import psycopg

    base = pg_url.replace("postgresql+psycopg://", "postgresql://")
    # A session's helpers keep to their own database names (MATCHMAKER_TEST_DB_PREFIX, default mm_jobs).
    name = f"{os.environ.get('MATCHMAKER_TEST_DB_PREFIX', 'mm_jobs')}_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(base, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')

    def drop():
        with psycopg.connect(base, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')

    return base.rsplit("/", 1)[0] + "/" + name, drop


class Cluster:
    """Web processes and consumers sharing a database, an index directory and a queue."""

    def __init__(self, queue="redis", pg_url=None, tmp=None, extra_env=None):
        self.tmp = Path(tmp or tempfile.mkdtemp(prefix="mm-cluster-"))
        self.db_url, self._drop = _database(self.tmp, pg_url)
        self.env = {
            "MATCHMAKER_DATABASE_URL": self.db_url,
            "MATCHMAKER_INSTANCE_PATH": str(self.tmp / "instance"),
            "MATCHMAKER_SECRET_KEY": "cluster-secret-key-not-for-production",
            "MATCHMAKER_JOBS_IMMEDIATE": "false",
            "MATCHMAKER_JOBS_QUEUE_NAME": f"mm-test-{uuid.uuid4().hex[:8]}",
            "MATCHMAKER_RATELIMIT_ENABLED": "false",
            "MATCHMAKER_LOGIN_MAX_FAILURES": "100000",
            "MATCHMAKER_MATCH_THRESHOLD": "0.3",
            "MATCHMAKER_JOBS_LEASE_SECONDS": "5",
            "MATCHMAKER_JOBS_DAILY_CATCH_UP": "false",  # the day's expiry and digest would run at the first sweep
            "MATCHMAKER_REDIS_URL": REDIS_URL if queue == "redis" else "",
            "PYTHONPATH": pythonpath(ROOT),
        }
        self.env.update(extra_env or {})
        if queue != "redis":
            del self.env["MATCHMAKER_REDIS_URL"]
        self.procs = {}
        self.ports = {}
        self._apps = []
        self._clients = []

    # ------------------------------------------------------------------ the in-process app
    def app(self):
        """An app of this cluster in the calling process (for preparing and checking the database)."""
        saved = {k: os.environ.get(k) for k in self.env}
        os.environ.update(self.env)
        try:
            from matchmaker import create_app

            app = create_app()
            self._apps.append(app)
            return app
        finally:
            for k, v in saved.items():
                if v is None:
                    os.environ.pop(k, None)
                else:
                    os.environ[k] = v

    # ------------------------------------------------------------------ processes
    def _spawn(self, name, args, log):
        out = open(self.tmp / f"{name}.log", "ab")  # noqa: SIM115 -- closed with the process
        proc = subprocess.Popen(dies_with_parent(args), env=dict(os.environ, **self.env), cwd=ROOT, stdout=out,
                                stderr=out)  # fmt: skip
        self.procs[name] = (proc, out)
        return proc

    def start_web(self, name, workers=1):
        """A gunicorn serving the app; returns its port once it answers."""
        port = free_port()
        self.ports[name] = port
        self._spawn(name, [str(BIN / "gunicorn"), "-w", str(workers), "-b", f"127.0.0.1:{port}", "--timeout", "120",
                           "--graceful-timeout", "5", "matchmaker:create_app()"], None)  # fmt: skip
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
            except OSError:
                time.sleep(0.2)
                continue
            warm = Client(port)  # the first page loads the app in the worker: wait for it here
            try:
                warm.request("GET", "/")
            finally:
                warm.close()
            return port
        raise RuntimeError(f"{name} did not start: {self.log(name)[-2000:]}")

    def start_consumer(self, name, workers=2):
        """A consumer (``flask worker``)."""
        return self._spawn(name, [str(BIN / "flask"), "--app", "matchmaker", "worker", "-w", str(workers)], None)

    def kill(self, name, sig=signal.SIGKILL):
        """Stop one process (SIGKILL by default: no chance to clean up)."""
        proc, out = self.procs.pop(name)
        if sig is not None:  # None: already signalled, only wait
            proc.send_signal(sig)
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        out.close()

    def log(self, name) -> str:
        """What a process printed."""
        p = self.tmp / f"{name}.log"
        return p.read_text(errors="replace") if p.exists() else ""

    def client(self, name) -> Client:
        """An HTTP client of one web process (closed with the cluster)."""
        self._clients.append(Client(self.ports[name]))
        return self._clients[-1]

    def close(self):
        """Stop every process and drop the database."""
        from matchmaker.extensions import db

        for client in self._clients:
            client.close()
        for proc, _ in self.procs.values():  # all told first, then waited for: they stop side by side
            proc.send_signal(signal.SIGTERM)
        for name in list(self.procs):
            self.kill(name, None)
        for app in self._apps:  # close this process's connections before the database goes
            with app.app_context():
                db.session.remove()
                db.engine.dispose()
        self._drop()


def wait_for(predicate, timeout=60.0, every=0.2):
    """Poll predicate() until it returns something true; return it (None on timeout)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(every)
    return None
