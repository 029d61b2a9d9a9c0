"""A contract is credited to a 对接活动 only if the event took place by the contract's signing date."""

from datetime import datetime

from matchmaker.extensions import db
from matchmaker.models import Contract, Event

from ..page_form import form_values
from .test_contracts import GOOD


def _event(day, title):
    event = Event(title=title, starts_at=datetime.fromisoformat(f"{day} 14:30"), online=False)
    db.session.add(event)
    db.session.commit()
    return event


def test_a_contract_signed_before_its_event_is_refused_naming_both_dates(client, auth):
    """Found 2026-12-07: a contract signed 2026-12-01 was taken with an event of 2026-12-17 (channel 线上), and
    按对接活动统计 counted it for an event held after it was signed. Refused now beside the event's field, naming
    both dates, nothing written and what was typed kept; an event held on the signing day is accepted."""
    auth.login("broker")
    later = _event("2020-07-15", "储能产业对接会")
    same_day = _event("2020-06-30", "新材料专场")
    resp = client.post("/contracts/new", data=dict(GOOD, event_id=str(later.id)))
    page = resp.get_data(as_text=True)
    assert resp.status_code == 400
    assert "对接活动「储能产业对接会」于 2020-07-15 举行，晚于合同签订日期 2020-06-30" in page
    assert db.session.scalar(db.select(db.func.count(Contract.id))) == 0
    kept = form_values(page, "event_id")
    assert (kept["event_id"], kept["title"], kept["channel"]) == (str(later.id), GOOD["title"], "online")
    assert client.post("/contracts/new", data=dict(kept, event_id=str(same_day.id))).status_code == 302
    assert db.session.scalars(db.select(Contract.event_id)).all() == [same_day.id]
