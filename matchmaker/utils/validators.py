"""WTForms validators with Chinese messages, shared by every area's forms."""

import re
import unicodedata
from datetime import datetime, timedelta

from wtforms import validators as v
from wtforms.validators import StopValidation, ValidationError

from . import clock
from .text import has_visible
from .uscc import uscc_error


class _Required(v.DataRequired):
    """DataRequired that also refuses text drawing nothing (ㅤ, ⠀, combining marks alone): such a name or
    title was saved and then showed as an empty cell. Passwords are taken as typed."""

    def __call__(self, form, field):
        if isinstance(field.data, str) and field.type != "PasswordField" and not has_visible(field.data):
            field.errors[:] = []
            raise StopValidation(self.message)
        super().__call__(form, field)


def required(message="请填写此项"):
    return _Required(message=message)


def optional():
    return v.Optional()


class _Length(v.Length):
    """Length whose minimum counts the text as saved, without the spaces around it (the forms' services trim
    it): " 甲 " passed a 2-character minimum and was saved as 甲. The maximum counts what was sent, as the
    column holds it. Passwords are counted as typed."""

    def __call__(self, form, field):
        data = field.data
        if isinstance(data, str) and field.type != "PasswordField" and self.min > 0 and len(data.strip()) < self.min:
            raise ValidationError(self.message)
        super().__call__(form, field)


def length(min=-1, max=-1, label="内容"):
    if min > 0 and max > 0:
        msg = f"{label}长度应为 {min}–{max} 个字符"
    elif max > 0:
        msg = f"{label}不能超过 {max} 个字符"
    else:
        msg = f"{label}至少 {min} 个字符"
    return _Length(min=min, max=max, message=msg)


class _Email(v.Email):
    """Email checking the address as saved, without the spaces around it (the services trim and lower it):
    "new@demo.cn " pasted with a trailing space was refused as 邮箱格式不正确."""

    def __call__(self, form, field):
        typed = field.data
        if isinstance(typed, str):
            field.data = typed.strip()
        try:
            super().__call__(form, field)
        finally:
            field.data = typed  # a refused form shows what was typed


def email():
    return _Email(message="邮箱格式不正确", check_deliverability=False)


def equal_to(field, message="两次输入的密码不一致"):
    return v.EqualTo(field, message=message)


PHONE_RE = re.compile(r"^(1[3-9]\d{9}|0\d{2,3}-?\d{7,8}(-\d{1,6})?)$")


def phone(form, field):
    """A mainland mobile or landline number."""
    if field.data and not PHONE_RE.match(field.data.strip()):
        raise ValidationError("电话号码格式不正确（手机 11 位，或区号-号码）")


# What a number is typed with besides its digits: spaces, dashes of any width, brackets, dots, invisible characters.
_PHONE_SEPARATORS = re.compile(r"[\s\-\u2010-\u2015\u2212\ufe58\ufe63().\u200b-\u200f\u2060\ufeff]")
_DASHES = re.compile(r"[\u2010-\u2015\u2212\ufe58\ufe63]")
_MOBILE = re.compile(r"1[3-9]\d{9}")
# A landline as digits only: 0, a 2–3 digit area code, a 7–8 digit number.
_LANDLINE_DIGITS = re.compile(r"0\d{9,11}")
# A landline with its extension as normalize_phone stores it: 075588886666-123 (the one dash it keeps).
_LANDLINE_EXTENSION = re.compile(r"(0\d{9,11})-(\d{1,6})")
# What an extension is typed after: 转, 分机, ext, x, # (0755-88886666 转 123), once.
_EXTENSION_MARK = re.compile(r"\s*(?:转分机|转|分机|ext\.?|x|#)\s*", re.IGNORECASE)
# A landline typed with an extension before normalize_phone kept it apart (0571-88886666-123 was stored
# 057188886666123): such rows are still stored so, and cannot be split again (8 digits and 3, or 7 and 4?).
_LANDLINE_EXTENSION_STORED = re.compile(r"0\d{10,17}")


def _digits_only(text):
    number = _PHONE_SEPARATORS.sub("", text)
    return "".join(ch for ch in number if unicodedata.category(ch)[0] != "C")


def _extension(text):
    """(landline digits, extension digits) of a landline typed with an extension, else None: after 转 / 分机 / ext /
    x / # (0755-8888 6666 转 123), or after a last dash that follows a whole landline (0755-88886666-123,
    (0755)88886666-123, 075588886666-123 as stored). 0571-8888-6666 is no extension: 0571-8888 is no landline."""
    parts = _EXTENSION_MARK.split(text)
    if len(parts) != 2:
        parts = _DASHES.sub("-", text).rsplit("-", 1)
    if len(parts) != 2:
        return None
    number, extension = _digits_only(parts[0]), _digits_only(parts[1])
    if _LANDLINE_DIGITS.fullmatch(number) and re.fullmatch(r"\d{1,6}", extension):
        return number, extension
    return None


def normalize_phone(value):
    """A phone number as stored and compared: NFKC (full-width digits as ASCII), without spaces, dashes, brackets,
    dots or invisible characters; a leading + kept, but +86 / 0086 / 86 before a mainland mobile dropped (mobiles
    are stored as their 11 digits). 0571-88886666, 0571 8888 6666, (0571)88886666 and ０５７１－８８８８６６６６ are all
    057188886666. A landline's extension is kept apart by one dash: 0755-88886666-123 and 0755-8888 6666 转 123
    are 075588886666-123 (its digits ran on, 075588886666123, the number lost in them). None for a blank value;
    text that is no number comes back without its separators only."""
    if value is None:
        return None
    text = unicodedata.normalize("NFKC", str(value))
    extension = _extension(text)
    if extension:
        return "-".join(extension)
    number = _digits_only(text)
    for prefix in ("+86", "0086", "86"):
        if number.startswith(prefix) and _MOBILE.fullmatch(number[len(prefix) :]):
            return number[len(prefix) :]
    return number or None


# A landline's area code: 010 and 020–029 have three digits, every other one four (0571); its number 7–8 digits.
_LANDLINE_PARTS = re.compile(r"(010|02\d|0[3-9]\d{2})(\d{7,8})")


def phone_for_reading(number):
    """A stored phone (normalize_phone) laid out for reading: a mobile as 138 0013 8000, a landline with its area
    code split off (0571-88886666, 010-12345678), its extension after 转 (0755-88886666 转 123). A number that is
    none of these (an extension stored run on before it was kept apart, 057188886666123) is shown as stored."""
    number = number or ""
    if _MOBILE.fullmatch(number):
        return f"{number[:3]} {number[3:7]} {number[7:]}"
    landline = _LANDLINE_PARTS.fullmatch(number)
    if landline:
        return "-".join(landline.groups())
    extension = _LANDLINE_EXTENSION.fullmatch(number)
    if extension:
        return f"{phone_for_reading(extension.group(1))} 转 {extension.group(2)}"
    return number


PHONE_MESSAGE = "电话号码格式不正确（手机 11 位，或区号-号码）"


def is_phone(text):
    """Whether ``text`` is a mainland mobile or landline number in a layout normalize_phone reads (spaces, dashes,
    brackets, full-width digits, +86), a landline with an extension too (0571-88886666-123, 0571-88886666 转 123)."""
    number = normalize_phone(text)
    return bool(number and (_MOBILE.fullmatch(number) or _LANDLINE_DIGITS.fullmatch(number)
                            or _LANDLINE_EXTENSION.fullmatch(number)))  # fmt: skip


def phone_any_layout(form, field):
    """A phone field stored normalised: any layout is_phone reads, refused beside the field otherwise."""
    if not field.data or not field.data.strip():
        return
    if not is_phone(field.data):
        raise ValidationError(PHONE_MESSAGE)


def phone_any_layout_or_as_stored(form, field):
    """phone_any_layout on the edit form of a record storing the number normalised: a landline stored with its
    extension run on before extensions were kept apart (typed 0571-88886666-123, stored and shown
    057188886666123, which phone_any_layout refuses) is taken back unchanged, so the record's other fields can be
    saved."""
    kept = field.object_data
    if kept and normalize_phone(field.data) == kept and _LANDLINE_EXTENSION_STORED.fullmatch(kept):
        return
    phone_any_layout(form, field)


# A phone field is stored normalised: a refused stale save compares it as stored (utils.versions.differences), so
# 138-0013-8000 typed against 13800138000 stored is no difference to list.
phone_any_layout.field_flags = phone_any_layout_or_as_stored.field_flags = {"stored_as": normalize_phone}


def phones_for_reading(form):
    """Lay out for reading (phone_for_reading) each phone field of ``form`` stored normalised (the phone validators'
    ``stored_as`` flag) that was filled from the stored record, not posted: an edit page shows 0755-88886666 转 123,
    not the stored 075588886666-123, and saving it unchanged stores the same number (normalize_phone reads every
    layout phone_for_reading writes). What was posted, refused or not, is kept as typed. Returns ``form``."""
    for field in form:
        if field.flags.stored_as is normalize_phone and not field.raw_data and isinstance(field.data, str):
            field.data = phone_for_reading(field.data)
    return form


def stored_as(normalise):
    """A validator that checks nothing and marks its field as stored as ``normalise(typed)`` (a ValueError: not
    comparable), so that a refused stale save lists it only when what was typed would be stored differently from
    what is (utils.versions.differences)."""

    def mark(form, field):
        return None

    mark.field_flags = {"stored_as": normalise}
    return mark


def uscc(form, field):
    """统一社会信用代码 with its GB 32100-2015 check character."""
    if field.data:
        err = uscc_error(field.data)
        if err:
            raise ValidationError(err)


def within_years(label, first_year=2000, years_ahead=5):
    """A date or time from ``first_year`` to ``years_ahead`` years from today: 0001-01-01 and 9999-12-31
    were saved (and a session in year 9999 then broke registration)."""

    def check(form, field):
        if field.data is None:
            return
        if field.data.year < first_year:
            raise ValidationError(f"{label}不能早于 {first_year} 年")
        latest = clock.today() + timedelta(days=365 * years_ahead)
        value = field.data.date() if isinstance(field.data, datetime) else field.data
        if value > latest:
            raise ValidationError(f"{label}不能晚于 {latest:%Y-%m-%d}（最多提前 {years_ahead} 年安排）")

    return check
