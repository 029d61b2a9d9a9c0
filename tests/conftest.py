"""Fixtures: an app on in-memory SQLite, or on PostgreSQL when MATCHMAKER_DATABASE_URL is set.

The ``app`` fixture's app is built once per process and made new again before each test (its
config as built, an empty database, no per-app caches, fresh rate-limit counters): building an app
(about 160 routes, the OpenAPI document) and compiling its templates cost more than most tests.
On PostgreSQL the schema is built once and only the tables a test filled are emptied after it.

The suite runs in 2 processes (pytest-xdist, ``-n 2`` in pyproject's addopts; ``-n 0`` for one
process). Each worker (gw0, gw1) has its own instance folder and, on PostgreSQL, its own database
``<configured database>_gw0`` made from MATCHMAKER_DATABASE_URL and dropped at the end; servers take
free ports and queues random names. The scheduler below keeps each test file on one worker (files
whose tests run in order or share a costly module fixture stay whole) and sends the slow files first."""

import atexit
import gc
import os
import tempfile
import zlib
from datetime import datetime
from pathlib import Path

import pytest
from jinja2 import BytecodeCache

ROOT = Path(__file__).resolve().parents[1]
WORKER = os.environ.get("PYTEST_XDIST_WORKER")  # "gw0", "gw1", ... in an xdist worker; None in one process
# Temporary files in memory (/dev/shm) unless TMPDIR is set: instance folders, pytest's tmp_path, the servers'
# SQLite files, Chromium's profiles. The app stamps instance/cache-generation after each commit that changes a
# cached table (matchmaker/cache.py): on ext4, rewriting a file waits for the disk, about 3 ms, and the tests
# commit tens of thousands of times. Set by the controller (or the single process), inherited by the workers
# and by every process the tests start.
if not WORKER and "TMPDIR" not in os.environ and os.access("/dev/shm", os.W_OK):
    _shm = Path("/dev/shm") / f"matchmaker-tests-{os.getuid()}"
    _shm.mkdir(mode=0o700, exist_ok=True)
    os.environ["TMPDIR"] = str(_shm)
    tempfile.tempdir = None  # gettempdir() reads TMPDIR again (pytest's capture already asked it)
# The controller's folder is inherited by the workers: each worker makes its own.
_OWN_INSTANCE = WORKER or "MATCHMAKER_INSTANCE_PATH" not in os.environ  # removed at the end of the process
if _OWN_INSTANCE:
    os.environ["MATCHMAKER_INSTANCE_PATH"] = tempfile.mkdtemp(prefix=f"matchmaker-test-{WORKER or 'main'}-")
# One folder for what the processes of a run share (the browser servers' prepared databases, built once), made
# by the controller or the single process and inherited by the workers; removed at the end of the run.
if not WORKER:
    os.environ["MATCHMAKER_TEST_RUN_DIR"] = tempfile.mkdtemp(prefix="matchmaker-test-run-")
    # Every app of the run, in a test process or a server it starts, compiles each template once for all.
    os.environ["MATCHMAKER_TEMPLATE_CACHE_DIR"] = os.path.join(os.environ["MATCHMAKER_TEST_RUN_DIR"], "templates")
# Every Python process the tests start (servers, job consumers, scripts; the xdist workers too) imports
# tests/startup/sitecustomize.py first: at its exit the interpreter does not run its full collections over the app's
# objects (about 2 s of CPU a process, waited for when a test stops a server). This process does the same below.
if not WORKER:
    _paths = [str(ROOT / "tests" / "startup"), os.environ.get("PYTHONPATH")]
    os.environ["PYTHONPATH"] = os.pathsep.join(p for p in _paths if p)
atexit.register(gc.freeze)
# Redis is the machine's, shared by every run: each run (the controller's id, inherited by its workers) and each
# worker of it has its own keys (the login throttle's, Flask-Limiter's) and job queue name, in its own apps and in
# the servers and consumers it starts; a run clears only its own (tests/redis_keys.py), never another's.
if not WORKER:
    os.environ["MATCHMAKER_TEST_RUN_ID"] = os.urandom(4).hex()
_REDIS_NAMESPACE = f"mmtest-{os.environ['MATCHMAKER_TEST_RUN_ID']}-{WORKER or 'main'}"
os.environ["MATCHMAKER_REDIS_KEY_PREFIX"] = f"{_REDIS_NAMESPACE}:"
os.environ["MATCHMAKER_RATELIMIT_KEY_PREFIX"] = _REDIS_NAMESPACE
os.environ["MATCHMAKER_JOBS_QUEUE_NAME"] = _REDIS_NAMESPACE
# One folder of browser screenshots for the run (set by the controller, inherited by the workers).
os.environ.setdefault(
    "MATCHMAKER_TEST_SHOTS", str(ROOT / "test-artifacts" / "screenshots" / datetime.now().strftime("%Y%m%d-%H%M%S"))
)

from matchmaker import create_app  # noqa: E402
from matchmaker.extensions import db  # noqa: E402

from .factories import make_user  # noqa: E402


def _worker_database(url, worker):
    """A new, empty PostgreSQL database for this xdist worker beside the configured one: its URL."""
    import psycopg
    from sqlalchemy.engine import make_url

    given = make_url(url)
    name = f"{given.database}_{worker}"
    admin = given.set(drivername="postgresql").render_as_string(hide_password=False)
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')  # left by a killed run
        conn.execute(f'CREATE DATABASE "{name}"')
    return given.set(database=name).render_as_string(hide_password=False)


_CONFIGURED_DB_URL = os.environ.get("MATCHMAKER_DATABASE_URL")
DB_URL = _CONFIGURED_DB_URL
if DB_URL and WORKER:  # the tests' own subprocesses (servers, consumers) see the worker's database too
    DB_URL = os.environ["MATCHMAKER_DATABASE_URL"] = _worker_database(DB_URL, WORKER)


def _memoise_password_hashing():
    """scrypt (N=2**15) costs about 0.1 s a call on a quiet machine and several times that on a busy one,
    and the tests make and log in thousands of users with a handful of passwords: one real hash per
    password and one real check per (hash, password) serve them all. Hashes stay real scrypt ones
    (tests/security checks their parameters); only repeats of the same computation are skipped."""
    from functools import lru_cache

    from matchmaker.models import accounts

    make, check = accounts.generate_password_hash, accounts.check_password_hash

    @lru_cache(maxsize=512)
    def generate_password_hash(password, method="scrypt", salt_length=16):
        return make(password, method=method, salt_length=salt_length)

    accounts.generate_password_hash = generate_password_hash
    accounts.check_password_hash = lru_cache(maxsize=4096)(check)


_memoise_password_hashing()


def _memoise_private_key_loads():
    """An organisation's key is decrypted (scrypt) and checked for each of its signatures, by design (the app keeps
    only the platform's keys loaded, matchmaker/signing/authority.py): about 0.05 s a load on a quiet machine, and
    the tests sign with a handful of organisations' keys again and again. A key object never changes, so the same
    PEM bytes and password give the key loaded before. A load that fails (a wrong password, damaged bytes) is not
    remembered: it fails again each time. Tests counting the app's decryptions count KeyCipher.decrypt's calls."""
    from functools import lru_cache

    from cryptography.hazmat.primitives import serialization

    real = serialization.load_pem_private_key

    @lru_cache(maxsize=256)
    def cached(data, password, unsafe):
        return real(data, password, unsafe_skip_rsa_key_validation=unsafe)

    def load(data, password=None, backend=None, *, unsafe_skip_rsa_key_validation=False):
        if backend is not None or not isinstance(data, bytes) or not isinstance(password, bytes | None):
            return real(data, password, backend, unsafe_skip_rsa_key_validation=unsafe_skip_rsa_key_validation)
        return cached(data, password, unsafe_skip_rsa_key_validation)

    serialization.load_pem_private_key = load


_memoise_private_key_loads()


def _memoise_dictionary_builds():
    """The tokenizer for a set of domain words is built once per process. A build (two rjieba dictionaries
    and a frequency for each of the ~300 shipped words) costs about 0.4 s, and every index fit builds it again
    (``ensure_dictionary(force=True)``): the tests fit hundreds of times with a handful of word sets. A built
    ``_Dictionary`` is never changed afterwards (new words make a new one), so the one built for the same
    words is what a new build would give. Different words are built as before."""
    from functools import lru_cache

    from matchmaker.matching import tokenize as tok

    build = tok._build

    @lru_cache(maxsize=64)
    def build_words(words):
        return build(words)

    tok._build = lambda extra: build_words(tuple(tok._clean_words(extra)))


_memoise_dictionary_builds()


def _memoise_contract_pdfs():
    """Preparing a contract for online signing lays its text out as a PDF (fpdf2 reading the CJK font, measuring
    every character, then subsetting the font): 2 to 4 s each on a busy machine, and the contract tests prepare the
    same few texts again and again (tests/contracts/test_signing.py ``setup_parties``: the same parties, numbers and
    ids in each fresh database). The layout is a pure function of the text, the font and the author (the same bytes
    every time, which tests/signing/test_text_pdf.py checks on the real function), so the service is given the bytes
    laid out before for an identical input (compared pickled: every field and type). Only the service's name is
    replaced: tests/signing call matchmaker.signing.pdf.render_pdf itself, and a test may still patch the service's."""
    import pickle

    from matchmaker.contracts import signing_services

    real, laid_out = signing_services.render_pdf, {}

    def render_pdf(text, font=None, author=""):
        key = pickle.dumps((text, font, author), protocol=5)
        if key not in laid_out:
            if len(laid_out) >= 256:
                laid_out.clear()
            laid_out[key] = real(text, font, author)
        return laid_out[key]

    signing_services.render_pdf = render_pdf


_memoise_contract_pdfs()


def _memoise_url_builders():
    """Werkzeug writes and compiles two Python functions for every URL rule an app adds (its URL builders): about
    half of the 0.08 s of CPU a ``create_app`` costs (850 rules), and the tests build hundreds of apps with the same
    rules (``make_app``, ``file_app``, the races' and options' apps). A builder's code is a pure function of the rule's
    parsed parts, the names of its defaults and whether unknown arguments are appended; it reads the rule (its
    converters) only through its ``.self`` argument (the function is bound to each rule) and has no globals, so the
    function compiled for an identical rule before serves the next. A rule whose default fills one of its own
    variables (the value is written into the code) is compiled as before."""
    from werkzeug.routing.rules import Rule

    real, compiled = Rule._compile_builder, {}

    def _compile_builder(self, append_unknown=True):
        defaults = self.defaults or {}
        if any(dynamic and part in defaults for dynamic, part in self._trace):  # a default written into the code
            return real(self, append_unknown)
        key = (append_unknown, self.rule, tuple(self._trace), tuple(defaults))
        builder = compiled.get(key)
        if builder is None:
            builder = compiled[key] = real(self, append_unknown)
        return builder

    Rule._compile_builder = _compile_builder


_memoise_url_builders()
_schema_ready = False


def _config(tmp_path, **extra):
    cfg = {
        "TESTING": True,
        "WTF_CSRF_ENABLED": False,
        "SECRET_KEY": "test-secret-key-not-for-production",
        "SQLALCHEMY_DATABASE_URI": None,
        "DATABASE_URL": DB_URL,
        "INDEX_DIR": str(tmp_path / "index"),
        "RATELIMIT_STORAGE_URI": "memory://",
        "SERVER_NAME": None,
    }
    if not DB_URL:
        cfg["SQLALCHEMY_DATABASE_URI"] = "sqlite://"
    else:  # the tests' own commits do not wait for the disk (what other sessions see is unchanged)
        cfg["SQLALCHEMY_ENGINE_OPTIONS"] = {
            "pool_pre_ping": True,
            "connect_args": {"options": "-c synchronous_commit=off"},
        }
    cfg.update(extra)
    return cfg


def build_app(tmp_path, **extra):
    """An app with an empty schema (used by fixtures and by tests needing options)."""
    global _schema_ready
    app = create_app(_config(tmp_path, **extra))
    _isolate_requests(app)
    app.jinja_env.bytecode_cache = _templates  # each template compiled once per process, not per app
    with app.app_context():
        if not DB_URL:
            _create_schema(app)
        else:
            if not _schema_ready:
                db.drop_all()
                db.create_all()
                _schema_ready = True
            _empty_tables()
    return app


class _CompiledTemplates(BytecodeCache):
    """Jinja's compiled templates kept in memory and shared by every app of the process (keyed by
    the template's name and checked against its source, so an edited template is compiled again)."""

    def __init__(self):
        self.codes = {}

    def load_bytecode(self, bucket):
        code = self.codes.get(bucket.key)
        if code is not None:
            bucket.bytecode_from_string(code)

    def dump_bytecode(self, bucket):
        self.codes[bucket.key] = bucket.bytecode_to_string()


_templates = _CompiledTemplates()
_reused = {}  # the app of the ``app`` fixture, and what it was like when built


def _default_app(tmp_path):
    """The process's default app, as if just built: config as built (INDEX_DIR in this test's folder),
    an empty database, per-app caches dropped (they are made on first use), fresh rate-limit storage,
    and the jobs and tokenizer state a new app would start with."""
    app = _reused.get("app")
    if app is None:
        app = _reused["app"] = build_app(tmp_path)
        _reused["config"] = dict(app.config)
        _reused["extensions"] = set(app.extensions)
        _set_apart()
        return app
    from matchmaker.extensions import limiter
    from matchmaker.jobs import queue
    from matchmaker.listings import tokens

    app.config.clear()
    app.config.update(_reused["config"], INDEX_DIR=str(tmp_path / "index"))
    for key in set(app.extensions) - _reused["extensions"]:
        del app.extensions[key]
    limiter.init_app(app)  # new in-memory counters (hooks are not added twice)
    queue.init_app(app)  # jobs run with this app again (another test may have built one since)
    tokens._dictionary_seen.clear()  # the domain dictionary is read again from this empty database
    with app.app_context():
        if not DB_URL:
            _create_schema(app)
        else:
            _empty_tables()
    return app


def _set_apart():
    """What lives for the whole process (the modules, the collected tests, the default app) is set apart from the
    garbage collector (``gc.freeze``): its full collections, each about 0.3 s of CPU over some 400,000 objects, then
    look only at what the tests made since. Garbage found now is freed first; later garbage is collected as before."""
    gc.collect()
    gc.freeze()


_schema_template = None  # an in-memory SQLite database holding the empty schema, made once


def _create_schema(app):
    """The empty schema: on SQLite copied from a template made once (SQLite's backup API copies the
    pages, full-text tables and triggers included, in milliseconds instead of a create_all per test),
    into the in-memory database or into a new, empty SQLite file (``file_app``, apps with options; a
    file that already holds tables, another app's, only gets what is missing, as create_all does);
    otherwise create_all."""
    global _schema_template
    uri = app.config["SQLALCHEMY_DATABASE_URI"]
    in_memory = uri == "sqlite://"
    if not uri.startswith("sqlite:///") and not in_memory or not in_memory and _schema_template is None:
        db.create_all()
        return
    import sqlite3

    target = db.engine.raw_connection()
    try:
        if _schema_template is None:
            db.create_all()
            _schema_template = sqlite3.connect(":memory:", check_same_thread=False)
            target.driver_connection.backup(_schema_template)
        elif in_memory or not target.driver_connection.execute("SELECT 1 FROM sqlite_master LIMIT 1").fetchone():
            _schema_template.backup(target.driver_connection)
        else:
            db.create_all()
    finally:
        target.close()


def _isolate_requests(app):
    """Tests keep an app context pushed, which Flask reuses for every request, and with
    it ``g``: forget the user cached in ``g`` so each request loads its own session."""
    from flask import g, request_started

    def forget_user(sender, **extra):
        g.pop("_login_user", None)

    request_started.connect(forget_user, app, weak=False)


def _empty_tables():
    """Empty the tables holding rows and restart the sequences that were used (PostgreSQL).

    One query finds the tables with rows; DELETE empties them (children first): a TRUNCATE costs
    seconds a table on a busy disk, a DELETE of a test's few rows milliseconds."""
    tables = db.metadata.sorted_tables
    probe = " UNION ALL ".join(f'SELECT {i} WHERE EXISTS (SELECT 1 FROM "{t.name}")' for i, t in enumerate(tables))
    full = sorted(db.session.scalars(db.text(probe)), reverse=True)
    for i in full:
        db.session.execute(db.text(f'DELETE FROM "{tables[i].name}"'))
    used = db.session.scalars(
        db.text("SELECT quote_ident(schemaname) || '.' || quote_ident(sequencename) FROM pg_sequences "
                "WHERE last_value IS NOT NULL AND schemaname = current_schema()")
    ).all()  # fmt: skip
    if used:
        db.session.execute(db.text("SELECT " + ", ".join(f"setval('{seq}', 1, false)" for seq in used)))
    db.session.commit()


_truncate_all = _empty_tables  # the name other test modules import


@pytest.fixture
def make_app(tmp_path):
    """Build extra apps with options; their connections are closed afterwards."""
    made = []

    def factory(**extra):
        made.append(build_app(tmp_path, **extra))
        return made[-1]

    yield factory
    for other in made:
        with other.app_context():
            db.session.remove()
            db.engine.dispose()


@pytest.fixture
def file_app(make_app, tmp_path):
    """An app whose connections really run side by side (races): a SQLite file, or the PostgreSQL test database."""
    extra = {} if DB_URL else {"SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'races.sqlite'}"}
    return make_app(**extra)


@pytest.fixture
def app(tmp_path):
    app = _default_app(tmp_path)
    with app.app_context():
        yield app
        db.session.remove()
        if DB_URL:
            _empty_tables()
            db.session.remove()


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def runner(app):
    return app.test_cli_runner()


class AuthActions:
    """Log a test client in and out."""

    def __init__(self, client):
        self.client = client

    def login(self, user_or_role="enterprise", password="password123", **kw):
        user = user_or_role if not isinstance(user_or_role, str) else make_user(role=user_or_role, **kw)
        resp = self.client.post("/auth/login", data={"email": user.email, "password": password})
        assert resp.status_code == 302, resp.data.decode()[:500]
        return user

    def logout(self):
        return self.client.post("/auth/logout")


@pytest.fixture
def auth(client):
    return AuthActions(client)


@pytest.fixture
def fresh_db_url(tmp_path):
    """A URL to an empty database with no tables: a SQLite file, or a new PostgreSQL database."""
    if not DB_URL:
        yield f"sqlite:///{tmp_path / 'fresh.sqlite'}"
        return
    import uuid

    import psycopg
    from sqlalchemy.engine import make_url

    url = make_url(DB_URL.replace("postgresql://", "postgresql+psycopg://", 1))
    name = f"mm_fresh_{uuid.uuid4().hex[:10]}"
    admin_dsn = url.set(drivername="postgresql").render_as_string(hide_password=False)
    with psycopg.connect(admin_dsn, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    yield url.set(database=name).render_as_string(hide_password=False)
    with psycopg.connect(admin_dsn, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def app_on(url, tmp_path, **extra):
    """An app on a given database URL, schema untouched."""
    return create_app(_config(tmp_path, SQLALCHEMY_DATABASE_URI=url, **extra))


MIGRATIONS = Path(__file__).resolve().parents[1] / "migrations" / "versions"


def migration_module(filename):
    """A file of migrations/versions loaded as a module (its revision ids, its frozen copies of the app's rules)."""
    import importlib.util

    path = MIGRATIONS / filename
    spec = importlib.util.spec_from_file_location(f"migration_{path.stem}", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


# ---------------------------------------------------------------------------- running in parallel
# Files whose tests are independent and long or many: spread over the workers in this many parts (None: each
# test alone). The crawls share a demo server per worker; the access matrix builds one app per worker.
SPLIT = {"tests/core/test_access.py": 8, "tests/browser/test_a11y_crawl.py": None}
# Files that must not run at the same time as each other: one work unit (none now: each worker's Redis keys are
# its own, see MATCHMAKER_REDIS_KEY_PREFIX above).
TOGETHER = {}


def _unit(nodeid):
    """The work unit of a test: its file, a part of a split file, or a named set of files."""
    path = nodeid.split("::", 1)[0]
    if path in SPLIT:
        return nodeid if SPLIT[path] is None else f"{path}#{zlib.crc32(nodeid.encode()) % SPLIT[path]}"
    return TOGETHER.get(path, path)


def pytest_configure(config):
    """Once per run, in the controller (or the single process), before any worker or server starts: the
    matching engine's compiled loops are compiled and cached (about a minute on a fresh clone), instead of in
    the first test process, server or job worker that matches, whose waits (a browser journey waiting for a
    suggestion or a mail) would time out meanwhile."""
    if not WORKER:
        from matchmaker.matching.engine import warm_up

        warm_up()


def pytest_xdist_make_scheduler(config, log):
    """xdist's loadscope scheduling with the work units of ``_unit``, in collection order (slow files first)."""
    if config.getoption("dist") != "load":  # another --dist given on the command line
        return None
    from xdist.scheduler import LoadScopeScheduling

    class FileScheduling(LoadScopeScheduling):
        def _split_scope(self, nodeid):
            return _unit(nodeid)

    config.option.loadscopereorder = False
    return FileScheduling(config, log)


@pytest.hookimpl(trylast=True)
def pytest_collection_modifyitems(config, items):
    """Files with browser or slow tests first (the order within a file kept): under xdist the long work
    starts at once and the many short tests fill the end on both workers. Of these, the files on the demo
    server come last: the demo's state is made in the background meanwhile (tests/browser/prepared.py)."""
    slow_files = {item.nodeid.split("::", 1)[0] for item in items if item.get_closest_marker("browser")
                  or item.get_closest_marker("slow")}  # fmt: skip
    demo_files = {item.nodeid.split("::", 1)[0] for item in items if "demo_server" in item.fixturenames}
    items.sort(key=lambda item: (item.nodeid.split("::", 1)[0] not in slow_files,
                                 item.nodeid.split("::", 1)[0] in demo_files))  # fmt: skip


def pytest_terminal_summary(terminalreporter):
    shots = Path(os.environ["MATCHMAKER_TEST_SHOTS"])
    if shots.exists():
        terminalreporter.write_line(f"browser journey screenshots: {shots}")


def pytest_unconfigure(config):
    """The process's instance folder goes; an xdist worker on PostgreSQL drops its database; the controller
    (or the single process) removes the run's shared folder and the PostgreSQL databases listed in its
    ``drop-databases``. First the servers still stopping (tests/procs.py) are waited for."""
    from .procs import wait_stopped

    wait_stopped()
    if _OWN_INSTANCE:
        import shutil

        shutil.rmtree(os.environ["MATCHMAKER_INSTANCE_PATH"], ignore_errors=True)
    if not WORKER:
        _remove_run_dir()
    if not (WORKER and _CONFIGURED_DB_URL):
        return
    import psycopg
    from sqlalchemy.engine import make_url

    app = _reused.get("app")
    if app is not None:
        with app.app_context():
            db.session.remove()
            db.engine.dispose()
    url = make_url(DB_URL)
    admin = url.set(drivername="postgresql", database=make_url(_CONFIGURED_DB_URL).database)
    with psycopg.connect(admin.render_as_string(hide_password=False), autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{url.database}" WITH (FORCE)')


def _remove_run_dir():
    import shutil

    run = Path(os.environ["MATCHMAKER_TEST_RUN_DIR"])
    listed = run / "drop-databases"
    if _CONFIGURED_DB_URL and listed.exists():
        import psycopg
        from sqlalchemy.engine import make_url

        admin = make_url(_CONFIGURED_DB_URL).set(drivername="postgresql").render_as_string(hide_password=False)
        with psycopg.connect(admin, autocommit=True) as conn:
            for name in set(listed.read_text().split()):
                conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    shutil.rmtree(run, ignore_errors=True)
