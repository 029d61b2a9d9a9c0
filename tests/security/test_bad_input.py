"""A bad-input sweep: huge integers in every GET route's path and query answer no 500 (issue 13)."""

import re

import pytest

from matchmaker.extensions import db
from matchmaker.utils.bounds import PAGE_MAX, clamp_page

from ..conftest import DB_URL, AuthActions, _truncate_all, build_app
from ..factories import make_need, make_result, make_user

HUGE = "99999999999999999999"  # above 2**63
QUERY = {k: HUGE for k in ("page", "year", "zone", "need_id", "result_id", "suggestion_id", "min", "max",
                           "result", "number", "from", "to", "per_page", "broker", "org", "id", "q")}  # fmt: skip
ROLES = ("admin", "broker", "enterprise", "researcher")


@pytest.fixture(scope="module")
def sweep(tmp_path_factory):
    """One app with a listing of each kind and a logged-in client per role."""
    app = build_app(tmp_path_factory.mktemp("sweep"))
    with app.app_context():
        clients = {}
        for role in ROLES:
            clients[role] = app.test_client()
            AuthActions(clients[role]).login(make_user(role=role))
        make_need(), make_result()
        yield app, clients
        db.session.remove()
        if DB_URL:
            _truncate_all()
            db.session.remove()
        db.engine.dispose()


def _get_urls(app):
    """Every GET route with its arguments filled: ints huge, other segments a plain word."""
    urls = []
    for rule in app.url_map.iter_rules():
        if "GET" not in rule.methods or rule.endpoint == "static":
            continue
        url = re.sub(r"<int:[^>]+>", HUGE, rule.rule)
        url = re.sub(r"<(?:path:)?[^>]+>", "x", url)
        urls.append(url)
    return sorted(set(urls))


def test_huge_integers_never_answer_500(sweep):
    """Every GET route, huge ints in path and query, as each role: no 5xx."""
    app, clients = sweep
    failures, total = [], 0
    query = "&".join(f"{k}={v}" for k, v in QUERY.items())
    for url in _get_urls(app):
        for role, client in clients.items():
            for variant in (
                url,
                f"{url}?{query}",
                f"{url}?{query.replace(HUGE, '2147483647')}",
                f"{url}?page=-5&year=abc",
            ):
                total += 1
                try:  # under TESTING an exception propagates instead of answering 500
                    status = client.get(variant).status_code
                except Exception as exc:
                    status = f"{type(exc).__name__}: {str(exc)[:80]}"
                if not isinstance(status, int) or status >= 500:
                    failures.append((role, variant, status))
                db.session.rollback()
    print(f"bad-input sweep: {total} GETs, {len(failures)} × 5xx")
    assert failures == [], "\n".join(map(str, failures))


def test_id_past_the_database_range_is_404(sweep):
    app, clients = sweep
    for url in ("/needs/99999999999999999999", "/results/2147483648", "/zones/99999999999999999999"):
        assert clients["admin"].get(url).status_code == 404, url
    assert clients["admin"].get("/needs/2147483647").status_code == 404


def test_page_numbers_are_clamped(sweep):
    app, clients = sweep
    assert [clamp_page(x) for x in ("", "abc", "-3", "0", "7", HUGE, "１２")] == [1, 1, 1, 1, 7, PAGE_MAX, 1]
    body = clients["enterprise"].get(f"/needs/?page={HUGE}").get_data(as_text=True)
    assert "测试技术需求" not in body  # past the last page: an empty page


def test_amount_filter_past_int_range_is_capped_not_dropped(client, auth):
    """?min=10000000000 (万元) finds what the largest amount a listing holds finds: nothing here, not every listing."""
    make_need(title="小额需求甲", budget_wan=50)
    make_result(title="小额成果乙", price_wan=80)
    auth.login("enterprise")
    for url, title in (("/needs/", "小额需求甲"), ("/results/", "小额成果乙")):
        assert title in client.get(url).get_data(as_text=True)
        assert title not in client.get(f"{url}?min=10000000000").get_data(as_text=True), url
        assert title in client.get(f"{url}?max=10000000000").get_data(as_text=True), url


def test_search_boxes_keep_long_numbers(client, auth):
    """A phone or number typed into an event's search boxes or the certificate check is searched, not dropped."""
    body = client.get("/training/verify?number=20260000012345").get_data(as_text=True)
    assert "未找到编号为“20260000012345”的证书" in body


def test_an_id_filter_past_int_range_finds_nothing_not_everything(client, auth):
    """?zone=99999999999 (no such zone) lists what ?zone=2147483647 lists: nothing; it was dropped and the
    list shown unfiltered. The same for the contracts page's broker filter."""
    from ..factories import make_contract

    make_need(title="未归专区需求")
    make_contract(title="某经纪人的合同")
    auth.login("admin")
    assert "未归专区需求" in client.get("/needs/").get_data(as_text=True)
    assert "未归专区需求" not in client.get("/needs/?zone=99999999999").get_data(as_text=True)
    assert "某经纪人的合同" in client.get("/contracts/").get_data(as_text=True)
    assert "某经纪人的合同" not in client.get("/contracts/?broker=99999999999").get_data(as_text=True)
