"""Posting, editing and owner-only access to technical needs."""

import html
import re
from decimal import Decimal

import pytest

from matchmaker.extensions import db
from matchmaker.models import TechNeed

from ..factories import make_org, make_user
from .helpers import NEED_FORM, future, need


def count():
    return db.session.scalar(db.select(db.func.count(TechNeed.id)))


def test_enterprise_posts_and_publishes_a_need(client, auth):
    """A posted need is stored for the user's organisation, published, tokenised and listed."""
    user = auth.login("enterprise")
    resp = client.post("/needs/new", data=NEED_FORM)
    assert resp.status_code == 302
    n = db.session.scalar(db.select(TechNeed))
    assert n.organization_id == user.organization_id and n.status == "published"
    assert n.budget_wan == Decimal("80.50") and not n.budget_negotiable
    assert n.keywords == "机器视觉,缺陷检测,注塑"  # trimmed, de-duplicated
    title, keywords, body = n.tokens.split("\n")
    assert "视觉" in title and "缺陷" in keywords and "熔接线" in body or "熔接" in body
    assert "注塑件表面缺陷在线视觉检测" in client.get("/needs/").get_data(as_text=True)


def test_draft_is_not_public_until_published(client, auth):
    """Saving a draft keeps it out of the public list; publishing puts it in."""
    auth.login("enterprise")
    client.post("/needs/new", data=dict(NEED_FORM, action="draft"))
    n = db.session.scalar(db.select(TechNeed))
    assert n.status == "draft"
    auth.logout()
    assert n.title not in client.get("/needs/").get_data(as_text=True)
    assert client.get(f"/needs/{n.id}").status_code == 404


def test_budget_negotiable(client, auth):
    auth.login("enterprise")
    client.post("/needs/new", data=dict(NEED_FORM, budget="面议"))
    n = db.session.scalar(db.select(TechNeed))
    assert n.budget_negotiable and n.budget_wan is None


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"title": "太短"}, "标题长度应为 5–100 个字符"),
        ({"title": "长" * 101}, "标题长度应为 5–100 个字符"),
        ({"budget": "12.345"}, "金额最多保留两位小数"),
        ({"budget": "-3"}, "金额不能为负数"),
        ({"budget": "很多"}, "金额必须是数字"),
        ({"budget": ""}, "请填写预算"),
        ({"valid_until": "2020-01-01"}, "有效期截止日期不能早于今天"),
        ({"valid_until": "2026-02-30"}, "日期不存在"),
        ({"valid_until": ""}, "请填写有效期截止日期"),
        ({"problem": ""}, "请填写拟解决的技术难题"),
        ({"problem": "字" * 5001}, "拟解决的技术难题不能超过 5000 个字符"),
        ({"industry": "不存在的行业"}, "请从列表中选择"),
        ({"coop_mode": "bogus"}, "请从列表中选择"),
        ({"contact_phone": "12345"}, "电话号码格式不正确"),
    ],
)
def test_bad_input_is_refused_in_chinese(client, auth, changes, message):
    """Every bad field gives a Chinese message, keeps what was typed, and stores nothing."""
    auth.login("enterprise")
    resp = client.post("/needs/new", data=dict(NEED_FORM, **changes))
    body = resp.get_data(as_text=True)
    assert resp.status_code == 400
    assert message in body
    assert "希望用机器视觉替代人工目检" in body  # typed text kept
    assert count() == 0


def test_owner_edits_own_need(client, auth):
    user = auth.login("enterprise")
    n = need(user=user, title="旧的需求标题文字")
    resp = client.post(f"/needs/{n.id}/edit", data=dict(NEED_FORM, title="新的需求标题文字"))
    assert resp.status_code == 302
    db.session.refresh(n)
    assert n.title == "新的需求标题文字" and "新" in n.tokens


def test_colleague_of_same_enterprise_can_edit(client, auth):
    org = make_org("enterprise")
    n = need(user=make_user("enterprise", org=org))
    auth.login(make_user("enterprise", org=org))
    assert client.get(f"/needs/{n.id}/edit").status_code == 200


@pytest.mark.parametrize("role", ["enterprise", "researcher", "broker", None])
@pytest.mark.parametrize(
    ("method", "path", "data"),
    [
        ("get", "/needs/{id}/edit", None),
        ("post", "/needs/{id}/edit", dict(NEED_FORM, title="被别人改掉的标题")),
        ("post", "/needs/{id}/status", {"action": "close"}),
        ("post", "/needs/{id}/status", {"action": "solve"}),
        ("post", "/needs/{id}/status", {"action": "renew", "valid_until": future(300)}),
    ],
)
def test_others_cannot_edit_close_or_publish(client, auth, role, method, path, data):
    """Another enterprise, a researcher, a broker or a visitor gets 403/login and nothing changes."""
    n = need(title="原来的需求标题")
    before = (n.title, n.status, n.valid_until)
    if role:
        auth.login(role)
    resp = getattr(client, method)(path.format(id=n.id), data=data)
    if role:
        assert resp.status_code in (403, 404)
    else:
        assert resp.status_code == 302 and "/auth/login" in resp.headers["Location"]
    db.session.refresh(n)
    assert (n.title, n.status, n.valid_until) == before


def test_other_enterprise_cannot_publish_a_draft(client, auth):
    n = need(status="draft")
    auth.login("enterprise")
    assert client.post(f"/needs/{n.id}/status", data={"action": "publish"}).status_code == 403
    db.session.refresh(n)
    assert n.status == "draft"


def test_missing_need_is_404(client, auth):
    auth.login("enterprise")
    assert client.get("/needs/999999/edit").status_code == 404
    assert client.get("/needs/999999").status_code == 404


def test_mine_shows_state_counts(client, auth):
    user = auth.login("enterprise")
    need(user=user)
    need(user=user)
    need(user=user, status="draft")
    need(user=user, status="closed")
    need()  # someone else's
    body = client.get("/needs/mine").get_data(as_text=True)
    assert 'data-state="published">2<' in body
    assert 'data-state="draft">1<' in body and 'data-state="closed">1<' in body
    assert '全部 <span class="badge text-bg-light">4<' in body


@pytest.mark.parametrize(
    ("keywords", "message"),
    [
        (",".join(f"词{i}" for i in range(11)), "关键词最多 10 个，现有 11 个"),
        ("石墨烯," + "测" * 21, "每个关键词不超过 20 个字"),
        ("<script>alert(2)</script>", "每个关键词不超过 20 个字"),
    ],
)
def test_too_many_or_too_long_keywords_are_refused_not_cut(client, auth, keywords, message):
    """The 11th keyword and every character past the 20th were dropped without a word."""
    auth.login("enterprise")
    resp = client.post("/needs/new", data=dict(NEED_FORM, keywords=keywords))
    body = resp.get_data(as_text=True)
    assert resp.status_code == 400 and message in body
    assert html.escape(keywords) in body  # kept as typed
    assert db.session.scalar(db.select(db.func.count(TechNeed.id))) == 0


@pytest.mark.parametrize(
    ("url", "role", "required", "optional"),
    [
        ("/needs/new", "enterprise", ["title", "summary", "problem", "industry", "coop_mode", "budget", "valid_until"],
         ["indicators", "town", "contact_name"]),
        ("/results/new", "researcher", ["title", "abstract", "field", "maturity", "transfer_mode", "price",
                                        "valid_until"], ["detail", "ip_type", "town"]),
    ],
)  # fmt: skip
def test_required_fields_are_marked_before_a_failed_submit(client, auth, url, role, required, optional):
    """No field of the need and result forms was marked required (others show an asterisk), and their
    selects were styled as text inputs (form-control)."""
    auth.login(role)
    body = client.get(url).get_data(as_text=True)
    for name in required:
        tag = re.search(rf'<(input|textarea|select)\b[^>]*\bname="{name}"[^>]*>', body).group(0)
        assert re.search(r"\brequired\b", tag), tag
        label = re.search(rf'<label[^>]*for="{name}"[^>]*>[^<]*</label>\s*<span[^>]*>\*</span>', body)
        assert label, name
    for name in optional:
        tag = re.search(rf'<(input|textarea|select)\b[^>]*\bname="{name}"[^>]*>', body).group(0)
        assert not re.search(r"\brequired\b", tag), tag
    for tag in re.findall(r"<select\b[^>]*>", body):
        assert "form-select" in tag and "form-control" not in tag, tag
    assert re.search(r'<form method="post" novalidate', body)  # the server's Chinese messages still say it


def test_an_empty_choice_is_refused_in_its_own_words(client, auth):
    auth.login("enterprise")
    body = client.post("/needs/new", data=dict(NEED_FORM, industry="", coop_mode="")).get_data(as_text=True)
    assert "请选择所属行业" in body and "请选择合作方式" in body


def test_editing_an_imported_need_keeps_its_source(client, auth):
    """The source select did not offer 批量导入, so a browser saving an imported need's edit sent its
    first option and the need became 自主发布."""
    user = auth.login("enterprise")
    n = need(user=user, source="import")
    page = client.get(f"/needs/{n.id}/edit").get_data(as_text=True)
    assert re.search(r'<option selected value="import">批量导入</option>|<option value="import" selected>', page)
    resp = client.post(f"/needs/{n.id}/edit", data=dict(NEED_FORM, source="import", confirm_typed="1"))
    assert resp.status_code == 302
    db.session.refresh(n)
    assert n.source == "import"


def test_an_enterprise_posts_its_own_need_and_cannot_label_it_collected_or_urgent(client, auth):
    """走访收集/对接活动 count as collected needs in the bureau's figures and 快速通道 skips the urgent review:
    an enterprise's form offers 自主发布 alone, and a forged choice is refused in Chinese with nothing saved."""
    auth.login("enterprise")
    page = client.get("/needs/new").get_data(as_text=True)
    assert 'value="self"' in page and 'value="visit"' not in page and 'value="urgent"' not in page
    for forged in ("visit", "event", "urgent", "import"):
        resp = client.post("/needs/new", data=dict(NEED_FORM, source=forged))
        assert resp.status_code == 400 and "请从列表中选择" in resp.get_data(as_text=True), forged
    assert db.session.scalar(db.select(db.func.count(TechNeed.id))) == 0
    assert client.post("/needs/new", data=dict(NEED_FORM, source="self")).status_code == 302


def test_an_admin_records_a_collected_need_and_edits_keep_an_urgent_one(client, auth):
    auth.login("admin")
    n, u = need(source="self"), need(source="urgent")
    page = client.get(f"/needs/{n.id}/edit").get_data(as_text=True)
    assert 'value="visit"' in page and 'value="event"' in page and 'value="urgent"' not in page
    assert client.post(f"/needs/{n.id}/edit", data=dict(NEED_FORM, source="visit")).status_code == 302
    assert client.post(f"/needs/{u.id}/edit", data=dict(NEED_FORM, source="urgent")).status_code == 302
    db.session.expire_all()
    assert (db.session.get(TechNeed, n.id).source, db.session.get(TechNeed, u.id).source) == ("visit", "urgent")
