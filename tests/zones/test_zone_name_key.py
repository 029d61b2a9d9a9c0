"""Look-alike zone names are refused by the database too (2026-12-05): AI专区, ai专区, ＡＩ专区 and AI 专区 are one zone,
but only the exact name was unique and the form's check read before the insert, so two admins creating (or
renaming to) look-alikes at the same moment both saved one. zone.name_key (utils.text.zone_key) is unique now;
the loser is answered in the words of the form's check, with what was typed kept."""

import pytest
from sqlalchemy.exc import IntegrityError

from matchmaker.extensions import db
from matchmaker.models import Zone
from matchmaker.zones.forms import ZoneForm
from matchmaker.zones.services import zone_key

LOOK_ALIKES = [
    ("AI专区", "ai专区"),
    ("AI专区", "AI 专区"),
    ("AI专区", "ＡＩ专区"),  # full-width letters (the form cleans them; the key does too)
    ("AI专区", "AI\u200b专区"),  # a zero-width space
]


def count_zones():
    return db.session.scalar(db.select(db.func.count(Zone.id)))


def _form_check_passed_by_a_simultaneous_save(monkeypatch):
    """The form's own check ran before the other request committed: it saw no zone of the name."""
    monkeypatch.setattr(ZoneForm, "validate_name", lambda self, field: None)


def _in(app, fn):
    with app.app_context():
        try:
            return fn()
        finally:
            db.session.remove()


# ---------------------------------------------------------------------------- the database's rule


@pytest.mark.parametrize("stored, look_alike", LOOK_ALIKES)
def test_a_look_alike_inserted_beside_a_zone_is_refused_by_the_database(app, stored, look_alike):
    """No check of the app's in the way: the insert itself fails (the model sets the key), one zone stays."""
    db.session.add(Zone(name=stored))
    db.session.commit()
    db.session.add(Zone(name=look_alike))
    with pytest.raises(IntegrityError):
        db.session.commit()
    db.session.rollback()
    assert db.session.scalars(db.select(Zone.name)).all() == [stored]
    assert zone_key(look_alike) == zone_key(stored)
