"""Research results: posting, patent numbers, owner-only editing, contacts."""

from decimal import Decimal

import pytest

from matchmaker.extensions import db
from matchmaker.listings.validation import clean_patents, patent_check_digit, patent_error
from matchmaker.models import Result

from ..factories import make_user
from ..needs.helpers import future, result

FORM = {
    "title": "石墨烯高导热复合膜制备技术",
    "abstract": "一种用于手机和LED散热的石墨烯导热膜",
    "detail": "采用化学气相沉积和热压工艺",
    "advantages": "导热系数比传统石墨膜提高百分之四十",
    "keywords": "石墨烯,导热膜,散热",
    "team": "材料学院李教授团队",
    "field": "先进材料",
    "industry": "新材料",
    "town": "",
    "maturity": "pilot",
    "ip_type": "invention",
    "patent_numbers": "ZL 2017 1 0601862.3，ZL95115608.X",
    "transfer_mode": "license_exclusive",
    "price": "150",
    "valid_until": future(200),
    "contact_name": "李老师",
    "contact_phone": "13600002222",
    "contact_email": "li@uni.edu.cn",
    "action": "publish",
}


def count():
    return db.session.scalar(db.select(db.func.count(Result.id)))


def test_researcher_lists_a_result(client, auth):
    user = auth.login("researcher")
    form = client.get("/results/new").get_data(as_text=True)
    assert "应用行业" in form and "所属行业" not in form  # the word the result page and the import use
    assert client.post("/results/new", data=FORM).status_code == 302
    r = db.session.scalar(db.select(Result))
    assert r.owner_id == user.id and r.organization_id == user.organization_id and r.status == "published"
    assert r.price_wan == Decimal("150") and r.patent_numbers == "ZL201710601862.3, ZL95115608.X"
    body = client.get("/results/?q=石墨烯导热").get_data(as_text=True)
    assert "石墨烯高导热复合膜制备技术" in body


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"patent_numbers": "ZL 2017 1 0601862.4"}, "校验位错误（按前 12 位计算应为 3）"),
        ({"patent_numbers": "ZL95115608.1"}, "校验位错误（按前 8 位计算应为 X）"),
        ({"patent_numbers": "CN12345"}, "格式不正确"),
        ({"price": "1.001"}, "金额最多保留两位小数"),
        ({"maturity": ""}, "请选择成熟度"),
        ({"transfer_mode": "gift"}, "请从列表中选择"),
        ({"abstract": ""}, "请填写成果简介"),
        ({"title": "短"}, "标题长度应为 5–100 个字符"),
        ({"valid_until": "2001-01-01"}, "不能早于今天"),
        # saved, its page read 知识产权 无 beside 专利号 ZL…: a contradiction
        ({"ip_type": "none"}, "知识产权类型为“无”时不填写专利号"),
        ({"ip_type": "software"}, "知识产权类型为“软件著作权”时不填写专利号"),
    ],
)
def test_bad_result_input(client, auth, changes, message):
    auth.login("researcher")
    resp = client.post("/results/new", data=dict(FORM, **changes))
    assert resp.status_code == 400 and message in resp.get_data(as_text=True)
    assert count() == 0


def test_a_pasted_paragraph_in_patents_is_quoted_short_and_kept_whole(client, auth):
    """A paragraph pasted into 专利号: the message quotes its first 30 characters (it echoed all 2,000 beside
    the field, twice on the page); the field keeps every character for the user to fix."""
    auth.login("researcher")
    pasted = "本成果已申请发明专利多项" + "尚在审查中" * 400
    resp = client.post("/results/new", data=dict(FORM, patent_numbers=pasted))
    page = resp.get_data(as_text=True)
    assert resp.status_code == 400 and f"专利号“{pasted[:30]}…”格式不正确" in page
    assert page.count(pasted) == 1  # in the field, not in the message
    assert count() == 0


@pytest.mark.parametrize(
    ("number", "check"),
    [("201710601862", "3"), ("95115608", "X"), ("97101765", "4"), ("202010123456", "2")],
)
def test_check_digit_matches_published_numbers(number, check):
    """201710601862.3, ZL95115608.X and 97101765.4 are real published application numbers."""
    assert patent_check_digit(number) == check


def test_patent_list_is_normalised_and_deduplicated():
    assert clean_patents("201710601862.3; zl 2017 1 0601862.3\n95115608X") == "ZL201710601862.3, ZL95115608.X"
    assert patent_error("ZL 2017 4 0601862.3")  # type digit 4 does not exist


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"patent_numbers": "ZL 2020 2 0123456.8"}, "专利号“ZL202020123456.8”的类型位是 2（实用新型），与知识产权类型“发明专利”不符"),
        ({"patent_numbers": "ZL95215608.3"}, "类型位是 2（实用新型）"),  # the 3rd of an 8-digit number
        ({"ip_type": "utility"}, "类型位是 1（发明），与知识产权类型“实用新型专利”不符：实用新型专利的类型位应为 2（实用新型）、9"),
        ({"ip_type": "design", "patent_numbers": "ZL202090123456.6"}, "类型位是 9（PCT 进入中国国家阶段的实用新型）"),
    ],
)  # fmt: skip
def test_a_patent_number_of_another_type_than_chosen_is_refused(client, auth, changes, message):
    """发明专利 chosen with a utility model's number (type digit 2): refused naming the number and both types, the
    number kept in the field; it was stored and shown as an invention."""
    auth.login("researcher")
    resp = client.post("/results/new", data=dict(FORM, **changes))
    page = resp.get_data(as_text=True)
    assert resp.status_code == 400 and message in page, page
    assert f'value="{dict(FORM, **changes)["patent_numbers"]}"' in page
    assert count() == 0


@pytest.mark.parametrize(
    ("ip_type", "numbers"),
    [("invention", "ZL202080123456.0"), ("utility", "ZL 2020 2 0123456.8, ZL202090123456.6"),
     ("design", "ZL202030123456.3"), ("other", "ZL202030123456.3"), ("", "ZL202020123456.8")],
)  # fmt: skip
def test_a_patent_number_of_the_chosen_type_is_stored(client, auth, ip_type, numbers):
    """Type digits 1/8 for 发明, 2/9 for 实用新型 (8 and 9: PCT applications entering the national phase), 3 for
    外观设计; 其他 or no type chosen takes any."""
    auth.login("researcher")
    assert client.post("/results/new", data=dict(FORM, ip_type=ip_type, patent_numbers=numbers)).status_code == 302
    assert count() == 1


@pytest.mark.parametrize("role", ["researcher", "enterprise", "broker"])
def test_only_the_owner_edits(client, auth, role):
    r = result(title="别人的科技成果标题")
    auth.login(role)
    assert client.post(f"/results/{r.id}/edit", data=FORM).status_code == 403
    assert client.post(f"/results/{r.id}/status", data={"action": "close"}).status_code == 403
    db.session.refresh(r)
    assert r.title == "别人的科技成果标题" and r.status == "published"


def test_colleague_researcher_cannot_edit(client, auth):
    owner = make_user("researcher")
    r = result(user=owner)
    auth.login(make_user("researcher", org=owner.organization))
    assert client.get(f"/results/{r.id}/edit").status_code == 403


def test_owner_edits_and_closes(client, auth):
    owner = auth.login("researcher")
    r = result(user=owner)
    assert client.post(f"/results/{r.id}/edit", data=dict(FORM, title="修改后的成果标题文字")).status_code == 302
    client.post(f"/results/{r.id}/status", data={"action": "close"})
    db.session.refresh(r)
    assert r.title == "修改后的成果标题文字" and r.status == "closed"


def test_contacts_only_for_staff_and_owner(client, auth):
    r = result(contact_phone="13500003333")
    auth.login("enterprise")
    assert "13500003333" not in client.get(f"/results/{r.id}").get_data(as_text=True)
    auth.logout()
    auth.login("broker")
    assert "13500003333" in client.get(f"/results/{r.id}").get_data(as_text=True)


def test_my_results_counts(client, auth):
    owner = auth.login("researcher")
    result(user=owner)
    result(user=owner, status="draft")
    body = client.get("/results/mine").get_data(as_text=True)
    assert 'data-state="published">1<' in body and 'data-state="draft">1<' in body


def test_a_colleagues_draft_is_not_shown_as_a_near_duplicate(client, auth):
    """Results are each researcher's own: a colleague's unpublished draft (a 404 to them) had its title,
    organisation and link shown in the near-duplicate warning. The author's own draft still is."""
    colleague = make_user("researcher")
    draft = result(user=colleague, title=FORM["title"], abstract=FORM["abstract"], keywords=FORM["keywords"],
                   status="draft")  # fmt: skip
    me = auth.login("researcher", org=colleague.organization)
    resp = client.post("/results/new", data=FORM)
    assert resp.status_code == 302  # nothing of theirs to warn about: published
    assert client.get(f"/results/{draft.id}").status_code == 404
    mine = result(user=me, title=FORM["title"], abstract=FORM["abstract"], keywords=FORM["keywords"], status="draft")
    body = client.post("/results/new", data=dict(FORM, title=FORM["title"] + "（二）")).get_data(as_text=True)
    assert "高度相似" in body and f"/results/{mine.id}" in body
    assert f'/results/{draft.id}"' not in body and FORM["title"] + "（二）" in body


def test_a_result_is_transferred_not_solved(client, auth):
    """A result's end by success reads 已转化 (a need's 已解决): the button, the refusal, the page and the filter."""
    researcher = make_user("researcher")
    r = result(user=researcher, status="published")
    auth.login(researcher)
    page = client.get(f"/results/{r.id}").get_data(as_text=True)
    assert "标记为已转化" in page and "标记为已解决" not in page
    body = client.post(f"/results/{r.id}/status", data={"action": "solve"}, follow_redirects=True).get_data(
        as_text=True
    )
    assert "成果状态已更新为“已转化”" in body
    db.session.refresh(r)
    assert r.status == "solved"
    again = client.post(f"/results/{r.id}/status", data={"action": "solve"}, follow_redirects=True)
    assert "当前状态为“已转化”，不能标记为已转化" in again.get_data(as_text=True)
    auth.logout()
    auth.login("admin")
    listing = client.get("/results/").get_data(as_text=True)
    assert '<option value="solved">已转化</option>' in listing
    assert '<option value="solved">已解决</option>' in client.get("/needs/").get_data(as_text=True)
