"""matchmaker: the technology-transfer matchmaking platform."""

import logging
import os
from pathlib import Path

from flask import Flask, redirect, url_for

from . import config as config_module
from .extensions import csrf, db, limiter, login_manager, migrate

ROOT = Path(__file__).resolve().parent.parent


def create_app(test_config=None):
    """Create and configure the application."""
    app = Flask(
        __name__,
        instance_relative_config=True,
        instance_path=os.environ.get("MATCHMAKER_INSTANCE_PATH") or str(ROOT / "instance"),
        template_folder=str(ROOT / "templates"),
        static_folder=str(ROOT / "static"),
    )
    app.config.from_object(config_module.DefaultConfig)
    app.config.from_pyfile("config.py", silent=True)
    app.config.from_prefixed_env("MATCHMAKER")
    if test_config:
        app.config.from_mapping(test_config)
    os.makedirs(app.instance_path, exist_ok=True)
    from .utils import bounds, text

    bounds.init_app(app)  # bounded <int:...> ids: before any blueprint adds its routes
    text.install()  # every form's text fields: NFKC, no NUL/control/bidi characters
    finish_config(app)
    register_extensions(app)
    register_blueprints(app)
    register_commands(app)
    from .web import register_web

    register_web(app)
    from . import pagecache

    pagecache.init_app(app)  # after every other before_request hook (limits, argument checks) is installed
    if app.config.get("TRUSTED_PROXIES"):
        from werkzeug.middleware.proxy_fix import ProxyFix

        hops = int(app.config["TRUSTED_PROXIES"])
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops)
    return app


def finish_config(app):
    """Derive settings that depend on others (database URI, secret key, storage)."""
    cfg = app.config
    if not cfg.get("SQLALCHEMY_DATABASE_URI"):
        cfg["SQLALCHEMY_DATABASE_URI"] = config_module.database_uri(cfg.get("DATABASE_URL"), app.instance_path)
    cfg["SECRET_KEY"] = config_module.ensure_secret_key(cfg.get("SECRET_KEY"), app.instance_path)
    if not cfg.get("RATELIMIT_STORAGE_URI"):
        cfg["RATELIMIT_STORAGE_URI"] = cfg.get("REDIS_URL") or "memory://"
    if cfg["RATELIMIT_STORAGE_URI"].startswith("redis") and not cfg.get("RATELIMIT_STORAGE_OPTIONS"):
        cfg["RATELIMIT_STORAGE_OPTIONS"] = config_module.redis_timeouts(cfg)
    # Stated for every app: Flask-Limiter's one Limiter would otherwise give an app that says nothing
    # the previous app's choice (an app made with limits off left every later app in the process unlimited).
    cfg.setdefault("RATELIMIT_ENABLED", True)
    cfg.setdefault("INDEX_DIR", str(Path(app.instance_path) / "index"))
    if cfg["SQLALCHEMY_DATABASE_URI"].startswith("sqlite"):
        # SQLite: no pool_pre_ping needed, longer busy timeout for concurrent writers.
        opts = dict(cfg.get("SQLALCHEMY_ENGINE_OPTIONS") or {})
        opts.pop("pool_pre_ping", None)
        opts.setdefault("connect_args", {"timeout": 30})
        cfg["SQLALCHEMY_ENGINE_OPTIONS"] = opts
    templates = cfg.get("TEMPLATE_CACHE_DIR")
    templates = str(Path(app.instance_path) / "template-cache") if templates is None else templates
    if templates:  # before anything touches app.jinja_env, which reads jinja_options once
        from jinja2 import FileSystemBytecodeCache

        os.makedirs(templates, exist_ok=True)
        app.jinja_options = {**app.jinja_options, "bytecode_cache": FileSystemBytecodeCache(templates)}
    if not app.debug and not app.testing:
        logging.basicConfig(level=logging.INFO)


def register_extensions(app):
    """Bind the unbound extensions to this app."""
    from . import listings
    from .listings.search import alembic_include_object

    db.init_app(app)
    migrate.init_app(app, db, directory=str(ROOT / "migrations"), include_object=alembic_include_object)
    login_manager.init_app(app)
    csrf.init_app(app)
    limiter.init_app(app)
    from . import models  # noqa: F401  (register tables)
    from .models import ping_after_idle, sqlite_pragmas

    with app.app_context():
        sqlite_pragmas(db.engine)
        if not (app.config.get("SQLALCHEMY_ENGINE_OPTIONS") or {}).get("pool_pre_ping"):  # else pinged at every use
            ping_after_idle(db.engine, float(app.config.get("DATABASE_PING_AFTER_IDLE") or 0))
    listings.init_app(app)
    from .jobs import queue

    queue.init_app(app)
    from . import assets

    assets.init_app(app)


def register_blueprints(app):
    """Register every area's blueprint under its URL prefix."""
    from . import (
        admin,
        auth,
        brokers,
        classes,
        contracts,
        financing,
        imports,
        main,
        needs,
        notifications,
        reports,
        results,
        suggestions,
        tokens,
        training,
        urgent,
        visits,
        zones,
    )

    for area, prefix in (
        (main, None), (auth, "/auth"), (admin, "/admin"), (needs, "/needs"), (imports, "/needs"),
        (results, "/results"), (zones, "/zones"), (suggestions, "/matches"), (brokers, "/broker"),
        (contracts, "/contracts"), (reports, "/reports"), (notifications, "/notifications"), (training, "/training"),
        (urgent, "/urgent"), (visits, "/visits"), (classes, "/classes"), (financing, "/financing"),
        (tokens, "/tokens"),
    ):  # fmt: skip
        app.register_blueprint(area.bp, url_prefix=prefix)
    from . import api

    api.init_app(app)  # /api/v1, registered through flask-smorest, which writes its OpenAPI document
    from .auth.decorators import public

    @public
    def api_root():
        """/api/: the one version there is (its index names the docs)."""
        return redirect(url_for("api.index"))

    app.add_url_rule("/api/", "api_root", api_root)


def register_commands(app):
    """Register the click commands."""
    from .cli import register

    register(app)
