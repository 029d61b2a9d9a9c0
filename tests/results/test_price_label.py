"""The result form's price was labelled 转让价格（万元） while half the 转化方式 are not a transfer (独占许可, 普通许可,
作价入股, 合作开发, 技术服务) and the page, the import template and the error all say 价格: now 价格（万元）, its
help naming what it prices."""


def test_the_price_is_labelled_as_the_rest_of_the_platform_names_it(client, auth):
    auth.login("researcher")
    body = client.get("/results/new").get_data(as_text=True)
    assert '<label class="form-label" for="price">价格（万元）' in body and "转让价格" not in body
    assert "转让、许可、作价入股或服务的价格" in body
