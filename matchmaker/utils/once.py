"""Idempotent forms: each create or state-changing form carries a one-time key (hidden field).

A service calls ``claim(key, entity, user)`` as the first write of its transaction and
``bind(claimed, row_id)`` once the row exists; a repeat (or a concurrent twin) of an already
committed submit raises ``Repeat`` carrying the first one's row id, and the view answers
303 to that row. The unique constraint decides races: a twin still in flight blocks (PostgreSQL)
or waits for SQLite's write lock, then fails on the key and reads the winner's row.

A form making a row is reached again by 后退 with the key it was sent with (app.js puts it back, so that 保存
again makes no second row). Sent with other values than the first time (the user changed them to make another
row), it is no repeat: its key field refuses it (``key_field``) with a fresh key and a message, what was typed
kept, rather than the view answering with the first row as if nothing had been typed. A form without that field
(hand-written), or one whose twin was still in flight when its field looked, gets ``Changed`` from ``claim``: its
view may answer it itself; else the app does (web.py), in the same words, what was typed kept to be sent again.
"""

import hashlib
import hmac
import json
import secrets
import time

from flask import current_app, flash, g, has_request_context, request
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError, OperationalError

from ..extensions import db
from ..models.submissions import SubmissionKey

FIELD = "submission_key"
NOT_TYPED = {FIELD, "csrf_token", "next", "expected"}  # fresh on every page shown, or where to go back to and the
# state the page showed (hidden, never typed): no part of what a submit says
# The submit buttons' name on the create forms with two of them (发布 / 保存草稿, listings/form.html and
# visits/collect.html): which one was clicked is no typed value. The same form sent back by 后退 with the other
# button and nothing typed changed is a repeat (its first row, never a second one with the same text), told which
# button made it (BUTTON_DONE) so that the other step is taken there (发布 on the draft's page).
BUTTONS = {"action"}
ACTED = "@target"  # kept with the fields of a form acting on a row (its id), told apart from one making a row
BUTTON_LABELS = {"draft": "保存草稿", "publish": "发布"}
BUTTON_DONE = "此表单已提交过一次（已保存为{what}，当时点击的是“{before}”），未重复保存；如要{now}，请在本页操作。"

CHANGED = "此表单已提交过一次（已保存为{what}），本次改动未保存。如要新建另一条，请核对下面保留的内容后再次提交。"
CHANGED_ACTED = "此表单已提交过一次（已对{what}办理），本次改动未办理。如要按本次填写的内容办理，请核对后再次提交。"
WHAT = {"need": "技术需求", "result": "科技成果", "contract": "技术合同", "event": "对接活动", "suggestion": "对接配对",
        "visit": "对接走访记录", "visit_need": "技术需求", "urgent_request": "快速通道申请", "urgent_mark": "快速通道申请",
        "training_course": "培训课程", "training_session": "培训班次", "training_enrolment": "培训报名",
        "live_session": "直播课堂", "financing_case": "融资申请", "zone": "专区", "organization": "单位", "user": "账号",
        "api_token": "API 令牌", "contract_document": "待签署合同文本", "event_pair": "对接配对"}  # fmt: skip


class Repeat(Exception):  # noqa: N818  (a normal outcome, not an error)
    """This key was already used; ``entity_id`` is the row the first submit made or changed."""

    def __init__(self, entity, entity_id):
        super().__init__(f"{entity} #{entity_id} already made with this key")
        self.entity, self.entity_id = entity, entity_id


class Changed(Exception):  # noqa: N818  (a normal outcome, not an error)
    """This key was used by the same form sent with other values (reached again by 后退 and changed): no repeat,
    and not carried out either. A view may answer as ``key_field`` does for a WTForms form: ``message`` flashed, the
    form shown again with what was typed and a fresh key (``new_key``). No Repeat, so that a view catching only
    Repeat never answers it as a repeat (the first submit's row, what was typed lost without a word): one that does
    not catch it is answered by the app (web.py: the message, what was typed kept, to be sent again)."""

    def __init__(self, entity, entity_id, acted=False):
        super().__init__(f"{entity} #{entity_id} made with this key from other values")
        self.entity, self.entity_id = entity, entity_id
        self.message = changed_message(entity, entity_id, acted)


def changed_message(entity, entity_id, acted=False):
    """The answer to a form sent back with other values: what its first submit made (or, ``acted``, acted on)."""
    what = f"{WHAT.get(entity.split(':')[0], '记录')} #{entity_id}"
    return (CHANGED_ACTED if acted else CHANGED).format(what=what)


def new_key() -> str:
    """A fresh key for a form being shown (a page showing one is never kept for reuse: pagecache.py)."""
    if has_request_context():
        g.one_time_key_issued = True
    return secrets.token_urlsafe(24)


def clean(key) -> str | None:
    """The key as sent, or None when absent or malformed (then the submit is not deduplicated)."""
    key = (key or "").strip()
    return key if 16 <= len(key) <= 64 and key.replace("-", "").replace("_", "").isalnum() else None


def lookup(key, entity=None, user=None, target=None):
    """The stored (entity, entity_id) of a key, or None.

    With ``entity``, only a key used on that kind of form, and by ``user`` when both sides know the user:
    a key copied into another form, or another account's, is not a repeat of this submit. With ``target`` (the
    row a form acts on), only a key used on that row: the key of pair A's form sent for pair B is not a repeat."""
    row = _stored(key)
    if row is None or (entity is not None and not _same_form(row, entity, user, target)) or _changed(row):
        return None  # a form changed since its first submit is no repeat: its key field refuses it
    _tell_other_button(row)
    return row.entity, row.entity_id


def _stored(key):
    return db.session.execute(
        select(
            SubmissionKey.entity, SubmissionKey.entity_id, SubmissionKey.user_id, SubmissionKey.path, SubmissionKey.sent
        ).filter_by(key=key)
    ).first()


def _sent_now():
    """A hash of each field the form being submitted sent (its key and CSRF token aside), or None outside a POST."""
    if not has_request_context() or request.method != "POST":
        return None
    return {
        name: hashlib.sha256("\x1f".join(v.strip() for v in request.form.getlist(name)).encode()).hexdigest()[:16]
        for name in request.form
        if name not in NOT_TYPED and "password" not in name  # no hash of a password is ever kept
    }


def _where_sent(target):
    """The columns recording a form: where it was sent and what each field held (hashed). A form acting on a row
    (``target``) too: the pair's 分配 sent back with another broker chosen is no repeat of the first 分配."""
    sent = _sent_now()
    if sent is not None and target is not None:
        sent[ACTED] = str(target)  # no field's name: never compared, tells the message a row was acted on
    return {} if sent is None else {"path": request.path[:200], "sent": json.dumps(sent, sort_keys=True)}


def _acted(row):
    return row.sent is not None and ACTED in json.loads(row.sent)


def _differs(row):
    """The fields both submits of a form sent with the same key where the second holds another value, or None when
    the two cannot be compared (a key kept before the fields were, or the key of a form sent elsewhere)."""
    now = _sent_now() if row.sent is not None else None
    if now is None or row.path != request.path[:200]:
        return None  # a key kept without its fields, or the key of another form (the entity checks decide)
    before = json.loads(row.sent)
    return {name for name, digest in now.items() if name in before and before[name] != digest}


def _changed(row):
    """Whether a form, sent again with its used key, says something else than its first submit: a field both
    submits sent holds another value (a box ticked only now, such as 仍要提交, is no change; nor is the other
    submit button of a create form, BUTTONS)."""
    return bool((_differs(row) or set()) - BUTTONS)


def _tell_other_button(row):
    """A repeat sent with the other submit button (保存草稿 first, 发布 now): said once, where it lands."""
    if not has_request_context() or g.get("once_button_told") or not (_differs(row) or set()) & BUTTONS:
        return
    g.once_button_told = True
    before = json.loads(row.sent)
    now = {name: request.form.get(name, "") for name in BUTTONS if name in before}
    earlier = next(
        (v for name in now for v, label in BUTTON_LABELS.items()
         if hashlib.sha256(v.encode()).hexdigest()[:16] == before[name]), None
    )  # fmt: skip
    what = f"{WHAT.get(row.entity.split(':')[0], '记录')} #{row.entity_id}"
    label = next((BUTTON_LABELS.get(v, v) for v in now.values()), "")
    flash(BUTTON_DONE.format(what=what, before=BUTTON_LABELS.get(earlier, "另一个按钮"), now=label), "info")


def _same_form(row, entity, user, target=None):
    user_id = getattr(user, "id", None)
    same_user = row.user_id is None or user_id is None or row.user_id == user_id
    same_row = target is None or row.entity_id is None or row.entity_id == target
    return row.entity == entity and same_user and same_row


def claim(key, entity, user=None, target=None):
    """Reserve ``key`` in the current transaction (first write); raises Repeat when it was used.

    ``entity`` names the form (and its action, when one kind of row has several), ``target`` the row it acts on
    (None for a form making a row): a key used on another form, row or account is not a repeat of this submit.
    Returns the reservation to ``bind``, or None when the form sent no key (or one of another form)."""
    key = clean(key)
    if key is None:
        return None
    row = _stored(key)
    if row is not None and not _same_form(row, entity, user, target):
        return None  # the key of another form, row or account (copied by hand): this submit is not deduplicated
    if row is not None and _changed(row):  # sent back with other values: neither a repeat nor carried out
        raise Changed(row.entity, row.entity_id, _acted(row))
    if row is not None:
        _tell_other_button(row)
        raise Repeat(row.entity, row.entity_id)
    for attempt in range(8):
        row = SubmissionKey(key=key, entity=entity, user_id=getattr(user, "id", None), **_where_sent(target))
        db.session.add(row)
        try:
            db.session.flush()
            return row
        except IntegrityError:
            db.session.rollback()
            row = _stored(key)
            if row is not None and not _same_form(row, entity, user, target):
                return None  # a twin sent with the key of another form or row was first: not deduplicated
            _raise_if_changed(row)  # a twin in flight sent with other values: no repeat of it either
            raise Repeat(*(row[:2] if row else (entity, None))) from None
        except OperationalError as exc:  # SQLite: a read snapshot older than a twin's commit
            db.session.rollback()
            if "locked" not in str(exc) or attempt == 7:
                raise
            time.sleep(0.02 * (attempt + 1))
            row = _stored(key)
            if row is not None and not _same_form(row, entity, user, target):
                return None
            if row is not None:
                _raise_if_changed(row)
                raise Repeat(row.entity, row.entity_id) from None
    return None


def _raise_if_changed(row):
    if row is not None and _changed(row):
        raise Changed(row.entity, row.entity_id, _acted(row)) from None


def bind(claimed, entity_id):
    """Store the row the submit made or changed with its key (no commit)."""
    if claimed is not None:
        claimed.entity_id = entity_id


def state_key(*parts) -> str:
    """A key named by what a form acts on, for a page kept and shown again (pagecache.py) where ``new_key`` would
    stop it being kept: ``parts`` name the user, the row, the action and the row's state the page was made from.
    Two pages showing the same state share it, and a submit from either after the other's went through is a
    repeat of it; once the state changes (every action on it does) a page made afterwards has a fresh key."""
    secret = current_app.secret_key
    secret = secret.encode() if isinstance(secret, str) else secret
    text = "\x1f".join(str(p) for p in parts).encode()
    return hmac.new(secret, text, hashlib.sha256).hexdigest()[:40]


def key_field():
    """The hidden form field carrying a fresh key (``hidden_tag()`` renders it); it refuses a used key sent with
    other values than its first submit (the form reached again by 后退 and changed)."""
    from wtforms import HiddenField

    return HiddenField(default=new_key, validators=[_not_sent_otherwise])


def _not_sent_otherwise(form, field):
    """A used key with other values: refused with a fresh key in the form shown again, saying what was saved."""
    from flask_login import current_user
    from wtforms.validators import ValidationError

    key = clean(field.data)
    row = _stored(key) if key else None
    if row is None or not _same_form(row, row.entity, current_user if current_user.is_authenticated else None):
        return
    if not _changed(row):
        return
    field.data = new_key()  # sent again as shown, the form makes a new row
    message = changed_message(row.entity, row.entity_id, _acted(row))
    flash(message, "warning")
    raise ValidationError(message)


def done(key, entity, user=None, target=None):
    """The row id a committed submit with this key made (or changed) on an ``entity`` form (by ``user``, on the
    ``target`` row), or None (a view's early check)."""
    key = clean(key)
    found = lookup(key, entity, user, target) if key else None
    return found[1] if found else None


def see_other(url):
    """The answer to a repeated submit: 303 to the first one's row."""
    from flask import redirect

    return redirect(url, code=303)
