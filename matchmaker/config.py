"""Configuration defaults; the only module that reads environment variables."""

import os
import secrets
from pathlib import Path

# Keys whose value is only a placeholder and must never be used to sign sessions.
INSECURE_SECRET_KEYS = {None, "", "dev", "change-me", "changeme", "secret"}


class DefaultConfig:
    """Defaults, overridden by instance/config.py, MATCHMAKER_* env vars and test_config."""

    SECRET_KEY = None
    DATABASE_URL = None  # None: SQLite file in instance/
    SQLALCHEMY_ENGINE_OPTIONS = {}
    # A pooled PostgreSQL connection left unused this many seconds is pinged before it is used again, and
    # replaced when the server dropped it (restart, idle timeout); one in steady use is not (SQLAlchemy's
    # pool_pre_ping pings at every checkout: one more round trip per request). 0 pings at every checkout.
    DATABASE_PING_AFTER_IDLE = 5.0
    SQLALCHEMY_TRACK_MODIFICATIONS = False
    WTF_CSRF_TIME_LIMIT = None  # a token lives as long as the session
    WTF_I18N_ENABLED = False  # messages come from our own Chinese validators

    # Sessions and cookies
    SESSION_COOKIE_HTTPONLY = True
    SESSION_COOKIE_SAMESITE = "Lax"
    SESSION_COOKIE_SECURE = False  # set True behind HTTPS
    REMEMBER_COOKIE_HTTPONLY = True
    REMEMBER_COOKIE_SAMESITE = "Lax"
    REMEMBER_COOKIE_SECURE = False
    REMEMBER_COOKIE_DURATION = 14 * 24 * 3600

    # Login throttling (auth/throttle.py): after LOGIN_MAX_FAILURES failures within
    # LOGIN_FAILURE_WINDOW seconds for one account from one address, or LOGIN_ACCOUNT_MAX_FAILURES
    # for one account from anywhere, its further attempts are refused. Counted in the database
    # (table login_attempt), or in Redis when REDIS_URL is set: every worker sees the same counts.
    REDIS_URL = None  # e.g. redis://127.0.0.1:6379/0; also Flask-Limiter's storage (memory when unset)
    RATELIMIT_STORAGE_URI = None
    # Seconds any Redis client (rate limits, login throttle, job queue) waits to connect or for an answer:
    # a Redis that accepts connections but never answers holds no request longer (each then falls back).
    REDIS_SOCKET_TIMEOUT = 1.0
    # Apps sharing one Redis (the test runs on a machine, each xdist worker of a run; staging beside production)
    # keep apart by these: every key the app itself writes (the login throttle's) starts with REDIS_KEY_PREFIX,
    # Flask-Limiter puts RATELIMIT_KEY_PREFIX into each of its keys ("LIMITS:LIMITER/<prefix>/..."), and the job
    # queue is named JOBS_QUEUE_NAME (below). The defaults are the keys production has always used.
    REDIS_KEY_PREFIX = "mm:"
    RATELIMIT_KEY_PREFIX = ""
    # Every limit counts the hits of the last N seconds (a fixed window let twice the limit through
    # across its boundary: the end of one window and the start of the next).
    RATELIMIT_STRATEGY = "moving-window"
    # Redis unreachable: limits are counted in this process meanwhile, rather than every limited page
    # (the login, the API) answering 500.
    RATELIMIT_SWALLOW_ERRORS = True
    RATELIMIT_IN_MEMORY_FALLBACK_ENABLED = True
    LOGIN_MAX_FAILURES = 10
    LOGIN_ACCOUNT_MAX_FAILURES = 30
    LOGIN_FAILURE_WINDOW = 15 * 60
    # Reverse proxies in front of the app whose X-Forwarded-For / -Proto are believed (Werkzeug's
    # ProxyFix); 0 trusts none, so a client cannot choose its own address for the throttle.
    TRUSTED_PROXIES = 0
    REGISTRATION_LINK_HOURS = 24  # self-registration is confirmed by a link mailed to the address
    PASSWORD_RESET_HOURS = 2  # a self-service reset link (忘记密码) works this long, and once
    PASSWORD_RESET_GAP_MINUTES = 5  # at most one reset mail per account in this time (no mail bombing)
    # Making an API token asks for the password again unless this session entered it (login, password change,
    # re-entry) within this many minutes (auth/recent.py): a stolen session cookie mints no lasting credential.
    PASSWORD_CONFIRM_MINUTES = 10

    # Uploads (bulk import)
    MAX_CONTENT_LENGTH = 10 * 1024 * 1024
    IMPORT_MAX_ROWS = 50_000  # checked while reading (imports/reader.py), as are the limits below
    IMPORT_MAX_CELL_CHARS = 32_767  # a longer cell makes its row an error, not the whole file
    IMPORT_MAX_UNPACKED = 300 * 1024 * 1024  # an .xlsx's parts, uncompressed, refused before reading
    IMPORT_MAX_RATIO = 200  # largest compression ratio of an .xlsx part over 1 MB (zip bombs: thousands)
    IMPORT_KEEP_DAYS = 7  # a validated file left unconfirmed this long is deleted (expired) by the daily job at 00:10

    PER_PAGE = 20
    # JSON API (/api/v1): requests per token, and per client address (tokens or not)
    API_RATE_LIMIT = "120 per minute"
    API_ADDRESS_RATE_LIMIT = "600 per minute"
    # Matching: suggestions scoring at least MATCH_THRESHOLD are stored (0.35 keeps
    # ~2 per demo need; 95 % of true CSL matches score above 0.45), top MATCH_TOP_K each.
    MATCH_THRESHOLD = 0.35
    MATCH_TOP_K = 10
    MATCH_DUPLICATE_THRESHOLD = 0.9
    MATCH_REFIT_HOURS = 24  # scheduled refit when the index is older, has grown 20 % or the dictionary changed
    MATCH_SCHEDULE = True
    STALE_SUGGESTION_DAYS = 14

    # Background jobs (see the README's "Background jobs and deployment"): a Huey queue in
    # instance/jobs.sqlite, or in Redis when REDIS_URL is set; run by `flask --app matchmaker worker`.
    JOBS_IMMEDIATE = None  # None: on under TESTING (a job runs in the process that queued it), else off
    JOBS_QUEUE_NAME = "matchmaker"
    JOBS_SQLITE_PATH = None  # default instance/jobs.sqlite
    JOBS_LEASE_SECONDS = 600  # a claimed job untouched this long belonged to a dead consumer: run again
    JOBS_HEARTBEAT_SECONDS = 10  # a running refit's heartbeat
    JOBS_STALE_SECONDS = 120  # a refit or import without a heartbeat this long is taken again
    # A daily job (expiry 00:10, digest 07:30) not done by the end of its hour (no consumer was up, or the one running
    # it was killed: Huey never runs a lost periodic task again) is run by the minute's sweep; None: off under TESTING.
    # A run taken by a consumer of another machine is taken over after JOBS_DAILY_LEASE_SECONDS.
    JOBS_DAILY_CATCH_UP = None
    JOBS_DAILY_LEASE_SECONDS = 4 * 3600
    # Compiled templates, shared by a server's processes and kept across restarts (Jinja's bytecode cache, keyed
    # by each template's source: an edited template is compiled again). None: instance/template-cache; "": none.
    TEMPLATE_CACHE_DIR = None
    STATIC_MAX_AGE = 0  # seconds a plain (unhashed) static file may be reused without revalidation
    SITE_URL = ""  # e.g. https://kjcg.example.gov.cn: put before links in e-mail sent by jobs

    # Online signing (网上签约): see the README's "Online signing" section
    SIGNING_DIR = None  # default instance/signing: master.key, the platform CA, PKCS#12 files
    SIGNING_PLATFORM_NAME = "科技成果转化对接平台"  # in certificates and contract texts
    SIGNING_FONT = None  # "path[#index]" of a CJK font; default Debian's Noto Serif CJK SC
    SIGNING_TSA_URL = None  # an RFC 3161 timestamp authority; default the platform's own
    SIGNING_TRUST_ROOTS = ()  # PEM files of licensed CAs whose PKCS#12 certificates organisations use
    SIGNING_VERIFY_MAX_BYTES = 5 * 1024 * 1024  # largest PDF /contracts/verify reads
    # An uploaded PDF (and a contract's stored one, 验证签名) is verified in a separate process, killed after this
    # many seconds (a genuine contract: 0.2 s with 3 signatures, 2 to 4 s with 20 and their validation data on a
    # loaded 2-core machine)
    SIGNING_VERIFY_TIMEOUT = 8
    # ... which may use this many bytes of memory beyond what it starts with (a genuine contract: 5 to 15 MB); None: no limit
    SIGNING_VERIFY_MEMORY = 512 * 1024 * 1024
    # At most this many uploads (and contracts' 验证签名) verified at once on a machine, by all its web processes
    # (each takes up to a core for up to SIGNING_VERIFY_TIMEOUT); a lock file per slot in SIGNING_VERIFY_SLOTS_DIR
    # (default instance/verify-slots, on the machine's own disk). An upload finding none free within
    # SIGNING_VERIFY_WAIT seconds is refused with 503 (系统正忙); so is one at once when SIGNING_VERIFY_WAITERS others
    # wait already (each waiting upload holds a web worker for up to SIGNING_VERIFY_WAIT).
    SIGNING_VERIFY_CONCURRENCY = 2
    SIGNING_VERIFY_WAIT = 2
    SIGNING_VERIFY_WAITERS = 2
    SIGNING_VERIFY_SLOTS_DIR = None
    # Uploads to /contracts/verify per client address, and a contract's 验证签名 per user (429 past it; refused ones
    # count): one address or user holds at most 6 x 8 s of the slots' 2 x 60 s a minute, and 30 x 8 s an hour
    SIGNING_VERIFY_RATE_LIMIT = "6 per minute; 30 per hour"
    SIGNING_PASSWORD_MAX_FAILURES = 5  # wrong passwords when signing, per user per LOGIN_FAILURE_WINDOW

    # Mail: printed to the log unless MAIL_SERVER is set
    MAIL_SERVER = None
    MAIL_PORT = 25
    MAIL_USE_TLS = False
    MAIL_USERNAME = None
    MAIL_PASSWORD = None
    MAIL_SENDER = "noreply@matchmaker.local"


def database_uri(url: str | None, instance_path: str) -> str:
    """Turn the configured URL into a SQLAlchemy URI (psycopg 3 for PostgreSQL)."""
    if not url:
        return "sqlite:///" + str(Path(instance_path) / "matchmaker.sqlite")
    if url.startswith("postgres://"):
        url = "postgresql://" + url[len("postgres://") :]
    if url.startswith("postgresql://"):
        url = "postgresql+psycopg://" + url[len("postgresql://") :]
    return url


def ensure_secret_key(current: str | None, instance_path: str) -> str:
    """Return a usable secret key, generating one once into instance/secret_key."""
    if current not in INSECURE_SECRET_KEYS:
        return current
    path = Path(instance_path) / "secret_key"
    if path.exists():
        key = path.read_text().strip()
        if key:
            return key
    key = secrets.token_hex(32)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as f:
        f.write(key)
    return key


def redis_timeouts(cfg, extra=0.0) -> dict:
    """redis-py's connect and answer timeouts from REDIS_SOCKET_TIMEOUT (``extra``: a blocking read's own wait)."""
    t = float(cfg.get("REDIS_SOCKET_TIMEOUT") or 1.0)
    return {"socket_connect_timeout": t, "socket_timeout": t + extra}
