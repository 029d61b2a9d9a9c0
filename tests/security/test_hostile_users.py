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
