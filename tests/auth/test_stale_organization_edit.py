"""Two admins editing one organisation from pages opened at the same time (attack, 2026-12-04): the later
save silently put back what the earlier one had changed (a corrected address, 已核实); now a save from a
page loaded before another save is refused with what was typed kept, and a second click saves."""

from matchmaker.extensions import db

from ..factories import make_org
from ..stale import differences, version


def test_a_save_from_a_stale_edit_page_does_not_overwrite_the_other(client, auth):
    org = make_org("university", name="南方理工大学")
    auth.login("admin")
    url = f"/admin/organizations/{org.id}/edit"
    first = version(client.get(url))
    second = version(client.get(url))  # another tab
    checked = {
        "name": "南方理工大学",
        "kind": "university",
        "address": "大学路 1 号",
        "verified": "y",
        "version": first,
    }
    assert client.post(url, data=checked).status_code == 302
    stale = {"name": "南方理工大学", "kind": "university", "contact_name": "第二个标签页的联系人", "version": second}
    resp = client.post(url, data=stale)
    body = resp.get_data(as_text=True)
    assert resp.status_code == 409 and "已被修改并保存" in body and "第二个标签页的联系人" in body
    assert differences(body) == {"联系人": ("（空）", "第二个标签页的联系人"), "已核实": ("是", "否")}
    db.session.expire_all()
    assert (org.address, org.verified, org.contact_name) == ("大学路 1 号", True, None)
    again = version(body)
    assert client.post(url, data=dict(stale, version=again)).status_code == 302
    db.session.expire_all()
    assert org.contact_name == "第二个标签页的联系人"


def test_a_field_set_to_the_text_none_meanwhile_is_a_change(client, auth):
    """联系人 empty (never set) on the page, set meanwhile to the text “None” by the other admin: the fingerprint
    took both as "None", so the stale page's save went through and emptied it; now refused like any change."""
    org = make_org("university", name="南方理工大学")
    assert org.contact_name is None
    auth.login("admin")
    url = f"/admin/organizations/{org.id}/edit"
    stale = version(client.get(url))
    org.contact_name = "None"  # the other admin's save
    db.session.commit()
    resp = client.post(
        url, data={"name": "南方理工大学", "kind": "university", "address": "大学路 1 号", "version": stale}
    )
    assert resp.status_code == 409 and "已被修改并保存" in resp.get_data(as_text=True)
    db.session.expire_all()
    assert (org.contact_name, org.address) == ("None", None)
