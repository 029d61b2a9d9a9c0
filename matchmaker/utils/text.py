"""Text as stored: NFKC-normalised, without NUL, control or bidi-override characters (issue 13).

Installed once as a filter on every text field of every form (``install``): a StringField or a
TextAreaField, not a password or hidden field. Line breaks and tabs stay in multi-line text."""

import re
import unicodedata

from flask import g, has_request_context
from flask_wtf import FlaskForm
from wtforms import HiddenField, PasswordField, StringField, TextAreaField

KEEP = {"\n", "\r", "\t"}

# Letters that draw nothing although Unicode files them as letters or symbols (Hangul fillers, the blank
# braille pattern): a name made only of these looks empty wherever it is shown.
BLANK_LETTERS = {"\u115f", "\u1160", "\u2800", "\u3164", "\uffa0"}


# Full-width punctuation (，：；（）！？ …) is how Chinese text is written: NFKC would turn it into ASCII,
# so it is kept as typed; full-width letters and digits (ＡＢＣ１２３) do become ASCII.
_CJK_PUNCT = re.compile(r"([\uff01-\uff0f\uff1a-\uff20\uff3b-\uff40\uff5b-\uff65])")


def clean_text(value, multiline=True):
    """NFKC (full-width punctuation kept), then drop control (Cc) and format (Cf: bidi overrides,
    zero-width) characters."""
    if not isinstance(value, str):
        return value
    parts = _CJK_PUNCT.split(value)  # odd items are the kept punctuation
    # Text with nothing to change (the rule, not the exception) is told at C speed: printable text holds no Cc or
    # Cf character, and parts already in NFKC stay as they are. An import cleans every cell: 20,000 rows of 12
    # columns spent 0.5 s here, character by character, mostly to return the text unchanged.
    if value.isprintable() and all(unicodedata.is_normalized("NFKC", p) for p in parts[::2]):
        return value
    return _cleaned(parts, multiline)


def _cleaned(parts, multiline):
    """clean_text's work on the text split at the kept punctuation."""
    value = "".join(p if i % 2 else unicodedata.normalize("NFKC", p) for i, p in enumerate(parts))
    keep = KEEP if multiline else set()
    return "".join(ch for ch in value if ch in keep or unicodedata.category(ch) not in ("Cc", "Cf"))


# Brackets are typed either way in organisation names: 某某（深圳）有限公司 is often typed 某某(深圳)有限公司.
HALF_TO_FULL_BRACKETS, FULL_TO_HALF_BRACKETS = str.maketrans("()", "（）"), str.maketrans("（）", "()")


def name_key(name):
    """What makes two organisation names the same organisation: the name cleaned as form text is (full-width
    letters and digits as ASCII, no control or zero-width characters), trimmed, with half-width brackets.
    华星（深圳）精密有限公司, 华星(深圳)精密有限公司 and 华星(深圳）精密有限公司 are one key; None for a blank name."""
    key = clean_text((name or "").strip(), multiline=False).strip().translate(FULL_TO_HALF_BRACKETS)
    return key or None


def zone_key(name):
    """What makes two zone names one zone: name_key (full-width letters as ASCII, no invisible characters)
    without case or spaces: AI专区, ai专区, ＡＩ专区 and AI 专区 are one zone. None for a blank name."""
    key = name_key(name)
    return "".join(key.casefold().split()) if key else None


def has_visible(text) -> bool:
    """True when the text draws something: a character other than spaces, control, format or combining
    marks and the blank letters (a required name of only these looks empty on every page)."""
    return any(ch not in BLANK_LETTERS and unicodedata.category(ch)[0] not in "ZCM" for ch in text or "")


def _clean_line(value):
    return clean_text(value, multiline=False)


def _bind_field(self, form, unbound_field, options):
    cls = unbound_field.field_class
    if issubclass(cls, StringField) and not issubclass(cls, PasswordField | HiddenField):
        extra = clean_text if issubclass(cls, TextAreaField) else _clean_line
        filters = tuple(unbound_field.kwargs.get("filters") or ()) + tuple(options.get("filters") or ())
        options = dict(options, filters=(extra, *filters))
    field = unbound_field.bind(form=form, **options)
    if has_request_context():  # the request's fields, for an answer the app gives for the view (web.py changed_form)
        g.setdefault("form_fields", []).append(field)
    return field


def typed_labels(pairs):
    """(label, value shown) for the request's typed (name, value) pairs, by the fields its forms bound (the label and,
    for a choice, the choice's words); a name no field of the request has keeps the name."""
    fields = {f.name: f for f in g.get("form_fields", ())}
    shown = []
    for name, value in pairs:
        field = fields.get(name)
        if field is None:
            shown.append((name, value))
            continue
        try:
            words = {str(c[0]): str(c[1]) for c in field.iter_choices()} if hasattr(field, "iter_choices") else {}
        except (TypeError, ValueError):  # choices set later by its view, or none
            words = {}
        shown.append((str(field.label.text), words.get(value, value)))
    return shown


def install():
    """Make every Flask-WTF form clean its text fields and remember them for the request (idempotent)."""
    FlaskForm.Meta.bind_field = _bind_field
