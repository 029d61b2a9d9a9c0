"""Stale edit forms: an edit page carries a fingerprint of the record it showed, and a save from a page
older than the record's last save is refused instead of silently overwriting it (two tabs, two admins)."""

import hashlib
from contextlib import contextmanager
from datetime import date, datetime
from decimal import Decimal

import sqlalchemy as sa
from flask import flash

from ..extensions import db


class EditConflict(ValueError):
    """The record was saved by someone else since its edit page was loaded; the message is shown."""


def fingerprint(values) -> str:
    """A short fingerprint of the values an edit form shows, as stored. A cleared field (None) differs from one
    holding the text "None": both were str()-ed to "None", so a save that cleared what another set to "None"
    (or the reverse) was not seen as a change."""
    return hashlib.sha256(repr([_text(v) for v in values]).encode()).hexdigest()[:20]


def _text(value):
    """A value as the fingerprint reads it. An amount reads the same however many zeros it carries: 150 as
    typed is Decimal('150') and Decimal('150.00') once stored, and the second submit of a double-clicked save
    of a whole amount looked like a change."""
    if value is None:
        return None
    if isinstance(value, Decimal) and value.is_finite():
        return format(value.normalize(), "f")
    return str(value)


@contextmanager
def unless_stale(record, shown, version_of, noun, who="其他管理员"):
    """Around the changes an edit save makes to ``record``: raise EditConflict when the page was loaded before
    another save of the record (``shown`` is not the stored fingerprint) and this save would change what is
    stored. A stale save that changes nothing overwrites nothing and goes through: the second submit of a
    double click (or a resubmitted page) found its own first submit saved and was refused as someone else's
    change. ``shown`` empty (the API) or a new record: not checked.

    The record's row is taken for this transaction first and the record read again, so that of two stale
    saves sent at the same moment the second sees the first's commit (and is refused) instead of both passing
    the comparison. On refusal the transaction is rolled back (the row released)."""
    if not shown or record.id is None:
        yield
        return
    hold(record)
    stored = version_of(record)
    yield
    if shown != stored and version_of(record) != stored:
        db.session.rollback()
        raise conflict(noun, who)


def hold(record):
    """Take the record's row until this transaction ends, then read it again as committed.

    PostgreSQL: SELECT … FOR NO KEY UPDATE (a concurrent save waits for this one's commit). SQLite: a no-op UPDATE,
    which takes the database's single write lock (its columns' onupdate defaults not applied)."""
    table = type(record).__table__
    if db.session.get_bind().dialect.name == "postgresql":
        # FOR NO KEY UPDATE: rows referring to it (suggestions, audit entries) can still be written meanwhile.
        db.session.execute(sa.select(table.c.id).where(table.c.id == record.id).with_for_update(key_share=True))
    else:
        db.session.execute(sa.text(f'UPDATE "{table.name}" SET id = id WHERE id = :id'), {"id": record.id})  # noqa: S608 - a table name of the models
    db.session.expire(record)


def conflict(noun, who="其他管理员") -> EditConflict:
    """The refusal of a save made from a page loaded before someone else's save of the same record."""
    return EditConflict(
        f"该{noun}在您打开编辑页之后已被修改并保存（可能是{who}或您在另一个页面所改）。"
        "为避免覆盖对方的修改，本次未保存；您填写的内容保留在下方，请核对后再次点击“保存”。"
    )


def refuse_stale(form, exc, current, saved=None):
    """The view's side of a refused stale save: say why, keep what was typed, and take the current
    fingerprint so that saving again (after checking) overwrites. Returns the status code, 409.

    ``saved``: the same form filled from the record as it is stored now (as its edit page would show it);
    the page then lists the fields where what is saved differs from what was typed (``form.stale_differences``,
    shown by the form_errors macro), so the user sees what the other save changed before saving again."""
    flash(str(exc), "danger")
    form.version.data = current
    if saved is not None:
        form.stale_differences = differences(form, saved)
    return 409


_NOT_COMPARED = {"HiddenField", "CSRFTokenField", "SubmitField", "FileField", "PasswordField"}


def differences(typed, saved):
    """[(label, saved text, typed text)] for each visible field of two instances of one form whose shown
    values differ: ``typed`` as posted, ``saved`` filled from the stored record. A field stored normalised (its
    ``stored_as`` flag, utils.validators.stored_as and the phone validators) is compared as it would be stored: a
    phone typed 138-0013-8000 against 13800138000, keywords 机器视觉，缺陷检测 against 机器视觉,缺陷检测, are the same."""
    out = []
    for field in typed:
        if field.type in _NOT_COMPARED or field.name.startswith("confirm") or field.name not in saved:
            continue
        mine, theirs = _shown(field), _shown(saved[field.name])
        if mine != theirs and not _stored_alike(field, saved[field.name]):
            out.append((field.label.text, theirs, mine))
    return out


def _stored_alike(typed, saved):
    """Whether the field as typed would be stored as it is stored (False when it has no ``stored_as`` flag, or
    what was typed cannot be stored: a phone or keywords refused beside the field are listed as they differ)."""
    normalise = typed.flags.stored_as
    if not callable(normalise):
        return False
    try:
        return normalise(typed.data) == normalise(saved.data)
    except (ValueError, TypeError):
        return False


def _shown(field) -> str:
    """A field's value as its page shows it: the chosen labels of a select, 是/否 of a checkbox, else the text."""
    if field.type == "BooleanField":
        return "是" if field.data else "否"
    if isinstance(field.data, datetime):
        return field.data.strftime("%Y-%m-%d %H:%M")
    if isinstance(field.data, date):
        return field.data.isoformat()
    if hasattr(field, "iter_choices"):
        text = "、".join(str(c[1]) for c in field.iter_choices() if c[2] and c[0] not in ("", None))
    else:
        text = field._value() if hasattr(field, "_value") else ("" if field.data is None else str(field.data))
    text = "\n".join(line.rstrip() for line in str(text).replace("\r\n", "\n").strip().split("\n"))
    return text or "（空）"
