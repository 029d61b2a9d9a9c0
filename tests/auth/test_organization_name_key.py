"""Organisation names are unique as the app tells organisations apart (2026-12-05): 华星(深圳)精密有限公司 is
华星（深圳）精密有限公司, ＡＢＣ is ABC. Only the exact name was unique, and every check was read-then-insert, so two
requests at the same moment could each save a look-alike; the database now refuses the second
(organization.name_key, utils.text.name_key)."""

import pytest
from sqlalchemy.exc import IntegrityError

from matchmaker.admin.services import organization_named
from matchmaker.extensions import db
from matchmaker.models import Organization
from matchmaker.utils.text import name_key

from ..factories import make_org

LOOK_ALIKES = [
    ("华星（深圳）精密有限公司", "华星(深圳)精密有限公司"),
    ("南方理工大学(深圳研究院)", "南方理工大学（深圳研究院）"),
    ("华星（深圳）精密有限公司", "华星(深圳）精密有限公司"),  # one bracket of each width
    ("ABC科技有限公司", "ＡＢＣ科技有限公司"),  # full-width letters, as a Chinese input method types them
    ("ABC科技有限公司", "ABC科技\u200b有限公司"),  # a zero-width space
]


def count_orgs():
    return db.session.scalar(db.select(db.func.count(Organization.id)))


@pytest.mark.parametrize("stored, look_alike", LOOK_ALIKES)
def test_a_look_alike_inserted_beside_an_organisation_is_refused_by_the_database(app, stored, look_alike):
    """No check of the app's in the way: the insert itself fails, and one organisation stays."""
    make_org("enterprise", name=stored)
    db.session.add(Organization(name=look_alike, kind="enterprise"))
    with pytest.raises(IntegrityError):
        db.session.commit()
    db.session.rollback()
    assert db.session.scalars(db.select(Organization.name)).all() == [stored]


@pytest.mark.parametrize("stored, look_alike", LOOK_ALIKES)
def test_a_rename_to_a_look_alike_of_another_organisation_is_refused_by_the_database(app, stored, look_alike):
    """Renaming is a way in too: the key follows the name."""
    make_org("enterprise", name=stored)
    other = make_org("enterprise", name="另一家单位")
    other.name = look_alike
    with pytest.raises(IntegrityError):
        db.session.commit()
    db.session.rollback()
    assert sorted(db.session.scalars(db.select(Organization.name))) == sorted([stored, "另一家单位"])


@pytest.mark.parametrize("stored, look_alike", LOOK_ALIKES)
def test_the_lookup_finds_the_organisation_by_its_look_alike(app, stored, look_alike):
    """organization_named(any_brackets=True) answers with the organisation the database would clash with."""
    org = make_org("enterprise", name=stored)
    assert organization_named(look_alike, any_brackets=True) is org
    assert organization_named(look_alike) is None  # exactly this name: none


def test_different_names_and_an_organisation_correcting_its_own_brackets_still_save(app):
    """Names differing in more than brackets and letter width are different organisations (case too: the
    app never took ABC for abc); an organisation's own new spelling keeps its key."""
    org = make_org("enterprise", name="华星（深圳）精密有限公司")
    make_org("enterprise", name="华星（东莞）精密有限公司")
    make_org("enterprise", name="abc科技有限公司")
    make_org("enterprise", name="ABC科技有限公司")
    org.name = "华星(深圳)精密有限公司"
    db.session.commit()
    assert count_orgs() == 4
    assert org.name_key == name_key("华星（深圳）精密有限公司") == "华星(深圳)精密有限公司"


def test_a_look_alike_kept_by_the_migration_can_still_be_edited_and_renamed_apart(app):
    """The migration leaves a database's existing look-alikes without a key (NULL): saving one unchanged in name
    (its contact, its town) works as before; renamed, it takes a key, refused when that is another's."""
    from matchmaker.admin import services

    make_org("enterprise", name="华星（深圳）精密有限公司")
    old = make_org("enterprise", name="临时名称")
    db.session.execute(
        db.text("UPDATE organization SET name = :name, name_key = NULL WHERE id = :id"),
        {"name": "华星(深圳)精密有限公司", "id": old.id},
    )
    db.session.commit()
    data = {"name": "华星(深圳)精密有限公司", "kind": "enterprise", "uscc": old.uscc, "town": "新镇街"}
    services.save_organization(old, data)
    assert (old.town, old.name_key) == ("新镇街", None)
    with pytest.raises(services.OrganizationTaken):
        services.save_organization(old, dict(data, name="华星(深圳）精密有限公司"))
    services.save_organization(old, dict(data, name="华星（深圳）精密二厂"))
    assert old.name_key == "华星(深圳)精密二厂"
