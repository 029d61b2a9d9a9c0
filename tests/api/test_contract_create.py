"""POST /api/v1/contracts: the contract form's rules, write scope, exactly once per Idempotency-Key."""

import json
import re

import pytest

from matchmaker.extensions import db
from matchmaker.models import Contract

from ..factories import make_suggestion, make_user
from .conftest import token_for

BODY = {
    "contract_no": "HT-API-001", "type": "transfer", "title": "一种储能电池热管理技术转让", "buyer_name": "某某储能有限公司",
    "seller_name": "某某大学", "seller_kind": "university", "amount": "5132900.00", "transaction_amount": "5000000.00",
    "signed_on": "2020-06-30", "channel": "online",
}  # fmt: skip


def post(client, token, body, key="key-1"):
    headers = {"Authorization": f"Bearer {token}"} | ({"Idempotency-Key": key} if key else {})
    return client.post("/api/v1/contracts", json=body, headers=headers)


def _count():
    return db.session.scalar(db.select(db.func.count(Contract.id)))


def test_broker_records_a_contract_once_per_key(app, client):
    """201 with the contract (the broker credited by default); the same key again returns it, no second row."""
    broker = make_user("broker")
    token = token_for(broker, scopes=("read", "write"))
    first = post(client, token, BODY)
    assert first.status_code == 201, first.get_json()
    body = first.get_json()
    assert body["amount"] == "5132900.00" and body["broker"]["id"] == broker.id and body["signing"] == "recorded"
    assert first.headers["Location"] == f"/api/v1/contracts/{body['id']}"
    again = post(client, token, BODY)
    assert again.status_code == 201 and again.get_json()["id"] == body["id"]
    assert again.headers["Idempotent-Replayed"] == "true" and _count() == 1
    assert again.headers["Location"] == first.headers["Location"]  # a retry after a lost answer finds it there too
    reused = post(client, token, BODY | {"title": "另一份合同"})
    assert reused.status_code == 422 and reused.get_json()["code"] == "idempotency_key_reused" and _count() == 1
    assert post(client, token, BODY | {"contract_no": "HT-API-002"}, key="key-2").status_code == 201
    assert _count() == 2


def test_keys_are_per_account(app, client):
    """Two callers using the same key string record two contracts."""
    a, b = (token_for(make_user("broker"), scopes=("read", "write")) for _ in range(2))
    assert post(client, a, BODY).status_code == 201 and post(client, b, BODY).status_code == 201
    assert _count() == 2


def test_scope_role_and_key_are_required(app, client):
    """Read-only token 403 insufficient_scope; a write token of an enterprise account 403; no Idempotency-Key 422; nothing recorded."""
    read_only = token_for("broker")
    resp = post(client, read_only, BODY)
    assert resp.status_code == 403 and resp.get_json()["code"] == "insufficient_scope"
    demoted = make_user("broker")  # a write token kept by an account that is no longer a broker
    raw = token_for(demoted, scopes=("read", "write"))
    demoted.role = "enterprise"
    db.session.commit()
    resp = post(client, raw, BODY)
    assert resp.status_code == 403 and resp.get_json()["code"] == "forbidden"
    resp = post(client, token_for("admin", scopes=("read", "write")), BODY, key=None)
    assert resp.status_code == 422 and "Idempotency-Key" in resp.get_json()["errors"]
    assert _count() == 0


def test_form_rules_apply_with_chinese_messages(app, client):
    """The contract form's checks: amounts as strings only, transaction ≤ amount, same party, future date."""
    token = token_for("admin", scopes=("read", "write"))
    cases = [
        (BODY | {"amount": 5132900.0}, "amount"),
        (BODY | {"amount": "1.005"}, "amount"),
        (BODY | {"transaction_amount": "9999999.00"}, "transaction_amount"),
        (BODY | {"seller_name": BODY["buyer_name"]}, "seller_name"),
        (BODY | {"signed_on": "2999-01-01"}, "signed_on"),
        (BODY | {"signed_on": "0001-01-01"}, "signed_on"),
        (BODY | {"suggestion_id": 2147483647}, "suggestion_id"),
        (BODY | {"need_id": 999999}, "need_id"),
        (BODY | {"surprise": 1}, "surprise"),
    ]
    for i, (body, field) in enumerate(cases):
        resp = post(client, token, body, key=f"k{i}")
        problem = resp.get_json()
        assert resp.status_code == 422 and field in problem["errors"], (field, problem)
    # Over the maximum: the limit is named in yuan, the API's unit (it said 万元).
    resp = post(client, token, BODY | {"amount": "999999999999.00", "transaction_amount": "1.00"}, key="too-big")
    assert resp.status_code == 422 and resp.get_json()["errors"]["amount"] == [
        "合同金额超出允许范围（最大 999999999900.00 元）"
    ]
    assert _count() == 0


def test_from_a_suggestion_marks_it_signed(app, client):
    s = make_suggestion(status="introduced")
    token = token_for("admin", scopes=("read", "write"))
    resp = post(client, token, BODY | {"suggestion_id": s.id})
    assert resp.status_code == 201 and resp.get_json()["need_id"] == s.need_id
    db.session.expire_all()
    assert s.status == "signed"


def test_a_racing_repeat_returns_the_winners_contract(app, client, monkeypatch):
    """Two requests with one key at once: the loser's insert hits the unique key and replays the winner's."""
    from matchmaker.api import contracts as api_contracts

    token = token_for("admin", scopes=("read", "write"))
    first = post(client, token, BODY).get_json()
    real, calls = api_contracts._existing_key, []

    def not_yet_committed_the_first_time(user, key):
        calls.append(key)
        return None if len(calls) == 1 else real(user, key)

    monkeypatch.setattr(api_contracts, "_existing_key", not_yet_committed_the_first_time)
    resp = post(client, token, BODY)
    assert resp.status_code == 201 and resp.get_json()["id"] == first["id"] and _count() == 1
    assert resp.headers["Idempotent-Replayed"] == "true"


def test_control_characters_in_the_body_are_422(app, client):
    token = token_for("admin", scopes=("read", "write"))
    resp = post(client, token, BODY | {"title": "合同\x00名称", "note": "第一行\n第二行\t缩进"})
    assert resp.status_code == 422 and list(resp.get_json()["errors"]) == ["title"]
    assert post(client, token, BODY | {"note": "第一行\n第二行\t缩进"}, key="k2").status_code == 201


def _raw_post(client, token, data, content_type="application/json"):
    headers = {"Authorization": f"Bearer {token}", "Idempotency-Key": "raw", "Content-Type": content_type}
    return client.post("/api/v1/contracts", data=data, headers=headers)


def test_a_body_that_is_not_a_json_object_is_refused_in_chinese(app, client):
    """Malformed, deeply nested (past Python's recursion limit), a number Python will not read, or non-object JSON:
    a Chinese problem, never a 500."""
    token = token_for("admin", scopes=("read", "write"))
    deep, digits = "[" * 100_000 + "]" * 100_000, '{"broker_id": ' + "1" * 5000 + "}"  # past int's 4300 digits
    for data in ("{", deep, '{"a":' * 50_000 + "1" + "}" * 50_000, digits):
        resp = _raw_post(client, token, data)
        problem = resp.get_json()
        assert resp.status_code == 400 and resp.mimetype == "application/problem+json", problem
        assert re.search(r"[\u4e00-\u9fff]", problem["title"])
    for data in ("[1, 2]", "null", '"合同"', "5"):
        resp = _raw_post(client, token, data)
        problem = resp.get_json()
        assert resp.status_code == 422 and problem["code"] == "validation_error", (data, problem)
        messages = [m for ms in problem["errors"].values() for m in ms]
        assert messages and all(re.search(r"[\u4e00-\u9fff]", m) for m in messages), (data, problem)
    assert _count() == 0


def test_a_body_sent_as_another_content_type_is_415(app, client):
    """The contract as text/plain or a form: 415 naming JSON, not 422 "缺少此参数" on every field that was sent."""
    import json

    token = token_for("admin", scopes=("read", "write"))
    for data, content_type in (
        (json.dumps(BODY), "text/plain"),
        ("contract_no=HT-1", "application/x-www-form-urlencoded"),
    ):
        resp = _raw_post(client, token, data, content_type)
        problem = resp.get_json()
        assert resp.status_code == 415 and problem["code"] == "unsupported_media_type", problem
        assert "application/json" in problem["detail"]
    resp = client.post("/api/v1/contracts", headers={"Authorization": f"Bearer {token}", "Idempotency-Key": "none"})
    assert resp.status_code == 422 and "contract_no" in resp.get_json()["errors"]  # no body at all: missing fields
    resp = _raw_post(client, token, json.dumps(BODY), "application/json; charset=utf-8")
    assert resp.status_code == 201, resp.get_json()


def test_a_lone_surrogate_in_the_body_is_400_not_500(app, client):
    """JSON may spell \\ud800 alone, which no UTF-8 text (the key's hash, the database) can hold."""
    import json

    token = token_for("admin", scopes=("read", "write"))
    for body in (json.dumps(BODY | {"title": "X"}).replace('"X"', '"\\ud800合同"'),
                 json.dumps(BODY | {"note": "X"}).replace('"X"', '"\\udfff"'),
                 json.dumps(BODY | {"X": 1}).replace('"X"', '"\\ud800"')):  # fmt: skip
        resp = _raw_post(client, token, body)
        problem = resp.get_json()
        assert resp.status_code == 400 and problem["code"] == "bad_request" and "Unicode" in problem["detail"], problem
    assert _count() == 0


def test_a_new_party_named_by_two_requests_at_once_is_one_organisation(app, client, monkeypatch):
    """Two contracts naming the same new buyer at the same moment: both recorded, one organisation; the loser's
    insert of the organisation hit its unique name and was a 500."""
    from matchmaker.contracts import services
    from matchmaker.models import Organization

    from ..factories import make_org

    theirs = make_org("enterprise", name=BODY["buyer_name"])  # the other request's, committed meanwhile
    real, calls = services.find_or_create_org, []

    def looked_before_the_other_committed(name, kind):
        calls.append(name)
        if len(calls) == 1:  # not found then, so inserted
            org = Organization(name=name, kind=kind or "enterprise")
            db.session.add(org)
            db.session.flush()
            return org
        return real(name, kind)

    monkeypatch.setattr(services, "find_or_create_org", looked_before_the_other_committed)
    resp = post(client, token_for("broker", scopes=("read", "write")), BODY)
    assert resp.status_code == 201 and resp.get_json()["buyer"]["id"] == theirs.id, resp.get_json()
    assert db.session.scalar(db.select(db.func.count(Organization.id)).filter_by(name=BODY["buyer_name"])) == 1
    assert _count() == 1


def test_a_body_of_many_unknown_fields_gets_a_short_answer(app, client):
    """100,000 unknown fields: the 422 named every one (megabytes); it names the first 20 sent and counts the rest.
    One misspelt field is still named, and a field's name is cut to 100 characters."""
    token = token_for("admin", scopes=("read", "write"))
    flood = {f"extra_{i}": 1 for i in range(100_000)} | BODY | {"type": "不存在的类型"}
    resp = _raw_post(client, token, json.dumps(flood))  # unsorted (the test client's json= sorts the keys)
    problem = resp.get_json()
    assert resp.status_code == 422 and problem["code"] == "validation_error"
    assert len(resp.get_data()) < 5_000
    # the schema's own field first, then unknown names in the order they were sent
    assert problem["errors"] == {"type": [problem["errors"]["type"][0]]} | {
        f"extra_{i}": ["未知字段"] for i in range(19)
    }
    assert "共 100001 项错误" in problem["detail"] and "其余 99981 项未列出" in problem["detail"]
    one = post(client, token, BODY | {"titel": "笔误"}, key="k2").get_json()
    assert one["errors"] == {"titel": ["未知字段"]} and "detail" not in one
    long = post(client, token, BODY | {"长" * 1_000_000: 1}, key="k3").get_json()
    assert list(long["errors"]) == ["长" * 100 + "…"] and len(json.dumps(long)) < 5_000
    assert _count() == 0


@pytest.mark.parametrize("value", [1.5, 2.0, "1", "1e0", [1], {"id": 1}])
@pytest.mark.parametrize("name", ["broker_id", "zone_id", "need_id", "result_id", "suggestion_id", "event_id"])
def test_an_id_that_is_no_json_integer_is_refused_not_truncated(app, client, name, value):
    """An id sent as 1.5 was recorded against id 1 (and "1" read as 1): an id is a JSON integer, anything else is
    422 naming the field in Chinese, and nothing is recorded."""
    admin = make_user("admin")
    make_user("broker")  # id 2: what 1.5 or 2.0 would have been read as for broker_id
    resp = post(client, token_for(admin, scopes=("read", "write")), BODY | {name: value})
    assert resp.status_code == 422, resp.get_json()
    assert resp.get_json()["errors"][name] == ["应为整数"]
    assert _count() == 0


@pytest.mark.parametrize("amount", ["５１３２９００.００", "٥١٣٢٩٠٠.٠٠", "5132900.00\n"])
def test_an_amount_not_in_ascii_digits_is_refused_by_the_documented_pattern(app, client, amount):
    """A full-width (or Arabic-Indic) amount was answered 422 "将按 5132900.00 元 保存，请确认", a confirmation an API
    client can never give (the same body again, the same 422); "5132900.00\\n" passed the documented pattern. Each is
    refused by the pattern's own message, nothing recorded."""
    token = token_for("broker", scopes=("read", "write"))
    resp = post(client, token, BODY | {"amount": amount})
    assert resp.status_code == 422
    assert resp.get_json()["errors"] == {"amount": ["应为以元为单位、最多两位小数的金额字符串"]}
    assert _count() == 0
