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
