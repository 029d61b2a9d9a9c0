"""The notes of 引荐 and a pair's later moves are posted as plain fields, not through a form: they are cleaned
as form text is (2026-12-05, attack helper)."""

from matchmaker.extensions import db
from matchmaker.models import SuggestionMove

from .conftest import reload


def test_introduction_and_move_notes_lose_nul_and_bidi_overrides(client, auth, sides):
    """A NUL in the note was a 500 on PostgreSQL (the pair could not be introduced); SQLite stored it, and a
    right-to-left override that reversed the rest of the line on the pair's timeline."""
    s = sides["s"]
    auth.login(sides["b1"])
    assert client.post(f"/broker/suggestions/{s.id}/accept", data={"expected": "suggested"}).status_code == 302
    note = "双方\x00已约见\u202e面谈"
    resp = client.post(f"/broker/suggestions/{s.id}/introduce", data={"expected": "accepted", "note": note})
    assert resp.status_code == 302 and reload(s).status == "introduced"
    resp = client.post(
        f"/broker/suggestions/{s.id}/move", data={"expected": "introduced", "to": "negotiating", "note": "进入\x00洽谈"}
    )
    assert resp.status_code == 302 and reload(s).status == "negotiating"
    notes = db.session.scalars(db.select(SuggestionMove.note).order_by(SuggestionMove.id)).all()
    assert notes[-2:] == ["双方已约见面谈", "进入洽谈"]
