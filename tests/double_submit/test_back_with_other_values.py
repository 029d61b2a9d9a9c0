"""后退 to a sent create form puts its used one-time key back (app.js), so 保存 again makes no second row. A user
who changes the fields there to make another row was sent to the first row with no word, the change lost: the
form is now shown again with a message naming what was saved, what was typed kept and a fresh key."""

import re

import pytest

from matchmaker.utils.once import new_key

from ..core.test_idempotent_forms import _setup, count

CHANGES = {
    "need": {"title": "注塑件尺寸在线测量", "confirm_duplicate": "1"},
    "event": {"title": "冬季成果对接会"},
    "visit": {"topic": "锁芯精密加工技术对接"},
    "urgent": {"title": "口罩熔喷布驻极工艺改进", "confirm_duplicate": "1"},
    "live_session": {"title": "研发费用加计扣除政策解读"},
    "zone": {"name": "另一个专区"},
    "collected_need": {"title": "锁具表面耐腐蚀涂层"},
}


@pytest.mark.parametrize("kind", list(CHANGES))
def test_a_sent_form_sent_again_with_other_values_is_told_and_kept(client, auth, kind):
    """Same key, other values: 此表单已提交过一次 with the values kept; sent as shown, it makes the second row."""
    role, url, data, model, by = _setup(kind)
    auth.login(role)
    before = count(model)
    key = new_key()
    first = client.post(url, data=dict(data, submission_key=key))
    assert first.status_code == 302, first.get_data(as_text=True)[:2000]
    changed = dict(data, **CHANGES[kind])
    typed = next(v for k, v in CHANGES[kind].items() if k != "confirm_duplicate")

    again = client.post(url, data=dict(changed, submission_key=key))
    page = again.get_data(as_text=True)
    assert again.status_code in (200, 400), again.headers.get("Location")
    assert "此表单已提交过一次" in page and typed in page
    fresh = re.search(r'<input[^>]*name="submission_key"[^>]*>', page).group(0)
    fresh = re.search(r'value="([^"]+)"', fresh).group(1)
    assert fresh != key
    assert count(model) == before + 1

    made = client.post(url, data=dict(changed, submission_key=fresh))
    assert made.status_code == 302, made.get_data(as_text=True)[:2000]
    assert made.headers["Location"] != first.headers["Location"] or kind in ("zone", "collected_need")  # to a list
    assert count(model) == before + 2
    # The first key, sent as first sent (a double click, 后退 and 保存 unchanged), still answers with the first row.
    repeat = client.post(url, data=dict(data, submission_key=key))
    assert repeat.status_code == 303 and repeat.headers["Location"] == first.headers["Location"]
    assert count(model) == before + 2


def test_no_hash_of_a_password_is_kept_with_the_key(client, auth):
    """A new account's form: what is kept to tell a changed form from a repeat leaves its passwords out."""
    import json

    from matchmaker.extensions import db
    from matchmaker.models.submissions import SubmissionKey

    role, url, data, model, by = _setup("account")
    auth.login(role)
    key = new_key()
    assert client.post(url, data=dict(data, submission_key=key)).status_code == 302
    sent = json.loads(db.session.scalar(db.select(SubmissionKey.sent).filter_by(key=key)))
    assert "email" in sent and not [name for name in sent if "password" in name]


def test_a_hand_written_form_sent_back_with_another_choice_is_told_and_kept(client, auth):
    """分配 (a hand-written form on the pair page): sent to broker A, reached again by 后退 and sent with broker B
    chosen and the same key, it went to the pair as a repeat, B lost; now 此表单已提交过一次, B still chosen,
    a fresh key, and sent as shown it assigns B."""
    from matchmaker.extensions import db
    from matchmaker.models import MatchSuggestion

    from ..factories import make_suggestion, make_user

    a, b = make_user("broker", name="经纪人甲"), make_user("broker", name="经纪人乙")
    s = make_suggestion(status="accepted")
    auth.login("admin")
    url, key = f"/broker/suggestions/{s.id}/assign", new_key()
    assert client.post(url, data={"broker_id": a.id, "submission_key": key}).status_code == 302

    again = client.post(url, data={"broker_id": b.id, "submission_key": key})
    page = again.get_data(as_text=True)
    assert again.status_code == 409 and "此表单已提交过一次" in page and "本次改动未办理" in page
    assert re.search(rf'<option value="{b.id}" selected>经纪人乙', page)
    db.session.expire_all()
    assert db.session.get(MatchSuggestion, s.id).assigned_broker_id == a.id
    form = page[page.index(f'action="{url}"') :]
    fresh = re.search(r'name="submission_key" value="([^"]+)"', form).group(1)
    assert fresh != key

    assert client.post(url, data={"broker_id": b.id, "submission_key": fresh}).status_code == 302
    db.session.expire_all()
    assert db.session.get(MatchSuggestion, s.id).assigned_broker_id == b.id
    # The first key sent as first sent (a double click) is still a repeat: nothing done twice.
    repeat = client.post(url, data={"broker_id": a.id, "submission_key": key})
    assert repeat.status_code == 303
    db.session.expire_all()
    assert db.session.get(MatchSuggestion, s.id).assigned_broker_id == b.id


def test_the_other_submit_button_alone_is_no_change(client, auth):
    """保存草稿, 后退, 发布 with nothing typed changed: the button is no typed value, so no second need with the same
    text (it made one before); the draft's page is shown, told it was saved as a draft and to 发布 there."""
    from matchmaker.models import TechNeed

    role, url, data, model, by = _setup("need")
    auth.login(role)
    before, key = count(TechNeed), new_key()
    first = client.post(url, data=dict(data, action="draft", submission_key=key))
    assert first.status_code == 302
    again = client.post(url, data=dict(data, action="publish", submission_key=key))
    assert again.status_code == 303 and again.headers["Location"] == first.headers["Location"]
    assert count(TechNeed) == before + 1
    page = client.get(again.headers["Location"]).get_data(as_text=True)
    assert "当时点击的是“保存草稿”" in page and "如要发布，请在本页操作" in page
    assert count(TechNeed, status="draft") >= 1


@pytest.mark.parametrize("target", [None, 7], ids=["making_a_row", "acting_on_a_row"])
def test_a_view_that_does_not_answer_a_changed_form_itself_is_answered_by_the_app(make_app, target):
    """A view catching only once.Repeat (as most views do) answered a form sent back (后退) with other values as a
    plain repeat: 303 to the first submit's row, the change lost without a word. Any such view, a new one too, is now
    answered by the app as the views answering it themselves: 409, 此表单已提交过一次…本次改动未保存/未办理, nothing
    carried out, what was typed kept in a form to send again with a fresh key; sent so, it is carried out."""
    from flask import redirect, request

    from matchmaker.extensions import db
    from matchmaker.utils import once

    done = []

    def new_view():
        try:
            claimed = once.claim(request.form.get(once.FIELD), "need", target=target)
            done.append(request.form["title"])
            once.bind(claimed, target or len(done))  # the row acted on, or the row made
            db.session.commit()
        except once.Repeat as r:  # the only answer it knows
            return once.see_other(f"/needs/{r.entity_id}")
        return redirect(f"/needs/{target or len(done)}")

    app = make_app()  # a fresh one: a view is added before its first request
    app.add_url_rule("/probe/once", "probe_once", new_view, methods=["POST"])
    with app.app_context():
        _answered_by_the_app(app.test_client(), target, done)


def _answered_by_the_app(client, target, done):
    key = new_key()
    assert client.post("/probe/once", data={"title": "注塑件缺陷检测", "submission_key": key}).status_code == 302
    again = client.post("/probe/once", data={"title": "注塑件尺寸测量", "submission_key": key, "next": "/x"})
    page = again.get_data(as_text=True)
    assert again.status_code == 409, again.headers.get("Location")
    told = "本次改动未办理" if target else "本次改动未保存"
    assert "此表单已提交过一次（已" in page and f"技术需求 #{target or 1}" in page and told in page
    assert "注塑件尺寸测量" in page and done == ["注塑件缺陷检测"]
    fresh = re.search(r'name="submission_key" value="([^"]+)"', page).group(1)
    assert fresh != key and 'name="title" value="注塑件尺寸测量"' in page and 'name="next" value="/x"' in page
    # sent again from that page: carried out as a submit of its own
    assert client.post("/probe/once", data={"title": "注塑件尺寸测量", "submission_key": fresh}).status_code == 302
    assert done == ["注塑件缺陷检测", "注塑件尺寸测量"]
    # the first key sent as first sent (a double click) is still a plain repeat
    repeat = client.post("/probe/once", data={"title": "注塑件缺陷检测", "submission_key": key})
    assert repeat.status_code == 303 and repeat.headers["Location"] == f"/needs/{target or 1}"


def test_a_twin_in_flight_sent_with_other_values_is_changed_not_a_repeat(app, monkeypatch):
    """The key field looks before its form's twin has committed (both in flight); the twin commits first, and the
    claim then finds the key taken: sent with other values, that is Changed (answered as such), not a repeat of it;
    sent with the same values, a repeat as before."""
    from matchmaker.extensions import db
    from matchmaker.utils import once

    key = new_key()
    with app.test_request_context("/probe", method="POST", data={"title": "甲", once.FIELD: key}):
        once.bind(once.claim(key, "need"), 1)
        db.session.commit()
    real, looked = once._stored, []

    def not_committed_yet(k):  # the claim's first look, made before the twin committed
        looked.append(k)
        return None if len(looked) == 1 else real(k)

    monkeypatch.setattr(once, "_stored", not_committed_yet)
    with app.test_request_context("/probe", method="POST", data={"title": "乙", once.FIELD: key}):
        with pytest.raises(once.Changed) as changed:
            once.claim(key, "need")
    assert "此表单已提交过一次（已保存为技术需求 #1），本次改动未保存" in changed.value.message
    looked.clear()
    with app.test_request_context("/probe", method="POST", data={"title": "甲", once.FIELD: key}):
        with pytest.raises(once.Repeat):
            once.claim(key, "need")


def test_the_apps_answer_names_each_typed_value_by_its_fields_label(make_app):
    """The app's 409 page listed what was typed as bare values (注塑件尺寸测量, 3): which box held which was left to
    guess. Each value is now shown under its form's label, a choice by its words; a name no form has stays as is."""
    from flask import redirect, request
    from flask_wtf import FlaskForm
    from wtforms import SelectField, StringField

    from matchmaker.extensions import db
    from matchmaker.utils import once

    class Probe(FlaskForm):
        title = StringField("需求标题")
        town = SelectField("所在镇街", choices=[("3", "松山湖"), ("4", "长安镇")])

    def new_view():
        Probe()
        try:
            once.bind(once.claim(request.form.get(once.FIELD), "need"), 1)
            db.session.commit()
        except once.Repeat as r:
            return once.see_other(f"/needs/{r.entity_id}")
        return redirect("/needs/1")

    app = make_app()  # a fresh one: a view is added before its first request
    app.add_url_rule("/probe/labels", "probe_labels", new_view, methods=["POST"])
    with app.app_context():
        client, key = app.test_client(), new_key()
        assert (
            client.post(
                "/probe/labels", data={"title": "注塑件缺陷检测", "town": "3", "submission_key": key}
            ).status_code
            == 302
        )
        again = client.post(
            "/probe/labels", data={"title": "注塑件尺寸测量", "town": "4", "extra": "备注", "submission_key": key}
        )
        page = again.get_data(as_text=True)
        assert again.status_code == 409
        typed = page[page.index('id="form-changed-typed"') :]
        assert re.search(r"<dt[^>]*>需求标题</dt><dd[^>]*>注塑件尺寸测量</dd>", typed)
        assert re.search(r"<dt[^>]*>所在镇街</dt><dd[^>]*>长安镇</dd>", typed)
        assert re.search(r"<dt[^>]*>extra</dt><dd[^>]*>备注</dd>", typed)
        assert 'name="town" value="4"' in page  # sent again as typed
