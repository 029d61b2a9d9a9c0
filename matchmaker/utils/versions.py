"""Stale edit forms: an edit page carries a fingerprint of the record it showed, and a save from a page
older than the record's last save is refused instead of silently overwriting it (two tabs, two admins)."""

import hashlib

from flask import flash


class EditConflict(ValueError):
    """The record was saved by someone else since its edit page was loaded; the message is shown."""


def fingerprint(values) -> str:
    """A short fingerprint of the values an edit form shows, as stored."""
    return hashlib.sha256(repr([str(v) for v in values]).encode()).hexdigest()[:20]


def check_unchanged(shown, current, noun, who="其他管理员"):
    """Raise EditConflict when the fingerprint the edit page showed (``shown``) is not the record's
    ``current`` one; a save without one (the API, a new record) is not checked."""
    if shown and shown != current:
        raise conflict(noun, who)


def conflict(noun, who="其他管理员") -> EditConflict:
    """The refusal of a save made from a page loaded before someone else's save of the same record."""
    return EditConflict(
        f"该{noun}在您打开编辑页之后已被修改并保存（可能是{who}或您在另一个页面所改）。"
        "为避免覆盖对方的修改，本次未保存；您填写的内容保留在下方，请核对后再次点击“保存”。"
    )


def refuse_stale(form, exc, current):
    """The view's side of a refused stale save: say why, keep what was typed, and take the current
    fingerprint so that saving again (after checking) overwrites. Returns the status code, 409."""
    flash(str(exc), "danger")
    form.version.data = current
    return 409
