"""The OpenAPI document: valid, complete, browsable without a CDN, and the API's answers conform to it."""

import re

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings, strategies
from openapi_spec_validator import validate
from schemathesis import GenerationMode
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    negative_data_rejection,
    response_schema_conformance,
    status_code_conformance,
)

from matchmaker.extensions import db

from ..factories import make_contract, make_org, make_signing_document, make_user
from ..needs.helpers import need, result
from .conftest import token_for


def test_spec_is_valid_openapi_3_and_covers_every_api_route(app, client):
    spec = client.get("/api/v1/openapi.json").get_json()
    validate(spec)
    assert (
        spec["openapi"].startswith("3.") and spec["components"]["securitySchemes"]["bearerAuth"]["scheme"] == "bearer"
    )
    verbs = {"get", "post", "put", "patch", "delete"}
    documented = {(p, m.upper()) for p, ops in spec["paths"].items() for m in ops if m in verbs}
    routes = {(re.sub(r"<(?:int:)?(\w+)>", r"{\1}", r.rule), m) for r in app.url_map.iter_rules()
              if r.rule.startswith("/api/v1/") for m in r.methods - {"HEAD", "OPTIONS"}}  # fmt: skip
    assert routes - documented == {("/api/v1/openapi.json", "GET"), ("/api/v1/docs", "GET"), ("/api/v1/", "GET")}
    for path, ops in spec["paths"].items():
        for op in (v for m, v in ops.items() if m in verbs):
            assert op["security"] == [{"bearerAuth": []}] and {"401", "403", "429"} <= op["responses"].keys(), path
            assert "application/problem+json" in spec["components"]["responses"]["UNAUTHORIZED"]["content"]


def test_docs_page_uses_vendored_assets_only(client):
    """Swagger UI from static/vendor, started by a script file (CSP: no inline script, no CDN)."""
    html = client.get("/api/v1/docs").get_data(as_text=True)
    srcs = re.findall(r'(?:src|href)="([^"]+)"', html)
    assert "/static/vendor/swagger-ui/swagger-ui-bundle.js" in srcs and "/api/v1/openapi.json" in srcs
    assert not [s for s in srcs if s.startswith(("http:", "https:", "//"))]
    assert "<script>" not in html
    for asset in ("/static/vendor/swagger-ui/swagger-ui-bundle.js", "/static/vendor/swagger-ui/swagger-ui.css",
                  "/static/js/api-docs.js"):  # fmt: skip
        resp = client.get(asset)
        assert resp.status_code == 200
        resp.close()


def _seed():
    """A little of everything, so that lists and details have rows to return."""
    owner = make_user("enterprise")
    need(user=owner, title="储能电池热管理需求", confidentiality="summary", summary="摘要")
    need(user=owner, title="注塑模具需求")
    result(title="固态电池成果")
    broker = make_user("broker")
    c = make_contract(broker_id=broker.id)
    make_signing_document(
        c, make_user("enterprise", org=c.buyer), make_user("researcher", org=c.seller), status="signed"
    )
    make_org("university", name="某大学")


@pytest.mark.slow
@pytest.mark.parametrize("role", ["admin", "enterprise"])
def test_schemathesis_responses_conform_to_the_spec(make_app, role):
    """Generated requests to every operation (valid and invalid), with an admin and an enterprise token:
    no 5xx, every response's status, content type and body as documented."""
    app = make_app(API_RATE_LIMIT="100000 per minute", API_ADDRESS_RATE_LIMIT="100000 per minute")
    with app.app_context():
        _seed()
        token = token_for(role, scopes=("read", "write") if role == "admin" else ("read",))  # 写入: staff only
        schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", app)
        checks = [response_schema_conformance, content_type_conformance, status_code_conformance,
                  negative_data_rejection]  # fmt: skip
        tested, calls, statuses = 0, [0], set()
        for result_ in schema.get_all_operations():
            operation = result_.ok()
            auth = {"Authorization": f"Bearer {token}"}  # fixed: the invalid cases vary arguments, not the token
            strategy = operation.as_strategy(GenerationMode.POSITIVE, headers=auth)
            if operation.query or operation.path_parameters:  # invalid arguments must get a 4xx
                strategy = strategies.one_of(strategy, operation.as_strategy(GenerationMode.NEGATIVE, headers=auth))

            @settings(max_examples=30, deadline=None, suppress_health_check=list(HealthCheck), database=None)
            @given(case=strategy)
            def run(case):
                response = case.call()
                calls[0] += 1
                statuses.add(response.status_code)
                assert response.status_code < 500, (case.path, case.query, response.text[:500])
                case.validate_response(response, checks=checks)
                db.session.rollback()

            run()
            tested += 1
        assert tested >= 12 and calls[0] >= 10 * tested
        assert {200, 422} <= statuses and (role == "admin" or 403 in statuses), statuses
        db.session.remove()


def test_the_paging_text_says_which_lists_page_by_position(client):
    """A client syncing data reads which orders survive changes between pages and which (relevance) do not."""
    text = client.get("/api/v1/openapi.json").get_json()["info"]["description"]
    assert "下一页从它之后开始" in text and "sort=relevance" in text and "完整同步数据请用 `sort=new`" in text


@pytest.mark.parametrize("url", ["/api/", "/api", "/api/v1/", "/api/v1"])
def test_api_roots_answer_with_a_chinese_index_pointing_to_the_docs(client, url):
    """/api/ and /api/v1/ were 404: a visitor who types the API's address lands on a page that names the docs."""
    resp = client.get(url, follow_redirects=True)
    html = resp.get_data(as_text=True)
    assert resp.status_code == 200 and resp.request.path == "/api/v1/"
    assert "接口文档" in html and 'href="/api/v1/docs"' in html and 'href="/api/v1/openapi.json"' in html
