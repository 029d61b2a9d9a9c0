"""The API's resources: same rules as the pages (confidentiality, ownership), cursor pages, bounds, reports."""

import json
import re
from datetime import date, datetime
from decimal import Decimal

import pytest

from matchmaker.extensions import db
from matchmaker.models import AuditLog
from matchmaker.utils.money import format_wan

from ..factories import make_contract, make_org, make_signing_document, make_suggestion, make_user
from ..needs.helpers import need, result
from ..reports.test_reports import _page_wan_cells
from ..sql import page_id_reads
from .conftest import token_for

# The confidential need ------------------------------------------------------------------------

SECRET = {
    "problem": "电解液配方中的六氟磷酸锂替代方案保密内容",
    "indicators": "低温放电容量保持率达到百分之九十二",
    "conditions": "现有两条涂布产线保密",
    "keywords": "电解液,低温电池",
    "contact_name": "保密联系人",
    "contact_phone": "13912345678",
    "contact_email": "secret@corp.cn",
    "field": "保密技术领域",
    "town": "保密测试镇",
}
HIDDEN = list(SECRET.values()) + ["隐秘新能源有限公司", "3712500", "低温电池", "六氟磷酸锂"]


@pytest.fixture
def secret_need(app):
    org = make_org("enterprise", name="隐秘新能源有限公司")
    owner = make_user("enterprise", org=org)
    n = need(user=owner, title="低温锂电池电解液改进需求", summary="寻求低温性能更好的电解液方案",
             confidentiality="summary", industry="新能源", budget_wan=Decimal("371.25"), coop_mode="development",
             **SECRET)  # fmt: skip
    return n, owner


def _urls(n):
    return [
        "/api/v1/needs", f"/api/v1/needs/{n.id}", "/api/v1/needs?q=电解液", "/api/v1/needs?q=低温锂电池",
        "/api/v1/needs?industry=新能源", "/api/v1/needs?town=保密测试镇", "/api/v1/needs?field=保密技术领域",
        "/api/v1/needs?min_amount=3000000", "/api/v1/needs?max_amount=4000000", "/api/v1/needs?coop_mode=development",
        "/api/v1/needs?sort=amount_desc", "/api/v1/needs?sort=amount_asc", "/api/v1/zones",
    ]  # fmt: skip


@pytest.mark.parametrize("role", ["enterprise", "researcher"])
def test_confidential_need_hides_its_fields_from_others(api, secret_need, role):
    """Another enterprise or a researcher: title, industry and summary only, whatever they ask."""
    n, _ = secret_need
    raw = token_for(role)
    for url in _urls(n):
        resp = api.get(url, raw)
        assert resp.status_code == 200, url
        text = json.dumps(resp.get_json(), ensure_ascii=False)
        for value in HIDDEN:
            assert value not in text, (url, value)
    body = api.get(f"/api/v1/needs/{n.id}", raw).get_json()
    assert body == {
        "id": n.id, "url": f"http://localhost/needs/{n.id}", "title": "低温锂电池电解液改进需求", "industry": "新能源",
        "summary": "寻求低温性能更好的电解液方案", "confidentiality": "summary", "restricted": True,
    }  # fmt: skip
    # Filters on hidden fields do not find it (as on the page); the title search does.
    ids = lambda url: [i["id"] for i in api.get(url, raw).get_json()["items"]]  # noqa: E731
    assert n.id in ids("/api/v1/needs?q=低温锂电池") and n.id not in ids("/api/v1/needs?town=保密测试镇")


@pytest.mark.parametrize("who", ["owner", "broker", "admin"])
def test_owner_and_staff_see_everything(api, secret_need, who):
    """Owner, brokers and admins get every field, contacts on the detail; staff views are audited."""
    n, owner = secret_need
    user = owner if who == "owner" else make_user(who)
    body = api.get(f"/api/v1/needs/{n.id}", token_for(user)).get_json()
    assert body["restricted"] is False and body["problem"] == SECRET["problem"]
    assert body["budget"] == "3712500.00" and body["organization"]["name"] == "隐秘新能源有限公司"
    assert body["contacts"]["phone"] == "13912345678"
    audited = db.session.scalar(db.select(AuditLog).filter_by(entity="tech_need", entity_id=n.id, actor_id=user.id))
    assert (audited is not None) == (who != "owner")


@pytest.mark.parametrize("how", ["api", "page"])
def test_a_staff_read_of_a_listing_past_its_date_expires_and_audits_in_one_commit(api, client, auth, secret_need, how):
    """A broker opening a summary-only need past its validity: it is expired, its owner told, and the broker's view
    of its contacts and details audited, in one transaction (the API's detail and the page committed twice: a failure
    between the two left an expiry without the audit row of the read that caused it)."""
    import traceback

    from sqlalchemy import event
    from sqlalchemy.orm import Session

    n, owner = secret_need
    n.valid_until = date(2020, 1, 1)
    db.session.commit()
    broker = make_user("broker")
    commits = []

    def listen(session):  # the request's own commits: jobs run after them (inline here) commit on their own
        frames = [f for f in traceback.extract_stack() if "/matchmaker/" in f.filename]
        if frames and frames[-1].filename.endswith(("listings/services.py", "listings/views.py", "api/listings.py")):
            commits.append(frames[-1].name)

    if how == "page":
        auth.login(broker)
    event.listen(Session, "after_commit", listen)
    try:
        if how == "api":
            resp = api.get(f"/api/v1/needs/{n.id}", token_for(broker))
            assert resp.status_code == 200 and resp.get_json()["contacts"]["phone"] == "13912345678"
        else:
            resp = client.get(f"/needs/{n.id}")
            assert resp.status_code == 200 and "13912345678" in resp.get_data(as_text=True)
    finally:
        event.remove(Session, "after_commit", listen)
    assert commits == ["open_listing"]
    db.session.expire_all()
    assert db.session.get(type(n), n.id).status == "expired"
    rows = db.session.scalars(db.select(AuditLog).filter_by(actor_id=broker.id, action="view")).all()
    assert [r.after for r in rows] == [{"fields": ["contacts", "details"]}]


@pytest.mark.parametrize("who", ["owner", "broker", "admin"])
def test_staff_reading_confidential_details_in_a_list_are_audited(api, secret_need, who):
    """The list gives staff a summary-only need's problem, indicators and conditions (the page's list does not,
    its detail does and is audited): each such read is audited as on the detail page, one commit per page."""
    n, owner = secret_need
    public = need(title="公开的需求", summary="公开摘要")
    user = owner if who == "owner" else make_user(who)
    items = {i["id"]: i for i in api.get("/api/v1/needs", token_for(user)).get_json()["items"]}
    assert items[n.id]["problem"] == SECRET["problem"] and public.id in items
    rows = db.session.scalars(db.select(AuditLog).filter_by(actor_id=user.id, action="view")).all()
    assert [(r.entity, r.entity_id, r.after) for r in rows] == (
        [] if who == "owner" else [("tech_need", n.id, {"fields": ["details"]})]
    )
    assert db.session.scalar(db.select(db.func.count(AuditLog.id)).filter_by(entity_id=public.id, action="view")) == 0


def test_introduced_researcher_sees_the_confidential_need(api, secret_need):
    """The counterpart of an introduced pair is entitled, as on the page."""
    n, _ = secret_need
    researcher = make_user("researcher")
    make_suggestion(need=n, result=result(user=researcher), status="introduced")
    body = api.get(f"/api/v1/needs/{n.id}", token_for(researcher)).get_json()
    assert body["restricted"] is False and body["contacts"]["name"] == "保密联系人"


def test_unpublished_listing_is_404_for_others_but_not_owner(api):
    owner = make_user("enterprise")
    draft = need(user=owner, status="draft", title="草稿需求")
    assert api.get(f"/api/v1/needs/{draft.id}", token_for("enterprise")).status_code == 404
    assert api.get(f"/api/v1/needs/{draft.id}", token_for(owner)).get_json()["status"] == "draft"
    assert api.get(f"/api/v1/needs/{draft.id}", token_for("broker")).status_code == 200


@pytest.mark.parametrize("kind", ["needs", "results"])
def test_a_status_filter_the_caller_may_not_use_is_refused_not_ignored(api, kind):
    """status=closed from an enterprise token: 422 on status (the page's query drops the filter, and the API
    answered with the live list as if it were the closed one); staff get the closed ones, anyone the live statuses."""
    make = need if kind == "needs" else result
    live, closed = make(title="有效的条目"), make(title="已关闭的条目", status="closed")
    for role in ("enterprise", "researcher"):
        resp = api.get(f"/api/v1/{kind}?status=closed", token_for(role))
        problem = resp.get_json()
        assert resp.status_code == 422 and list(problem["errors"]) == ["status"], problem
        assert re.search(r"[\u4e00-\u9fff]", problem["errors"]["status"][0])
        ids = [i["id"] for i in api.get(f"/api/v1/{kind}?status=published", token_for(role)).get_json()["items"]]
        assert ids == [live.id]
    ids = [i["id"] for i in api.get(f"/api/v1/{kind}?status=closed", token_for("broker")).get_json()["items"]]
    assert ids == [closed.id]


def test_an_ended_listing_is_open_to_its_introduced_counterpart_as_on_the_page(api, client, auth):
    """A need solved after its pair was introduced: the researcher's page shows it, so the API does too;
    a stranger gets 404 (the page's 410 says no more than that)."""
    researcher = make_user("researcher")
    n = need(title="已解决的需求")
    make_suggestion(need=n, result=result(user=researcher), status="introduced")
    n.status = "solved"
    db.session.commit()
    auth.login(researcher)
    assert client.get(f"/needs/{n.id}").status_code == 200  # the page
    body = api.get(f"/api/v1/needs/{n.id}", token_for(researcher)).get_json()
    assert body.get("id") == n.id and body["status"] == "solved", body
    assert api.get(f"/api/v1/needs/{n.id}", token_for("researcher")).status_code == 404


# Pages and bounds -----------------------------------------------------------------------------


def test_cursor_walks_every_listing_once(api, app):
    """limit=2 over 5 results: three pages, every id once, in the page's order (newest first)."""
    made = [result(title=f"成果{i}") for i in range(5)]
    raw = token_for("enterprise")
    seen, cursor, pages = [], None, 0
    while True:
        body = api.get("/api/v1/results?limit=2" + (f"&cursor={cursor}" if cursor else ""), raw).get_json()
        seen += [i["id"] for i in body["items"]]
        pages += 1
        cursor = body["next_cursor"]
        if not cursor:
            break
    assert pages == 3 and sorted(seen) == sorted(r.id for r in made) and len(seen) == 5
    assert seen == [r.id for r in sorted(made, key=lambda r: (r.published_at, r.id), reverse=True)]
    item = api.get("/api/v1/results?limit=1", raw).get_json()["items"][0]
    assert item["published_at"].endswith("Z") and re.fullmatch(r"\d{4}-\d\d-\d\d", item["valid_until"])


def test_a_newest_first_page_seeks_to_the_listing_after_the_last_one_shown(api, app):
    """Page 2 of /results (newest first) is bounded by the row (published_at, id) of page 1's last listing, which
    PostgreSQL seeks to in ix_result_recent; as ``published_at < t OR (published_at = t AND id < i)`` it read that
    index from the newest listing on and filtered out every one before the cursor (80,648 rows at offset 50,000 of
    100,000 needs). Listings published at one moment (an import) are each shown once."""
    from matchmaker.models import Result

    made = [result(title=f"成果{i}") for i in range(5)]
    db.session.execute(db.update(Result).values(published_at=datetime(2026, 6, 1, 9, 0)))
    db.session.commit()
    raw = token_for("enterprise")
    body = api.get("/api/v1/results?limit=2", raw).get_json()
    seen = [i["id"] for i in body["items"]]
    with page_id_reads("result") as reads:
        body = api.get(f"/api/v1/results?limit=2&cursor={body['next_cursor']}", raw).get_json()
    seen += [i["id"] for i in body["items"]]
    seen += [i["id"] for i in api.get(f"/api/v1/results?limit=2&cursor={body['next_cursor']}", raw).get_json()["items"]]
    assert seen == sorted((r.id for r in made), reverse=True)
    if db.engine.dialect.name == "sqlite":  # it seeks a row value on published_at only: the moment's rest first
        assert any("result.published_at = ? AND result.id < ?" in sql for sql, _ in reads), reads
    else:
        bounded = [(sql, params) for sql, params in reads if "(result.published_at, result.id) <" in sql]
        assert bounded, reads
        with db.engine.connect() as conn:
            conn.exec_driver_sql("SET enable_seqscan = off")  # five rows: the plan of 100,000
            conn.exec_driver_sql("SET enable_sort = off")
            plan = [r[0] for r in conn.exec_driver_sql("EXPLAIN " + bounded[0][0], bounded[0][1])]
        assert any("Index Cond" in line and "ROW(published_at, id)" in line for line in plan), plan


def test_cursor_is_tamper_proof_and_bound_to_its_filters(api, app):
    for i in range(3):
        result(title=f"成果{i}", town="甲镇")
    raw = token_for("enterprise")
    cursor = api.get("/api/v1/results?limit=1&town=甲镇", raw).get_json()["next_cursor"]
    assert api.get(f"/api/v1/results?limit=1&town=甲镇&cursor={cursor}", raw).status_code == 200
    for url in (f"/api/v1/results?limit=1&town=乙镇&cursor={cursor}", f"/api/v1/needs?limit=1&town=甲镇&cursor={cursor}",
                f"/api/v1/results?town=甲镇&cursor={cursor[:-2]}xx", "/api/v1/results?cursor=eyJvIjogMTB9"):  # fmt: skip
        body = api.get(url, raw).get_json()
        assert body["status"] == 400 and body["code"] == "invalid_cursor", url


@pytest.mark.parametrize("url", [
    "/api/v1/needs?limit=0", "/api/v1/needs?limit=101", "/api/v1/needs?limit=99999999999999999999999",
    "/api/v1/needs?limit=-1", "/api/v1/needs?limit=abc", "/api/v1/needs?zone=99999999999999999999",
    "/api/v1/needs?zone=999999999999",
    "/api/v1/needs?zone=0", "/api/v1/results?min_amount=1e400", "/api/v1/results?min_amount=NaN",
    "/api/v1/results?max_amount=-5", "/api/v1/needs?status=draft", "/api/v1/needs?sort=evil",
    "/api/v1/needs?q=" + "长" * 101, "/api/v1/contracts?from=2020-02-30", "/api/v1/contracts?broker=2147483648",
    "/api/v1/reports?from=99999-01-01", "/api/v1/organizations?kind=x",
    # misspelt or unknown arguments: refused, never ignored (which would answer with the unfiltered list)
    "/api/v1/needs?min_budget=5000000", "/api/v1/results?maturty=pilot", "/api/v1/contracts?signed_from=2020-01-01",
    "/api/v1/reports?start=2020-01-01", "/api/v1/organizations?name=大学", "/api/v1/suggestions?broker=1",
])  # fmt: skip
def test_bad_arguments_are_422_with_chinese_messages(api, url):
    """Out-of-range and malformed arguments: 422 validation_error naming the argument, never a 5xx."""
    resp = api.get(url, token_for("admin"))
    body = resp.get_json()
    assert resp.status_code == 422 and body["code"] == "validation_error", (url, body)
    assert body["errors"] and all(re.search(r"[\u4e00-\u9fff]", m) for ms in body["errors"].values() for m in ms)


@pytest.mark.parametrize("path", ["needs", "results", "contracts", "organizations", "zones"])
@pytest.mark.parametrize("ident", ["0", "2147483648", "99999999999999999999999999999"])
def test_huge_and_zero_ids_are_404(api, path, ident):
    resp = api.get(f"/api/v1/{path}/{ident}", token_for("admin"))
    assert resp.status_code == 404 and resp.mimetype == "application/problem+json"


def test_unknown_url_and_method_are_problem_json(api):
    raw = token_for("admin")
    assert api.get("/api/v1/nothing-here", raw).get_json()["code"] == "not_found"
    resp = api.post("/api/v1/needs", raw)
    assert (
        resp.status_code == 405 and resp.get_json()["code"] == "method_not_allowed" and "GET" in resp.headers["Allow"]
    )


# Contracts and the online-signing state -------------------------------------------------------


def test_contracts_show_signing_state_and_follow_the_pages_visibility(api, app):
    """Brokers see their own contracts only (others 404); signed-online and awaiting ones say so."""
    broker, other = make_user("broker"), make_user("broker")
    recorded = make_contract(broker_id=broker.id, amount="5132900.00", transaction_amount="5000000.00")
    signed = make_contract(broker_id=broker.id, amount="0.01")
    waiting = make_contract(broker_id=broker.id)
    ent, res = make_user("enterprise", org=signed.buyer), make_user("researcher", org=signed.seller)
    make_signing_document(signed, ent, res, status="signed")
    make_signing_document(
        waiting, make_user("enterprise", org=waiting.buyer), make_user("researcher", org=waiting.seller)
    )
    raw = token_for(broker)
    items = {c["id"]: c for c in api.get("/api/v1/contracts", raw).get_json()["items"]}
    assert {k: v["signing"] for k, v in items.items()} == {
        recorded.id: "recorded",
        signed.id: "signed_online",
        waiting.id: "awaiting_signatures",
    }
    assert items[recorded.id]["amount"] == "5132900.00" and items[recorded.id]["transaction_amount"] == "5000000.00"
    assert items[signed.id]["amount"] == "0.01" and items[recorded.id]["signed_on"] == "2020-06-30"
    only = api.get("/api/v1/contracts?signing=signed_online", raw).get_json()["items"]
    assert [c["id"] for c in only] == [signed.id]
    assert api.get(f"/api/v1/contracts/{recorded.id}", token_for(other)).status_code == 404
    assert api.get("/api/v1/contracts", token_for(other)).get_json()["items"] == []
    assert len(api.get("/api/v1/contracts", token_for("admin")).get_json()["items"]) == 3


def test_the_broker_filter_is_refused_to_brokers_not_ignored(api, app):
    """broker= is the admins' filter: a broker's token got its own contracts back as if they were the other's."""
    broker, other = make_user("broker"), make_user("broker")
    mine, theirs = make_contract(broker_id=broker.id), make_contract(broker_id=other.id)
    resp = api.get(f"/api/v1/contracts?broker={other.id}", token_for(broker))
    problem = resp.get_json()
    assert resp.status_code == 422 and list(problem["errors"]) == ["broker"], problem
    assert [c["id"] for c in api.get("/api/v1/contracts", token_for(broker)).get_json()["items"]] == [mine.id]
    items = api.get(f"/api/v1/contracts?broker={other.id}", token_for("admin")).get_json()["items"]
    assert [c["id"] for c in items] == [theirs.id]


@pytest.mark.parametrize(("q", "expected"), [("%", ["percent"]), ("_", ["underscore"]), ("HT_X", ["underscore"]),
                                             ("100%国产", ["percent"]), ("储能", ["plain", "percent"])])  # fmt: skip
def test_contract_search_takes_percent_and_underscore_literally(api, app, q, expected):
    """q is "contains" (as documented): % and _ are characters to find, not LIKE wildcards matching every contract."""
    made = {
        "plain": make_contract(title="储能电池热管理技术开发合同", contract_no="HT-X-1"),
        "percent": make_contract(title="储能材料100%国产化合同", contract_no="HT-X-2"),
        "underscore": make_contract(title="电机控制器技术服务合同", contract_no="HT_X_3"),
    }
    items = api.get("/api/v1/contracts", token_for("admin"), query_string={"q": q}).get_json()["items"]
    assert sorted(c["id"] for c in items) == sorted(made[k].id for k in expected), q


# Reports: the page's figures ------------------------------------------------------------------


def test_report_equals_the_page_to_the_cent(api, client, auth):
    """The API's headline texts equal the page's; every amount in yuan rounds to the page's 万元 cell."""
    make_contract(amount="5132900.00", transaction_amount="5000000.00", type="transfer")
    make_contract(amount="0.01", type="service", signed_on=date(2020, 11, 5))
    make_contract(amount="999999999900.00", type="service", channel="offline")
    make_contract(amount="123.45", type="license", voided=True)
    admin = auth.login("admin")
    html = client.get("/reports/?from=2020-01-01&to=2020-12-31").get_data(as_text=True)
    body = api.get("/api/v1/reports?from=2020-01-01&to=2020-12-31", token_for(admin)).get_json()
    assert body["headline"]["text"] == "平台线上签订技术交易合同 2 项，合同金额 513.29 万元"
    for key in ("headline", "headline_signed", "headline_all"):
        assert body[key]["text"] in html
    assert body["headline"]["amount"] == "5132900.01" and body["headline_all"]["amount"] == "1000005132800.01"
    tables = {t["key"]: t for t in body["tables"]}
    for key in ("by_type", "by_channel", "by_month", "by_signing"):
        api_cells = [Decimal(format_wan(Decimal(r[c])).replace(",", ""))
                     for r in tables[key]["rows"] + [tables[key]["total"]] for c in ("amount", "transaction_amount")]  # fmt: skip
        page_cells = _page_wan_cells(html, key)
        assert sorted(api_cells) == sorted(page_cells), key
    by_type = {r["name"]: r for r in tables["by_type"]["rows"]}
    assert by_type["技术服务"]["amount"] == "999999999900.01" and by_type["技术服务"]["count"] == 2


@pytest.mark.parametrize("period, expected", [("from=0001-01-01&to=0030-01-01", 0), ("from=9990-03-03&to=9999-12-31", 1),
                                              ("from=9999-12-05&to=9999-12-30", 0)])  # fmt: skip
def test_report_at_the_calendars_ends_is_answered(api, period, expected):
    """A period starting on the calendar's first day or ending in its last month is a report, not a 500."""
    make_contract(amount="100.00", signed_on=date(9999, 12, 31))  # the calendar's last day
    resp = api.get(f"/api/v1/reports?{period}", token_for("admin"))
    assert resp.status_code == 200, resp.get_data(as_text=True)
    assert resp.get_json()["headline_all"]["count"] == expected


def test_report_bad_period_is_400_in_chinese(api):
    body = api.get("/api/v1/reports?from=2021-01-01&to=2020-01-01", token_for("admin")).get_json()
    assert body["status"] == 400 and body["code"] == "invalid_period" and "开始日期不能晚于结束日期" in body["detail"]


def test_organizations_and_zones(api):
    org = make_org("university", name="某某大学")
    raw = token_for("admin")
    items = api.get("/api/v1/organizations?kind=university", raw).get_json()["items"]
    assert [o["name"] for o in items] == ["某某大学"]
    assert api.get(f"/api/v1/organizations/{org.id}", raw).get_json()["kind"] == "university"
    assert api.get("/api/v1/zones", token_for("enterprise")).get_json() == []


@pytest.mark.parametrize("url", [
    "/api/v1/needs?q=%00", "/api/v1/needs?industry=a%00b", "/api/v1/results?town=%1b", "/api/v1/contracts?q=%00",
    "/api/v1/organizations?q=%00", "/api/v1/suggestions?q=%7f", "/api/v1/needs?cursor=%00",
])  # fmt: skip
def test_control_characters_are_422_not_a_database_error(api, url):
    """NUL (which PostgreSQL refuses in text) and other control characters never reach a query."""
    body = api.get(url, token_for("admin")).get_json()  # NUL: 400 for the whole site; others: the argument's 422
    assert (body["status"], body["code"]) in ((400, "bad_request"), (422, "validation_error")), (url, body)


@pytest.mark.parametrize("url", ["/api/v1/needs?zone=1&zone=2", "/api/v1/results?limit=1&limit=2",
                                 "/api/v1/contracts?from=2020-01-01&from=2021-01-01", "/api/v1/suggestions?q=a&q=b"])  # fmt: skip
def test_an_argument_given_twice_is_refused_not_half_read(api, url):
    """?zone=1&zone=2 was read as zone=1 alone, the answer passing for the list filtered by both: 422, named."""
    resp = api.get(url, token_for("admin"))
    body = resp.get_json()
    name = url.split("?")[1].split("=")[0]
    assert resp.status_code == 422 and body["errors"] == {name: ["此参数只能出现一次"]}, body


def _walk(api, url, raw, between=None):
    """Every id of a list read two at a time; ``between()`` runs after the first page."""
    seen, cursor = [], None
    while True:
        body = api.get(url + (f"&cursor={cursor}" if cursor else ""), raw).get_json()
        seen += [i["id"] for i in body["items"]]
        if between is not None and cursor is None:
            between()
        cursor = body["next_cursor"]
        if not cursor:
            return seen


def test_a_contract_voided_between_two_pages_does_not_hide_the_next_one(api, app):
    """A client syncing /contracts two at a time: the first page's contract voided meanwhile moved every later one
    up a place, and the second page (read at offset 2) skipped one that was never shown."""
    made = [make_contract(signed_on=date(2020, 6, d)) for d in (1, 2, 2, 3, 5)]
    order = [c.id for c in sorted(made, key=lambda c: (c.signed_on, c.id), reverse=True)]

    def void_the_first():
        db.session.get(type(made[0]), order[0]).voided = True
        db.session.commit()

    assert _walk(api, "/api/v1/contracts?limit=2", token_for("admin"), void_the_first) == order


def test_a_contracts_page_starts_at_one_row_value_bound(api, app):
    """The next contracts' page seeks past a day's ties instead of filtering them one by one: (signed_on, id) as one
    row value on PostgreSQL, on SQLite (which seeks a row value on signed_on only) the rest of the day, then the days
    before; every contract still comes once, in order."""
    made = [make_contract(signed_on=date(2020, 6, d)) for d in (1, 2, 2, 2, 3)]
    raw = token_for("admin")
    body = api.get("/api/v1/contracts?limit=2", raw).get_json()
    seen = [i["id"] for i in body["items"]]
    with page_id_reads("contract") as reads:
        body = api.get(f"/api/v1/contracts?limit=2&cursor={body['next_cursor']}", raw).get_json()
    seen += [i["id"] for i in body["items"]]
    nxt = api.get(f"/api/v1/contracts?limit=2&cursor={body['next_cursor']}", raw).get_json()
    seen += [i["id"] for i in nxt["items"]]
    assert seen == [c.id for c in sorted(made, key=lambda c: (c.signed_on, c.id), reverse=True)]
    if db.engine.dialect.name == "sqlite":  # it seeks a row value on its first column only: two seeks
        assert any("contract.signed_on = ? AND contract.id < ?" in sql for sql, _ in reads), reads
        assert any("contract.signed_on < ?" in sql and "contract.id <" not in sql for sql, _ in reads), reads
    else:
        assert any("(contract.signed_on, contract.id) <" in sql for sql, _ in reads), reads


def test_an_organisation_removed_between_two_pages_does_not_hide_the_next_one(api, app):
    """The same for /organizations (in id order): one of the first page's leaves the filter (renamed)."""
    made = [make_org("enterprise", name=f"同步测试公司{i}") for i in range(5)]

    def rename_the_first():
        made[0].name = "改名后的单位"
        db.session.commit()

    seen = _walk(api, "/api/v1/organizations?limit=2&q=同步测试", token_for("admin"), rename_the_first)
    assert seen == [o.id for o in made]


@pytest.mark.parametrize("kind", ["needs", "results"])
def test_an_amount_range_typed_the_wrong_way_round_is_refused_not_empty(api, client, auth, kind):
    """min above max: the API answers 422 naming max_amount, the page says why it is empty (it was an empty list
    that passed for "nothing in this range")."""
    resp = api.get(f"/api/v1/{kind}?min_amount=5000000&max_amount=1000000", token_for("admin"))
    assert resp.status_code == 422 and resp.get_json()["errors"] == {"max_amount": ["不能小于 min_amount"]}
    assert api.get(f"/api/v1/{kind}?min_amount=1000000&max_amount=1000000", token_for("admin")).status_code == 200
    auth.login("enterprise")
    assert "最低金额高于最高金额" in client.get(f"/{kind}/?min=500&max=100").get_data(as_text=True)
    assert "最低金额高于最高金额" not in client.get(f"/{kind}/?min=100&max=100").get_data(as_text=True)


def test_a_signing_period_typed_the_wrong_way_round_is_refused_not_empty(api, app):
    """/contracts?from=…&to=… with from after to: 422 naming to, as the report's reversed period is refused."""
    make_contract(signed_on=date(2020, 6, 30))
    raw = token_for("admin")
    resp = api.get("/api/v1/contracts?from=2020-12-31&to=2020-01-01", raw)
    assert resp.status_code == 422 and resp.get_json()["errors"] == {"to": ["不能早于 from"]}
    assert len(api.get("/api/v1/contracts?from=2020-06-30&to=2020-06-30", raw).get_json()["items"]) == 1


@pytest.mark.parametrize("query", ["", "&q=储能&sort=new", "&sort=new&town=甲镇"])
def test_a_listing_closed_between_two_pages_does_not_hide_the_next_one(api, app, query):
    """/results newest first, two at a time: the first page's result closed meanwhile no longer makes the second
    page skip one; the same with a search or a filter in that order."""
    from datetime import datetime

    # two pairs share a publishing time: the id orders them
    made = [
        result(title=f"储能成果{i}", keywords="储能", town="甲镇", published_at=datetime(2020, 1, 1 + i // 2))
        for i in range(5)
    ]
    order = [r.id for r in sorted(made, key=lambda r: (r.published_at, r.id), reverse=True)]

    def close_the_first():
        next(r for r in made if r.id == order[0]).status = "closed"
        db.session.commit()

    assert _walk(api, f"/api/v1/results?limit=2{query}", token_for("enterprise"), close_the_first) == order


LADDER = [None, 100, 100, 250, None, 100, 7]  # ties within a page and across pages, NULLs (面议, no end date)


@pytest.mark.parametrize("query", ["", "&q=排序测试"])
@pytest.mark.parametrize("kind", ["needs", "results"])
@pytest.mark.parametrize("sort", ["amount_desc", "amount_asc", "deadline"])
def test_a_listing_closed_between_two_pages_of_an_amount_or_deadline_order_hides_none(api, app, kind, sort, query):
    """By amount or deadline, two at a time: the first page's listing closed meanwhile made the second page (read
    at offset 2) skip one. Ties run across pages; NULLs come last in SQLite and PostgreSQL alike; with a search
    too."""
    from datetime import timedelta

    from matchmaker.utils import clock

    make, column = (need, "budget_wan") if kind == "needs" else (result, "price_wan")

    def listing(i, v):  # the same rank by amount and by deadline
        if v is None:
            return make(title=f"排序测试{i}", **{column: None, "valid_until": None})
        return make(title=f"排序测试{i}", **{column: Decimal(v), "valid_until": clock.today() + timedelta(days=v)})

    made = [listing(i, v) for i, v in enumerate(LADDER)]
    value = (lambda r: getattr(r, column)) if sort != "deadline" else (lambda r: r.valid_until)
    sign = -1 if sort == "amount_desc" else 1
    order = [r.id for r in sorted(made, key=lambda r: _ladder_key(value(r), sign, r.id))]

    def close_the_first():
        next(r for r in made if r.id == order[0]).status = "closed"
        db.session.commit()

    url = f"/api/v1/{kind}?limit=2&sort={sort}{query}"
    assert _walk(api, url, token_for("admin")) == order
    assert _walk(api, url, token_for("admin"), close_the_first) == order


def _ladder_key(v, sign, ident):
    """(NULLs last, the value in the order's direction, id descending)."""
    if v is None:
        return (True, 0, -ident)
    days = (v - date.today()).days if isinstance(v, date) else v
    return (False, sign * days, -ident)


def test_an_amount_cursor_does_not_carry_a_hidden_budget(api, app):
    """A summary-only need's budget orders the list as NULL for outsiders (listings.queries): the cursor after it,
    readable base64, names no budget either; staff, who see it, get it in theirs."""
    from itsdangerous import URLSafeSerializer

    plain = need(title="面议需求")
    secret = need(title="保密预算需求", confidentiality="summary", budget_wan=Decimal("371.25"))
    keys = lambda c: URLSafeSerializer(app.config["SECRET_KEY"], salt="api-cursor").loads(c)["k"]  # noqa: E731
    page = api.get("/api/v1/needs?limit=1&sort=amount_desc", token_for("enterprise")).get_json()
    assert [i["id"] for i in page["items"]] == [secret.id] and keys(page["next_cursor"]) == [None, secret.id]
    page = api.get("/api/v1/needs?limit=1&sort=amount_desc", token_for("broker")).get_json()
    assert [i["id"] for i in page["items"]] == [secret.id] and keys(page["next_cursor"]) == ["371.25", secret.id]
    nxt = api.get(f"/api/v1/needs?limit=1&sort=amount_desc&cursor={page['next_cursor']}", token_for("broker"))
    assert [i["id"] for i in nxt.get_json()["items"]] == [plain.id]


@pytest.mark.parametrize("sort", ["amount_asc", "deadline"])
def test_a_tampered_amount_or_deadline_cursor_is_400_in_chinese(api, app, sort):
    """An edited cursor (bad signature), and one signed by us whose keys do not fit the order: 400, never a 500."""
    from matchmaker.api import pagination

    for i in range(3):
        result(title=f"成果{i}", price_wan=Decimal(i))
    raw = token_for("enterprise")
    cursor = api.get(f"/api/v1/results?limit=1&sort={sort}", raw).get_json()["next_cursor"]
    with app.test_request_context():
        foreign = [pagination.encode(1, "result", {"sort": sort}, k)
                   for k in (["不是日期", 1], ["1e999999999", 1], [1], ["NaN", "x"])]  # fmt: skip
    for bad in [cursor[:5] + ("A" if cursor[5] != "A" else "B") + cursor[6:], *foreign]:
        resp = api.get(f"/api/v1/results?limit=1&sort={sort}&cursor={bad}", raw)
        body = resp.get_json()
        assert resp.status_code == 400 and body["code"] == "invalid_cursor", (bad, body)
        assert re.search(r"[\u4e00-\u9fff]", body["title"] + body["detail"])


def test_the_largest_budget_the_api_returns_can_be_filtered_for(api):
    """A need's budget can be up to 999,999,999,999 万元, returned as "9999999999990000.00" yuan; min_amount past
    10**13 yuan was 422 "金额应在 0 到 10000000000000 元之间", so that amount could not be asked for."""
    from matchmaker.utils.money import LISTING_MAX

    n = need(title="预算最大的需求标题", budget_wan=Decimal(LISTING_MAX))
    need(title="预算很小的需求标题", budget_wan=Decimal("1"))
    raw = token_for("admin")
    budget = api.get(f"/api/v1/needs/{n.id}", raw).get_json()["budget"]
    assert budget == "9999999999990000.00"
    resp = api.get(f"/api/v1/needs?min_amount={budget}", raw)
    assert resp.status_code == 200, resp.get_json()
    assert [i["id"] for i in resp.get_json()["items"]] == [n.id]
    assert api.get("/api/v1/needs?min_amount=10000000000000000", raw).get_json()["items"] == []
    past = api.get("/api/v1/needs?min_amount=10000000000000000.01", raw)
    assert past.status_code == 422 and past.get_json()["errors"]["min_amount"] == [
        "金额应在 0 到 10000000000000000 元之间"
    ]


def test_a_list_cut_at_the_offset_limit_says_so(api, app, monkeypatch):
    """Past MAX_OFFSET rows a list ends with more rows matching: next_cursor null and truncated true, so a client
    does not take it for the list's end; at the real end truncated is false."""
    from matchmaker.api import pagination

    for i in range(4):
        result(title=f"低温电池成果{i}")
    raw = token_for("enterprise")
    monkeypatch.setattr(pagination, "MAX_OFFSET", 1)
    body = api.get("/api/v1/results?limit=1&q=低温电池", raw).get_json()
    assert body["next_cursor"] and body["truncated"] is False
    body = api.get(f"/api/v1/results?limit=1&q=低温电池&cursor={body['next_cursor']}", raw).get_json()
    assert len(body["items"]) == 1 and body["next_cursor"] is None and body["truncated"] is True
    monkeypatch.setattr(pagination, "MAX_OFFSET", 1_000_000)
    body = api.get("/api/v1/results?limit=10&q=低温电池", raw).get_json()
    assert len(body["items"]) == 4 and body["next_cursor"] is None and body["truncated"] is False
