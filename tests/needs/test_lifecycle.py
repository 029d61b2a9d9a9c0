"""Publish, dock, solve, close, expire and renew."""

from datetime import timedelta

from matchmaker.extensions import db
from matchmaker.models import Notification
from matchmaker.utils import clock

from .helpers import future, need


def test_expiry_command_removes_from_public_list_and_notifies(client, runner):
    n = need(title="过期的技术需求标题")
    n.valid_until = clock.today() - timedelta(days=1)
    db.session.commit()
    assert "过期的技术需求标题" not in client.get("/needs/").get_data(as_text=True)  # hidden at once
    result = runner.invoke(args=["expire-listings"])
    assert result.exit_code == 0 and "需求 1 项" in result.output
    db.session.refresh(n)
    assert n.status == "expired"
    note = db.session.scalar(db.select(Notification).filter_by(user_id=n.created_by_id))
    assert note and "续期" in note.text and note.link == f"/needs/{n.id}"
    assert client.get(f"/needs/{n.id}").status_code == 410  # not public any more: "该需求已过期"


def test_expired_on_read(client, auth):
    """A need read past its validity is expired there and then."""
    n = need()
    n.valid_until = clock.today() - timedelta(days=3)
    db.session.commit()
    auth.login(n.created_by)
    body = client.get(f"/needs/{n.id}").get_data(as_text=True)
    db.session.refresh(n)
    assert n.status == "expired" and "已过有效期" in body


def test_renew_brings_it_back(client, auth):
    n = need(title="续期后回来的需求")
    n.valid_until = clock.today() - timedelta(days=1)
    n.status = "expired"
    db.session.commit()
    auth.login(n.created_by)
    resp = client.post(f"/needs/{n.id}/status", data={"action": "renew", "valid_until": future(120)})
    assert resp.status_code == 302
    db.session.refresh(n)
    assert n.status == "published" and n.valid_until == clock.today() + timedelta(days=120)
    auth.logout()
    assert "续期后回来的需求" in client.get("/needs/").get_data(as_text=True)


def test_renew_without_a_date_never_shortens_the_validity(client, auth):
    """续期 with the date box left empty set the need valid for 180 days from today: one valid for a year more
    was cut short; now it gains 180 days from its current end, and the page says until when."""
    n = need(title="有效期还有一年的需求")
    n.valid_until = clock.today() + timedelta(days=365)
    db.session.commit()
    auth.login(n.created_by)
    resp = client.post(f"/needs/{n.id}/status", data={"action": "renew", "valid_until": ""}, follow_redirects=True)
    db.session.refresh(n)
    assert n.valid_until == clock.today() + timedelta(days=365 + 180)
    assert f"需求已续期，有效期至 {n.valid_until.isoformat()}" in resp.get_data(as_text=True)


def test_renew_without_a_date_sent_twice_extends_once(client, auth):
    """The 续期 form carries the end date its page showed: sent twice (a double click, 后退 and again) it gives
    the same new end, not 360 days more."""
    n = need(title="续期按了两次的需求")
    n.valid_until = clock.today() + timedelta(days=30)
    db.session.commit()
    auth.login(n.created_by)
    page = client.get(f"/needs/{n.id}").get_data(as_text=True)
    shown = (clock.today() + timedelta(days=30)).isoformat()
    assert f'name="renew_from" value="{shown}"' in page
    for _ in range(2):
        client.post(f"/needs/{n.id}/status", data={"action": "renew", "valid_until": "", "renew_from": shown})
    db.session.refresh(n)
    assert n.valid_until == clock.today() + timedelta(days=30 + 180)


def test_renew_to_a_past_date_is_refused(client, auth):
    n = need(status="expired")
    auth.login(n.created_by)
    client.post(f"/needs/{n.id}/status", data={"action": "renew", "valid_until": "2020-01-01"})
    db.session.refresh(n)
    assert n.status == "expired"


def test_renew_beyond_ten_years_is_refused_as_the_form_refuses_it(client, auth):
    """Renewing to 9999-12-31 was accepted; the need then never expired, and its edit form refused every save."""
    n = need(title="续期到远期的需求")
    before = n.valid_until
    auth.login(n.created_by)
    resp = client.post(f"/needs/{n.id}/status", data={"action": "renew", "valid_until": "9999-12-31"},
                       follow_redirects=True)  # fmt: skip
    assert "有效期最长 10 年" in resp.get_data(as_text=True)
    db.session.refresh(n)
    assert n.valid_until == before


def test_close_and_solve_leave_public_list(client, auth):
    a, b = need(title="将要关闭的需求"), need(title="将要解决的需求")
    auth.login(a.created_by)
    client.post(f"/needs/{a.id}/status", data={"action": "close"})
    auth.logout()
    auth.login(b.created_by)
    client.post(f"/needs/{b.id}/status", data={"action": "dock"})
    client.post(f"/needs/{b.id}/status", data={"action": "solve"})
    db.session.refresh(a)
    db.session.refresh(b)
    assert (a.status, b.status) == ("closed", "solved")
    auth.logout()
    body = client.get("/needs/").get_data(as_text=True)
    assert "将要关闭的需求" not in body and "将要解决的需求" not in body


def test_impossible_transition_gives_chinese_message(client, auth):
    n = need(status="closed")
    auth.login(n.created_by)
    resp = client.post(f"/needs/{n.id}/status", data={"action": "solve"}, follow_redirects=True)
    assert "不能标记为已解决" in resp.get_data(as_text=True)
    db.session.refresh(n)
    assert n.status == "closed"


def test_matching_is_scheduled(client, auth, monkeypatch):
    from matchmaker.suggestions import services as match_services

    seen = []
    monkeypatch.setattr(match_services, "schedule_matching", lambda listing: seen.append((listing.id, listing.status)))
    n = need()
    auth.login(n.created_by)
    client.post(f"/needs/{n.id}/status", data={"action": "close"})
    assert seen == [(n.id, "closed")]


def test_reminder_before_expiry(runner):
    n = need(valid_until=clock.today() + timedelta(days=3))
    runner.invoke(args=["expire-listings"])
    runner.invoke(args=["expire-listings"])
    notes = db.session.scalars(db.select(Notification).filter_by(user_id=n.created_by_id)).all()
    assert len(notes) == 1 and "到期" in notes[0].text


def test_a_move_made_meanwhile_is_not_silently_undone(client, auth, monkeypatch):
    """An admin closes the need while its owner marks it solved: the owner's move, checked against the
    status read before the close committed, is refused in Chinese and the need stays closed."""
    from sqlalchemy.orm.attributes import set_committed_value

    from matchmaker.listings import views

    n = need()
    real = views.own_or_404

    def closed_meanwhile(kind, listing_id):
        listing = real(kind, listing_id)
        db.session.execute(db.text("UPDATE tech_need SET status = 'closed' WHERE id = :i"), {"i": listing_id})
        db.session.commit()
        set_committed_value(listing, "status", "published")  # what this request read before the close
        return listing

    monkeypatch.setattr(views, "own_or_404", closed_meanwhile)
    auth.login(n.created_by)
    page = client.post(f"/needs/{n.id}/status", data={"action": "solve"}, follow_redirects=True)
    assert "状态刚刚已被更改为“已关闭”" in page.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(type(n), n.id).status == "closed"


def test_an_imported_needs_enterprise_is_told_of_its_expiry(runner):
    """An imported need has no author: its enterprise's users get the reminder and the expiry notice
    (both went to nobody, while the command counted the reminder as sent)."""
    from ..factories import make_org, make_user

    org = make_org("enterprise")
    colleague = make_user("enterprise", org=org)
    soon = need(user=colleague, title="导入的即将到期需求", valid_until=clock.today() + timedelta(days=3))
    past = need(user=colleague, title="导入的已过期需求")
    past.valid_until = clock.today() - timedelta(days=1)
    soon.created_by_id = past.created_by_id = None
    db.session.commit()
    assert runner.invoke(args=["expire-listings"]).exit_code == 0
    texts = db.session.scalars(db.select(Notification.text).filter_by(user_id=colleague.id)).all()
    assert any("导入的即将到期需求" in t and "到期" in t for t in texts)
    assert any("导入的已过期需求" in t and "已过有效期" in t for t in texts)


def test_a_validity_date_moved_on_the_edit_form_is_reminded_of_again(client, auth):
    """A reminder was sent for the old date; the owner then moved the date on the edit form (not 续期): the
    reminder before the new date was never sent, as if the first one had been about it."""
    from matchmaker.listings import services

    from .helpers import NEED_FORM

    n = need(title="改期后的需求", valid_until=clock.today() + timedelta(days=3))
    assert services.remind_expiring() == 1
    auth.login(n.created_by)
    later = clock.today() + timedelta(days=100)
    resp = client.post(f"/needs/{n.id}/edit", data=dict(NEED_FORM, title="改期后的需求", valid_until=later.isoformat()))
    assert resp.status_code == 302
    assert services.remind_expiring(today=later - timedelta(days=5)) == 1
    notes = db.session.scalars(db.select(Notification).filter_by(user_id=n.created_by_id)).all()
    assert [note.text for note in notes if f"将于 {later:%Y-%m-%d} 到期" in note.text]


def test_a_closed_needs_owner_is_told_that_renew_brings_it_back(client, auth):
    """A closed need's page offered only 有效期延至 … 续期: nothing told its owner that this reopens it."""
    n = need(title="已关闭待重新公开的需求")
    auth.login(n.created_by)
    client.post(f"/needs/{n.id}/status", data={"action": "close"})
    body = client.get(f"/needs/{n.id}").get_data(as_text=True)
    assert "该需求已关闭，不再公开展示和参与匹配。如需重新公开，请点击“续期”" in body
