"""A refused report period keeps the dates the admin typed in the picker."""

import re

import pytest


def _picker(body):
    """The values of the 开始日期 and 结束日期 inputs."""
    return [re.search(rf'id="{name}" name="{name}" value="([^"]*)"', body).group(1) for name in ("from", "to")]


@pytest.mark.parametrize("page", ["/reports/", "/reports/services"])
def test_a_reversed_period_is_shown_as_typed_under_its_error(client, auth, page):
    """2020-12-31 to 2020-10-01: the error sits under those dates, not under the default period's."""
    auth.login("admin")
    body = client.get(f"{page}?from=2020-12-31&to=2020-10-01").get_data(as_text=True)
    assert "开始日期不能晚于结束日期" in body and "已显示默认区间" in body
    assert _picker(body) == ["2020-12-31", "2020-10-01"]


def test_a_good_end_is_kept_beside_a_malformed_start(client, auth):
    """from=2020-02-30 (no such day) and to=2020-05-01: the end stays, the start shows as typed."""
    auth.login("admin")
    body = client.get("/reports/?from=2020-02-30&to=2020-05-01").get_data(as_text=True)
    assert "日期格式不正确" in body and _picker(body) == ["2020-02-30", "2020-05-01"]


def test_a_good_period_fills_the_picker_with_itself(client, auth):
    """No error: the picker shows the period reported."""
    auth.login("admin")
    body = client.get("/reports/?from=2020-01-01&to=2020-06-30").get_data(as_text=True)
    assert _picker(body) == ["2020-01-01", "2020-06-30"]
