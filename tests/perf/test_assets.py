"""Static files: hashed names, compressed variants, immutable cache, the icon subset, ECharts only on chart pages."""

import re
from pathlib import Path

from flask_static_digest.digester import compile as digest_compile
from werkzeug.test import Client

from matchmaker.assets import StaticFiles, icon_table, is_immutable, used_icons

ROOT = Path(__file__).resolve().parents[2]


def test_every_icon_the_templates_use_is_in_the_subset():
    """A template naming an icon the subset lacks fails here: run `flask assets icons`."""
    full = icon_table((ROOT / "static/vendor/bootstrap-icons/bootstrap-icons.min.css").read_text(encoding="utf-8"))
    subset = icon_table((ROOT / "static/vendor/bootstrap-icons/icons.css").read_text(encoding="utf-8"))
    missing = used_icons(ROOT, full) - set(subset)
    assert not missing, f"run `flask --app matchmaker assets icons`; missing: {sorted(missing)}"
    assert {"search", "bell", "lightbulb"} <= set(subset)


def test_hashed_files_are_immutable_for_a_year_and_sent_compressed(tmp_path):
    """A compiled file is served under its hashed name, brotli or gzip as accepted, cached a year."""
    (tmp_path / "css").mkdir()
    (tmp_path / "css" / "app.css").write_text("body{color:#123}" * 200)
    digest_compile(str(tmp_path) + "/", str(tmp_path) + "/", [], True, True)
    manifest = (tmp_path / "cache_manifest.json").read_text()
    hashed = re.search(r'"(css/app-[0-9a-f]{32}\.css)"', manifest).group(1)
    app = StaticFiles(lambda env, start: [], root=str(tmp_path), prefix="/static", max_age=0,
                      immutable_file_test=is_immutable)  # fmt: skip
    client = Client(app)

    def get(url, encoding=None):
        resp = client.get(url, headers={"Accept-Encoding": encoding} if encoding else {})
        resp.close()
        return resp

    resp = get(f"/static/{hashed}", "gzip, deflate, br")
    assert resp.status_code == 200
    assert resp.headers["Content-Encoding"] == "br"
    assert resp.headers["Cache-Control"] == "max-age=31536000, public, immutable"
    assert get(f"/static/{hashed}", "gzip").headers["Content-Encoding"] == "gzip"
    plain = get("/static/css/app.css")
    assert plain.headers["Cache-Control"] == "max-age=0, public" and "Content-Encoding" not in plain.headers


def test_pages_link_static_files_and_the_files_answer(client):
    """The list page's stylesheets and scripts are served (plain names in tests), none is ECharts."""
    body = client.get("/needs/").get_data(as_text=True)
    links = re.findall(r'(?:href|src)="(/static/[^"]+)"', body)
    assert "/static/vendor/bootstrap-icons/icons.css" in links
    assert not any("echarts" in link for link in links)
    for link in links:
        resp = client.get(link)
        assert resp.status_code == 200, link
        assert resp.headers["X-Content-Type-Options"] == "nosniff"
        resp.close()


def test_echarts_is_loaded_only_by_chart_pages():
    """ECharts (about 1 MB) is linked from the report page alone, never from the base layout."""
    users = [p.relative_to(ROOT / "templates").as_posix() for p in (ROOT / "templates").rglob("*.html")
             if "echarts" in p.read_text(encoding="utf-8")]  # fmt: skip
    assert users == ["reports/index.html"]


def test_plain_names_are_revalidated_unless_configured(make_app):
    """By default a plain static file is asked for again on each use; STATIC_MAX_AGE lets a browser keep it."""
    for config, expected in (({}, "max-age=0, public"), ({"STATIC_MAX_AGE": 3600}, "max-age=3600, public")):
        resp = make_app(**config).test_client().get("/static/css/app.css")
        assert resp.status_code == 200 and resp.headers["Cache-Control"] == expected
        resp.close()


def test_compiled_templates_are_shared_through_the_cache_folder(tmp_path):
    """A template compiled by one app is read back by the next (another worker, a restart) from the folder."""
    from matchmaker import create_app

    from ..conftest import _config

    folder = tmp_path / "templates"
    first = create_app(_config(tmp_path, TEMPLATE_CACHE_DIR=str(folder)))
    with first.app_context():
        first.jinja_env.get_template("listings/index.html")
    assert list(folder.iterdir()), "nothing was written to TEMPLATE_CACHE_DIR"
    second = create_app(_config(tmp_path, TEMPLATE_CACHE_DIR=str(folder)))
    cache, loaded = second.jinja_env.bytecode_cache, []
    original = cache.load_bytecode
    cache.load_bytecode = lambda bucket: (original(bucket), loaded.append(bucket.code is not None))[0]
    with second.app_context():
        second.jinja_env.get_template("listings/index.html")
    assert loaded and all(loaded)  # came compiled from the folder, not from its source
    assert create_app(_config(tmp_path, TEMPLATE_CACHE_DIR="")).jinja_env.bytecode_cache is None
