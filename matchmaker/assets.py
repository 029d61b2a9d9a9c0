"""Static files: content-hashed names, gzip and brotli variants, a one-year immutable cache.

Flask-Static-Digest writes the hashed copies and their ``.gz``/``.br`` variants and the manifest
(``flask digest compile``, run at deploy); templates link through ``static_url_for``. WhiteNoise
serves them before Flask, picking the variant the browser accepts. Without a compiled manifest
(development, tests) the plain names are served and revalidated on every use.

The icon font is a subset of Bootstrap Icons holding only the icons the templates use
(``flask assets icons`` rebuilds it; a test fails when a template names an icon it lacks).
"""

import hashlib
import re
from pathlib import Path

import click
from flask_static_digest import FlaskStaticDigest
from whitenoise import WhiteNoise

digest = FlaskStaticDigest()

ONE_YEAR = 365 * 24 * 60 * 60
HASHED = re.compile(r"-[0-9a-f]{32}\.[A-Za-z0-9]+$")
ICONS_DIR = "vendor/bootstrap-icons"
ICON_FONT_DIR = f"{ICONS_DIR}/fonts/"


class StaticFiles(WhiteNoise):
    """WhiteNoise with a one-year lifetime for immutable files (its default is ten years)."""

    FOREVER = ONE_YEAR


def is_immutable(path, url):
    """Hashed copies never change; the icon font is linked with its own hash as a query string."""
    return bool(HASHED.search(url)) or ICON_FONT_DIR + "icons-" in url


def _nosniff(headers, path, url):
    headers["X-Content-Type-Options"] = "nosniff"  # as Flask's responses (web.py); WhiteNoise answers first


def init_app(app):
    """Serve static/ through WhiteNoise and register ``static_url_for`` (hashed when compiled)."""
    app.config.setdefault("FLASK_STATIC_DIGEST_COMPRESSION", ["gzip", "brotli"])
    app.config.setdefault("ASSETS_HASHED", not app.debug and not app.testing)
    digest.init_app(app)
    if not app.config["ASSETS_HASHED"]:
        digest.manifests.clear()  # stale hashed copies must not hide edits in development and tests
    app.wsgi_app = StaticFiles(
        app.wsgi_app, root=app.static_folder, prefix=app.static_url_path, autorefresh=app.debug,
        max_age=app.config["STATIC_MAX_AGE"], immutable_file_test=is_immutable, add_headers_function=_nosniff,
    )  # fmt: skip
    app.cli.add_command(assets_cli)


# --- the icon subset ------------------------------------------------------------------------

ICON_RULE = re.compile(r"\.bi-([a-z0-9-]+)::?before\{content:\"\\([0-9a-f]+)\"\}")
NAME_USE = re.compile(r"bi-([a-z0-9][a-z0-9-]*[a-z0-9])")
QUOTED = re.compile(r"['\"]([a-z0-9][a-z0-9-]*[a-z0-9])['\"]")


def icon_table(css_text):
    """{icon name: code point} from Bootstrap Icons' stylesheet."""
    return {name: int(code, 16) for name, code in ICON_RULE.findall(css_text)}


def used_icons(root: Path, known):
    """Icon names the templates and scripts use: ``bi-NAME`` literally, or a quoted NAME passed to a
    macro that prefixes ``bi-`` (nav items, dashboard tiles)."""
    used = set()
    files = [*root.joinpath("templates").rglob("*.html"), *root.joinpath("static", "js").glob("*.js")]
    for f in files:
        text = f.read_text(encoding="utf-8")
        used.update(n for n in NAME_USE.findall(text) if n in known)
        if "bi-{{" in text or "bi-' ~" in text:
            used.update(n for n in QUOTED.findall(text) if n in known)
    return used


def subset_icons(static: Path, root: Path):
    """Write icons.css and fonts/icons-subset.woff2 with only the used icons; returns their names."""
    from fontTools import subset

    full_css = (static / ICONS_DIR / "bootstrap-icons.min.css").read_text(encoding="utf-8")
    table = icon_table(full_css)
    names = sorted(used_icons(root, table))
    font_out = static / ICON_FONT_DIR / "icons-subset.woff2"
    opts = subset.Options()
    opts.flavor = "woff2"
    opts.layout_features = ["*"]
    font = subset.load_font(str(static / ICON_FONT_DIR / "bootstrap-icons.woff2"), opts)
    sub = subset.Subsetter(opts)
    sub.populate(unicodes=[table[n] for n in names])
    sub.subset(font)
    subset.save_font(font, str(font_out), opts)
    version = hashlib.md5(font_out.read_bytes()).hexdigest()  # noqa: S324 -- a cache key, not security
    head = full_css[: full_css.index("}.bi-") + 1]  # licence, @font-face and the .bi base rule
    head = re.sub(r"src:url\([^}]*", f'src:url("fonts/icons-subset.woff2?{version}") format("woff2")', head)
    rules = "".join(f'.bi-{n}::before{{content:"\\{table[n]:x}"}}' for n in names)
    (static / ICONS_DIR / "icons.css").write_text(head + rules + "\n", encoding="utf-8")
    return names


@click.group("assets")
def assets_cli():
    """Static file tasks (hashing and compression: ``flask digest compile``)."""


@assets_cli.command("icons")
def icons_command():
    """Rebuild the icon subset from the icons the templates use."""
    from flask import current_app

    static = Path(current_app.static_folder)
    names = subset_icons(static, static.parent)
    click.echo(f"{len(names)} icons: {' '.join(names)}")
