"""What a hostile or clumsy user sends: each answers a page in Chinese, never a 500, and keeps saved data."""

import pytest

from ..factories import make_need, make_result


@pytest.mark.parametrize("path", ["/needs/", "/results/"])
@pytest.mark.parametrize("zone", ["①", "²", "١٢"])  # digits to str.isdigit(), not to int()
def test_a_zone_filter_of_non_ascii_digits_lists_as_no_zone(client, path, zone):
    need, result = make_need(), make_result()
    resp = client.get(path, query_string={"zone": zone})
    assert resp.status_code == 200
    assert (need.title if path == "/needs/" else result.title) in resp.get_data(as_text=True)


@pytest.mark.parametrize(
    ("args", "listed"),
    [
        ({"min": "1e999999"}, False),  # past PostgreSQL's numeric: a 500 there
        ({"max": "1e999999"}, True),
        ({"min": "1e-999999"}, True),
        ({"min": "4.001"}, True),
        ({"max": "4.999"}, False),
        ({"min": "5.000000001"}, False),
    ],
)
@pytest.mark.parametrize("path", ["/needs/", "/results/"])
def test_an_amount_bound_past_what_is_stored_lists_what_it_means(client, path, args, listed):
    need, result = make_need(budget_wan=5), make_result(price_wan=5)
    resp = client.get(path, query_string={**args, "sort": "amount_desc"})
    assert resp.status_code == 200
    assert ((need.title if path == "/needs/" else result.title) in resp.get_data(as_text=True)) is listed


@pytest.mark.parametrize("days", ["abc", "99", "①"])
def test_a_tampered_token_expiry_is_refused_in_chinese(client, auth, days):
    """WTForms' own "Invalid Choice: could not coerce." / "Not a valid choice." showed under the field."""
    from matchmaker.models import ApiToken

    auth.login("broker")
    resp = client.post("/tokens/", data={"name": "接口", "days": days})
    body = resp.get_data(as_text=True)
    assert resp.status_code == 400 and "请从列表中选择有效期" in body
    assert "Invalid Choice" not in body and "Not a valid" not in body
    assert ApiToken.query.count() == 0
