"""Two edit pages of one listing: the later save does not silently overwrite the earlier one."""

from matchmaker.extensions import db

from ..needs.helpers import NEED_FORM, need, result
from ..results.test_results import FORM as RESULT_FORM
from ..stale import differences, second_tab_refused
from ..stale import version as _version


def test_a_second_tab_does_not_overwrite_the_first_tabs_save(client, auth):
    """Tab A saves; tab B, loaded before, is refused with a Chinese warning and keeps what was typed."""
    user = auth.login("enterprise")
    n = need(user=user, title="原来的需求标题", summary="原来的摘要")
    tab_a, tab_b = _version(client.get(f"/needs/{n.id}/edit")), _version(client.get(f"/needs/{n.id}/edit"))
    data = dict(NEED_FORM, confirm_typed="1")
    assert (
        client.post(f"/needs/{n.id}/edit", data=dict(data, version=tab_a, title="标签页甲改的标题")).status_code == 302
    )
    resp = client.post(f"/needs/{n.id}/edit", data=dict(data, version=tab_b, title="标签页乙改的标题"))
    page = resp.get_data(as_text=True)
    assert resp.status_code == 409 and "已被修改并保存" in page and "标签页乙改的标题" in page
    # Only the title differs between what tab A saved and what tab B sent: both typed the keywords
    # "机器视觉， 缺陷检测,机器视觉 ,注塑", which are stored as "机器视觉,缺陷检测,注塑" (not a difference).
    assert differences(page) == {"标题": ("标签页甲改的标题", "标签页乙改的标题")}
    db.session.refresh(n)
    assert n.title == "标签页甲改的标题"
    # Saving again from the warned page is a decision: it goes through.
    again = client.post(f"/needs/{n.id}/edit", data=dict(data, version=_version(resp), title="标签页乙改的标题"))
    assert again.status_code == 302
    db.session.refresh(n)
    assert n.title == "标签页乙改的标题"


def test_a_field_stored_in_another_layout_is_listed_only_when_it_differs(client, auth):
    """The table of a refused stale save listed a phone typed 138-0013-8000 against the 13800138000 it is stored as,
    and keywords typed 机器视觉，缺陷检测 against 机器视觉,缺陷检测: the user looked for a change nobody made. Such fields
    are compared as they would be stored; a real change in them is listed, as typed and as saved."""
    user = auth.login("enterprise")
    n = need(user=user, title="原来的需求标题")
    url = f"/needs/{n.id}/edit"
    data = dict(NEED_FORM, confirm_typed="1", contact_phone="138-0013-8000", keywords="机器视觉，缺陷检测")
    _, page = second_tab_refused(
        client, url, dict(data, title="标签页甲改的标题"), dict(data, title="标签页乙改的标题"), "标签页乙改的标题"
    )
    db.session.refresh(n)
    assert (n.contact_phone, n.keywords) == ("13800138000", "机器视觉,缺陷检测")
    assert differences(page) == {"标题": ("标签页甲改的标题", "标签页乙改的标题")}
    # the same layouts, other numbers and words: listed
    changed = dict(data, contact_phone="139 0000 1111", keywords="机器视觉，注塑")
    _, page = second_tab_refused(client, url, dict(data, title="标签页丙改的标题"), changed, "139 0000 1111")
    assert differences(page) == {
        "标题": ("标签页丙改的标题", NEED_FORM["title"]),
        "联系电话": ("138 0013 8000", "139 0000 1111"),  # as saved, laid out as the edit page shows it
        "关键词": ("机器视觉,缺陷检测", "机器视觉，注塑"),
    }


def test_a_stale_result_edit_is_refused(client, auth):
    """The same for a result."""
    user = auth.login("researcher")
    r = result(user=user, title="原来的成果标题")
    stale = _version(client.get(f"/results/{r.id}/edit"))
    form = dict(RESULT_FORM, title="别处先保存的成果标题", confirm_typed="1")
    assert client.post(f"/results/{r.id}/edit", data=dict(form, version=stale)).status_code == 302
    resp = client.post(f"/results/{r.id}/edit", data=dict(form, version=stale, title="过期页面的成果标题"))
    assert resp.status_code == 409
    db.session.refresh(r)
    assert r.title == "别处先保存的成果标题"


def test_the_second_submit_of_a_double_clicked_listing_save_goes_through(client, auth):
    """One edit page sent twice (a double click without JavaScript, a resubmitted page): the second submit
    changes nothing of what the first saved and is not refused as another's change."""
    user = auth.login("enterprise")
    n = need(user=user, title="原来的需求标题")
    shown = _version(client.get(f"/needs/{n.id}/edit"))
    data = dict(NEED_FORM, confirm_typed="1", version=shown, title="双击保存的标题")
    assert client.post(f"/needs/{n.id}/edit", data=data).status_code == 302
    assert client.post(f"/needs/{n.id}/edit", data=data).status_code == 302
    assert client.post(f"/needs/{n.id}/edit", data=dict(data, title="第三次的标题")).status_code == 409
    db.session.refresh(n)
    assert n.title == "双击保存的标题"


def test_a_double_clicked_save_of_a_whole_amount_goes_through(client, auth):
    """A price typed 150 is Decimal('150') as sent and Decimal('150.00') as stored: the second submit of a
    double click looked like a change and answered 409."""
    user = auth.login("researcher")
    r = result(user=user, title="原来的成果标题")
    shown = _version(client.get(f"/results/{r.id}/edit"))
    data = dict(RESULT_FORM, confirm_typed="1", version=shown, title="双击保存的成果标题", price="150")
    assert client.post(f"/results/{r.id}/edit", data=data).status_code == 302
    assert client.post(f"/results/{r.id}/edit", data=data).status_code == 302
    auth.logout()
    user = auth.login("enterprise")
    n = need(user=user, title="原来的需求标题")
    data = dict(NEED_FORM, confirm_typed="1", version=_version(client.get(f"/needs/{n.id}/edit")), budget="80")
    assert client.post(f"/needs/{n.id}/edit", data=data).status_code == 302
    assert client.post(f"/needs/{n.id}/edit", data=data).status_code == 302


def test_a_refused_listing_edit_answers_400(client, auth):
    user = auth.login("enterprise")
    n = need(user=user, title="原来的需求标题")
    data = dict(NEED_FORM, confirm_typed="1", version=_version(client.get(f"/needs/{n.id}/edit")), title="")
    resp = client.post(f"/needs/{n.id}/edit", data=data)
    assert resp.status_code == 400 and 'aria-invalid="true"' in resp.get_data(as_text=True)
