"""Issue 10: a solved, closed or expired listing stays readable by those involved; the public is told
it is solved / expired (410), never that it was deleted."""

from datetime import timedelta

import pytest

from matchmaker.extensions import db
from matchmaker.utils import clock

from ..factories import make_need, make_result, make_suggestion, make_user
from .helpers import NEED_FORM


@pytest.fixture
def signed_pair(app):
    ent, res = make_user("enterprise"), make_user("researcher")
    need, result = make_need(user=ent), make_result(user=res)
    s = make_suggestion(need, result, status="signed")
    need.status = "solved"
    db.session.commit()
    return dict(ent=ent, res=res, need=need, result=result, s=s)


def test_counterpart_opens_the_solved_need(client, auth, signed_pair):
    auth.login(signed_pair["res"])
    resp = client.get(f"/needs/{signed_pair['need'].id}")
    body = resp.get_data(as_text=True)
    assert resp.status_code == 200 and signed_pair["need"].title in body and "该需求已解决" in body


def test_enterprise_counterpart_opens_a_closed_result(client, auth, signed_pair):
    signed_pair["result"].status = "closed"
    db.session.commit()
    auth.login(signed_pair["ent"])
    resp = client.get(f"/results/{signed_pair['result'].id}")
    assert resp.status_code == 200 and "该成果已关闭" in resp.get_data(as_text=True)


@pytest.mark.parametrize("who", ["anonymous", "stranger"])
def test_others_are_told_it_is_solved_not_deleted(client, auth, signed_pair, who):
    if who == "stranger":
        auth.login("researcher")
    resp = client.get(f"/needs/{signed_pair['need'].id}")
    body = resp.get_data(as_text=True)
    assert resp.status_code == 410 and "该需求已解决" in body and "已被删除" not in body


def test_expired_listing_reads_expired_to_the_public(client):
    need = make_need(valid_until=clock.today() - timedelta(days=1))
    resp = client.get(f"/needs/{need.id}")
    assert resp.status_code == 410 and "该需求已过期" in resp.get_data(as_text=True)
    db.session.refresh(need)
    assert need.status == "expired"


def test_staff_open_solved_listings_and_drafts_stay_private(client, auth, signed_pair):
    auth.login("broker")
    assert client.get(f"/needs/{signed_pair['need'].id}").status_code == 200
    auth.logout()
    draft = make_need(status="draft")
    assert client.get(f"/needs/{draft.id}").status_code == 404
    auth.login(signed_pair["res"])  # a counterpart of another need sees no draft
    assert client.get(f"/needs/{draft.id}").status_code == 404


def test_suggested_only_pair_gives_no_access(client, auth, signed_pair):
    """Only introduced (or later) pairs make someone a counterpart."""
    other = make_user("researcher")
    make_suggestion(signed_pair["need"], make_result(user=other), status="accepted")
    auth.login(other)
    assert client.get(f"/needs/{signed_pair['need'].id}").status_code == 410


def test_status_changes_are_recorded_with_who_and_when(client, auth):
    """The listing life cycle records each move (owner's button, a contract's solve) in the audit log."""
    from matchmaker.models import AuditLog

    ent = make_user("enterprise")
    need = make_need(user=ent)
    auth.login(ent)
    client.post(f"/needs/{need.id}/status", data={"action": "dock"})
    row = db.session.scalars(db.select(AuditLog).filter_by(entity="tech_need", entity_id=need.id)).one()
    assert (row.actor_id, row.action, row.before, row.after["status"]) == (
        ent.id,
        "status",
        {"status": "published"},
        "docking",
    )
    assert row.at is not None


def test_a_draft_closed_before_it_was_published_stays_unknown(client, auth):
    """A draft never published and then closed: its title is not shown to the public on a 410 page."""
    ent = make_user("enterprise")
    auth.login(ent)
    form = dict(NEED_FORM, title="内部草稿从未公开的标题", action="draft")
    need_id = int(client.post("/needs/new", data=form).headers["Location"].rsplit("/", 1)[1])
    assert client.post(f"/needs/{need_id}/status", data={"action": "close"}).status_code == 302
    assert client.get(f"/needs/{need_id}").status_code == 200  # the owner still reads it
    auth.logout()
    resp = client.get(f"/needs/{need_id}")
    assert resp.status_code == 404 and "内部草稿从未公开的标题" not in resp.get_data(as_text=True)
