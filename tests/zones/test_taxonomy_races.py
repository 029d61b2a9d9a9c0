"""The admin's lists (行业、技术领域、镇街) under attack (2026-12): four simultaneous 添加 of one word gave a
500 (IntegrityError on the unique kind+name), and a name made only of a zero-width space was stored."""

import pytest

from matchmaker.admin.taxonomy import add_term
from matchmaker.extensions import db
from matchmaker.models import Taxonomy

from ..races import at_once


def test_the_same_term_added_four_times_at_once_is_stored_once(file_app):
    answers = []

    def add():
        return lambda: answers.append(add_term("field", "并发测试词"))

    outcomes = at_once(file_app, [add] * 4)  # a 500 would be an exception here
    assert outcomes == ["ok"] * 4, outcomes
    assert answers.count(None) == 1, answers
    assert all(a == "技术领域“并发测试词”已存在" for a in answers if a is not None), answers
    with file_app.app_context():
        names = db.session.scalars(db.select(Taxonomy.name).filter_by(kind="field", name="并发测试词")).all()
        assert names == ["并发测试词"]
        db.session.remove()


@pytest.mark.parametrize("name", ["\u200b", " \u200b\u200d ", "\u3000", "\u2800", "\u3164", "\u202e\u200c"])
def test_a_name_without_a_visible_character_is_refused(client, auth, name):
    auth.login("admin")
    count = db.select(db.func.count(Taxonomy.id))
    before = db.session.scalar(count)
    body = client.post("/admin/taxonomy", data={"kind": "field", "name": name}, follow_redirects=True).get_data(
        as_text=True
    )
    assert "不可见字符" in body or "请填写名称" in body
    assert "已添加" not in body
    assert db.session.scalar(count) == before


def test_invisible_characters_are_dropped_from_a_stored_name(client, auth):
    auth.login("admin")
    body = client.post(
        "/admin/taxonomy", data={"kind": "field", "name": "低空\u200b经济"}, follow_redirects=True
    ).get_data(as_text=True)
    assert "已添加技术领域“低空经济”" in body
    assert db.session.scalars(db.select(Taxonomy.name).where(Taxonomy.name.like("低空%"))).all() == ["低空经济"]


LOOKALIKES = ["智能家电", "智能 家电", "智能家电 ", " 智能  家电"]


def test_look_alike_terms_added_at_once_are_stored_once(file_app):
    """Two admins adding 智能家电 and 智能 家电 (and two more look-alikes) at the same moment: the page's look-alike
    check was read-then-insert, so each could pass it before the other committed; the unique (kind, name_key)
    keeps one, the others told as the check tells."""
    answers = []

    def add(name):
        return lambda: lambda: answers.append(add_term("industry", name))

    outcomes = at_once(file_app, [add(n) for n in LOOKALIKES])
    assert outcomes == ["ok"] * len(LOOKALIKES), outcomes
    assert answers.count(None) == 1, answers
    refused = [a for a in answers if a is not None]
    assert all("已存在" in a or "只差空格、全角半角或大小写" in a for a in refused), answers
    with file_app.app_context():
        names = db.session.scalars(db.select(Taxonomy.name).filter(Taxonomy.name.like("%智能%家电%"))).all()
        assert len(names) == 1, names
        db.session.remove()


def test_a_look_alike_committed_after_the_check_is_refused_naming_it(file_app, monkeypatch):
    """The other admin's 智能家电 commits just after this request's look-alike check found nothing: 智能 家电 is
    refused by the database, told as the page's check tells it (naming 智能家电), and one entry is stored."""
    from sqlalchemy.orm import Session

    from matchmaker.admin import services

    real, done = services.term_lookalike, []

    def looked_then_the_other_committed(kind, name):
        found = real(kind, name)
        if not done:
            done.append(True)
            with Session(db.engine) as other:
                other.add(Taxonomy(kind=kind, name="智能家电", sort_order=99))
                other.commit()
        return found

    monkeypatch.setattr(services, "term_lookalike", looked_then_the_other_committed)
    with file_app.app_context():
        answer = add_term("industry", "智能 家电")
        assert answer == "行业中已有“智能家电”，“智能 家电”与它只差空格、全角半角或大小写，请勿重复添加"
        names = db.session.scalars(db.select(Taxonomy.name).filter(Taxonomy.name.like("%智能%家电%"))).all()
        assert names == ["智能家电"]
        db.session.remove()
