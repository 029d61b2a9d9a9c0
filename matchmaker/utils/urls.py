"""Links: the one check for where a redirect may go, and site paths built outside a request."""

from urllib.parse import urlsplit

from flask import current_app


def safe_next(target):
    """``target`` when it is a same-site path (never //host, a scheme or a backslash trick), else None."""
    if not target or not target.startswith("/") or target.startswith("//") or "\\" in target:
        return None
    if urlsplit(target).netloc:
        return None
    return target


def path_for(endpoint, _anchor=None, **values):
    """A site path for an endpoint, also outside a request (CLI commands, jobs, the generator)."""
    adapter = current_app.url_map.bind("localhost", script_name=current_app.config.get("APPLICATION_ROOT") or "/")
    path = adapter.build(endpoint, {k: v for k, v in values.items() if v is not None})
    return f"{path}#{_anchor}" if _anchor else path
