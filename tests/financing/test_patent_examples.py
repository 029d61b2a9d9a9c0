"""The example patent number under 拟质押专利号 (ZL201910123456.7) failed the form's own check digit: an
enterprise copying the layout it was shown was told 校验位错误. Every example a form shows now passes."""

import re

import pytest

from matchmaker.listings.validation import patent_error


@pytest.mark.parametrize("url, role", [("/financing/new", "enterprise"), ("/results/new", "researcher")])
def test_the_example_patent_number_on_the_form_is_a_valid_one(client, auth, url, role):
    auth.login(role)
    body = client.get(url).get_data(as_text=True)
    examples = re.findall(r"如 (ZL[\d .]+[\dX])", body)
    assert examples, "no example shown"
    assert [e for e in examples if patent_error(e)] == []
