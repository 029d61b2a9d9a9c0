"""Home page, error pages, headers, configuration."""

from matchmaker import create_app
from matchmaker.config import database_uri

from ..factories import make_user


def test_home_page_explains_platform(client):
    body = client.get("/").get_data(as_text=True)
    assert "技术需求" in body and "科技成果" in body and "技术经纪人" in body
    assert "合同金额（万元）" in body


def test_404_page_in_chinese(client):
    resp = client.get("/no-such-page")
    assert resp.status_code == 404
    assert "页面不存在" in resp.get_data(as_text=True)


def test_403_page_in_chinese(client, auth):
    auth.login("enterprise")
    resp = client.get("/admin/")
    assert resp.status_code == 403
    assert "无权访问" in resp.get_data(as_text=True)


def test_security_headers(client):
    resp = client.get("/")
    csp = resp.headers["Content-Security-Policy"]
    assert "script-src 'self'" in csp and "frame-ancestors 'none'" in csp
    assert resp.headers["X-Content-Type-Options"] == "nosniff"


def test_navigation_differs_by_role(client, auth):
    auth.login(make_user(role="admin"))
    assert "管理后台" in client.get("/dashboard").get_data(as_text=True)


def test_postgres_url_uses_psycopg3():
    assert database_uri("postgresql://u@h/db", "/x") == "postgresql+psycopg://u@h/db"
    assert database_uri(None, "/inst").startswith("sqlite:////inst/")


def test_secret_key_generated_once_into_instance(tmp_path, monkeypatch):
    monkeypatch.setenv("MATCHMAKER_INSTANCE_PATH", str(tmp_path))
    a = create_app({"SQLALCHEMY_DATABASE_URI": "sqlite://", "SECRET_KEY": None})
    b = create_app({"SQLALCHEMY_DATABASE_URI": "sqlite://", "SECRET_KEY": "dev"})
    assert a.config["SECRET_KEY"] == b.config["SECRET_KEY"]
    assert len(a.config["SECRET_KEY"]) == 64
    assert (tmp_path / "secret_key").read_text().strip() == a.config["SECRET_KEY"]


def test_env_prefix_configures_app(tmp_path, monkeypatch):
    monkeypatch.setenv("MATCHMAKER_INSTANCE_PATH", str(tmp_path))
    monkeypatch.setenv("MATCHMAKER_PER_PAGE", "7")
    app = create_app({"SQLALCHEMY_DATABASE_URI": "sqlite://"})
    assert app.config["PER_PAGE"] == 7


def test_my_listings_table_keeps_short_columns_on_one_line(client, auth):
    """On a phone 行业 and 五金锁具 were broken one character a line, and 发布需求 wrapped in its button."""
    from pathlib import Path

    auth.login(make_user(role="enterprise"))
    body = client.get("/needs/mine").get_data(as_text=True)
    assert "mm-mine-table" in body and 'class="btn btn-primary text-nowrap"' in body
    css = (Path(__file__).parents[2] / "static" / "css" / "app.css").read_text(encoding="utf-8")
    assert ".mm-mine-table th, .mm-mine-table td:not(:first-child) { white-space: nowrap; }" in css


def test_phone_tables_scroll_instead_of_squeezing_columns_to_one_character():
    """账号管理 on a phone: 单位 and 角色 one character a line, 停用/重置密码 cut at the screen's edge."""
    from pathlib import Path

    css = (Path(__file__).parents[2] / "static" / "css" / "app.css").read_text(encoding="utf-8")
    phone = css[css.index("@media (max-width: 575.98px) {\n  .table-responsive") :]
    assert ".table-responsive > .table td { min-width: 4.5em; }" in phone
    assert ".table-responsive > .table td .btn { white-space: nowrap; }" in phone


def test_renew_date_box_has_a_visible_label(client, auth):
    """The owner's need page showed a bare date box before 续期: nothing said what the date was for."""
    from ..factories import make_need

    ent = make_user(role="enterprise")
    need = make_need(user=ent)
    auth.login(ent)
    body = client.get(f"/needs/{need.id}").get_data(as_text=True)
    assert '<label class="small text-nowrap" for="renew-until">有效期延至</label>' in body
    assert 'id="renew-until" name="valid_until"' in body
