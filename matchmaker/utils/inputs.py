"""Form fields of the network's service areas: Chinese errors, and what was typed is kept on error."""

import re
import unicodedata
from datetime import date, datetime
from decimal import Decimal

from wtforms import SelectField, StringField
from wtforms.utils import unset_value
from wtforms.validators import StopValidation, ValidationError

from . import money


class _Typed(StringField):
    """A text input parsed by ``parse``; a parse error is shown in Chinese and the text kept."""

    def parse(self, raw):  # pragma: no cover - overridden
        raise NotImplementedError

    def process_formdata(self, valuelist):
        self.raw = (valuelist[0] if valuelist else "").strip()
        self.data = None
        if self.raw:
            try:
                self.data = self.parse(self.raw)
            except ValueError as exc:
                self.process_errors.append(str(exc))

    def process_data(self, value):
        self.data = value
        self.raw = self.show(value) if value is not None else ""

    def show(self, value):
        return str(value)

    def _value(self):
        return getattr(self, "raw", "") or ""


class DateInput(_Typed):
    """YYYY-MM-DD (a date picker in browsers)."""

    def __init__(self, label=None, validators=None, **kw):
        kw.setdefault("render_kw", {"type": "date"})
        super().__init__(label, validators, **kw)

    def parse(self, raw):
        try:
            return date.fromisoformat(raw.replace("/", "-"))
        except ValueError:
            raise ValueError("日期格式不正确，请按 年-月-日 填写，如 2020-06-30") from None

    def show(self, value):
        return value.isoformat()


class DateTimeInput(_Typed):
    """YYYY-MM-DD HH:MM (a datetime-local picker in browsers)."""

    def __init__(self, label=None, validators=None, **kw):
        kw.setdefault("render_kw", {"type": "datetime-local"})
        super().__init__(label, validators, **kw)

    def parse(self, raw):
        try:
            value = datetime.fromisoformat(raw.replace(" ", "T")).replace(second=0, microsecond=0)
        except ValueError:
            raise ValueError("时间格式不正确，请按 年-月-日 时:分 填写，如 2020-06-30 14:30") from None
        if value.tzinfo is not None:  # "Z", "+08:00": the picker never sends one; times are Beijing time
            raise ValueError("时间请按北京时间填写，不要带时区（如 Z、+08:00），如 2020-06-30 14:30")
        return value

    def show(self, value):
        return value.strftime("%Y-%m-%dT%H:%M")


class ConfirmTyped:
    """An amount field whose text NFKC changes (full-width digits or point: ``１２３．４５``) is read as what
    its characters are, but not saved on that submit (issue 13): the form comes back with the value it
    was read as (``将按 123.45 万元 保存，请确认``) and a checkbox ``<name>_confirm`` carrying that value;
    the next submit with it ticked saves exactly that value. Typing another amount asks again (the
    ticked value no longer matches); plain ASCII saves at once. What was typed stays in the input.

    The request is an entry in ``errors`` (so ``validate()`` is false and no view saves), marked by
    ``confirm_message`` so the field macro shows it as a question with its checkbox, not as an error."""

    confirm_message = confirm_value = None

    def process(self, formdata, data=unset_value, extra_filters=None):
        self.typed, self.confirmed = "", None
        if formdata is not None and self.name in formdata:
            self.typed = (formdata.getlist(self.name) or [""])[0].strip()
            self.confirmed = formdata.get(self.confirm_name)
        super().process(formdata, data, extra_filters)

    @property
    def confirm_name(self):
        return f"{self.name}_confirm"

    def ask_confirmation(self, shown) -> bool:
        """Ask the user to confirm ``shown`` (the parsed value with its unit) unless the text is plain or
        this very value was confirmed; True when asking (the form must not save)."""
        if not money.typed_differently(self.typed) or self.confirmed == shown:
            return False
        self.confirm_value = shown
        self.confirm_message = f"您填写的“{money.short(self.typed)}”含全角或特殊字符，将按 {shown} 保存，请确认"
        self.errors = [*self.errors, self.confirm_message]
        return True

    @property
    def real_errors(self):
        """Errors other than the confirmation request."""
        return [e for e in self.errors if e != self.confirm_message]


_INTEGER = re.compile(r"-?[0-9]+")
_FULL_WIDTH_INTEGER = re.compile(r"[-－]?[0-9０-９]+")  # what a Chinese input method types: read, then asked about


class IntInput(ConfirmTyped, _Typed):
    """A whole number between ``low`` and ``high``: half-width digits, or full-width ones (１２) read as what
    they are and asked about before saving, as the amount fields do (``ConfirmTyped``). ``full_width=False``
    for a hand-written form without the field macro's confirmation box: full-width digits are refused there."""

    def __init__(self, label=None, validators=None, low=0, high=10**9, full_width=True, **kw):
        kw.setdefault("render_kw", {"inputmode": "numeric"})
        super().__init__(label, validators, **kw)
        self.low, self.high, self.full_width = low, high, full_width

    def parse(self, raw):
        # str.isdigit() and NFKC also take ①, ² and other scripts: only ASCII (and full-width) digits are read.
        if not (_FULL_WIDTH_INTEGER if self.full_width else _INTEGER).fullmatch(raw):
            plain = unicodedata.normalize("NFKC", raw).strip()
            read = f"：“{money.short(raw)}”请填写为 {plain}" if _INTEGER.fullmatch(plain) else ""
            raise ValueError(f"{self.label.text}必须是整数，只能填写半角阿拉伯数字{read}")
        raw = unicodedata.normalize("NFKC", raw)
        if len(raw.lstrip("-")) > 18:  # int() refuses thousands of digits, in English
            raise ValueError(f"{self.label.text}应在 {self.low}–{self.high} 之间")
        value = int(raw)
        if not self.low <= value <= self.high:
            raise ValueError(f"{self.label.text}应在 {self.low}–{self.high} 之间")
        return value

    def post_validate(self, form, validation_stopped):
        if self.data is not None and not self.errors:
            self.ask_confirmation(str(self.data))


class AmountText(ConfirmTyped, StringField):
    """A free-text amount parsed by its form (e.g. the contract's, whose unit is a field of its own);
    shows what was typed."""

    def _value(self):
        return getattr(self, "typed", "") or super()._value()


class WanInput(ConfirmTyped, _Typed):
    """An amount typed in 万元 (at most six decimals: exact to the cent); data is exact yuan."""

    def __init__(self, label=None, validators=None, **kw):
        kw.setdefault("render_kw", {"inputmode": "decimal"})
        super().__init__(label, validators, **kw)

    def parse(self, raw):
        return money.parse_amount(raw, "wan", self.label.text.replace("（万元）", ""))

    def show(self, yuan):
        return money.wan_input(yuan)

    def post_validate(self, form, validation_stopped):
        if self.data is not None and not self.errors:
            self.ask_confirmation(f"{money.wan_input(self.data)} 万元")


_PERCENT = re.compile(r"([0-9]+(?:\.[0-9]+)?)%?")


class PercentInput(ConfirmTyped, _Typed):
    """A rate in percent, 0–100 with at most two decimals: half-width digits, one decimal point, an
    optional % (either width). Decimal() took "0_5" as 5 and "4.3e1" as 43; full-width digits (４.３５) are
    read as what they are and asked about before saving, as the amount fields do (``ConfirmTyped``)."""

    def __init__(self, label=None, validators=None, **kw):
        kw.setdefault("render_kw", {"inputmode": "decimal"})
        super().__init__(label, validators, **kw)

    def parse(self, raw):
        name = self.label.text.replace("（%）", "")
        match = _PERCENT.fullmatch(unicodedata.normalize("NFKC", raw).strip())
        if match is None:
            raise ValueError(f"{name}只能填写半角阿拉伯数字和一个小数点（可带 %），如 4.35")
        value = Decimal(match.group(1))
        if not 0 <= value <= 100 or -value.as_tuple().exponent > 2:
            raise ValueError(f"{self.label.text}应为 0–100 之间、最多两位小数的数字")
        return value

    def post_validate(self, form, validation_stopped):
        # The Chinese keyboard's ％ alone is a plain rate; full-width digits or point are asked about.
        if self.data is not None and not self.errors and money.typed_differently(self.typed.rstrip("%％")):
            self.ask_confirmation(f"{self.data}%")


class CodeSelect(SelectField):
    """A select whose unknown or tampered values get a Chinese error."""

    def __init__(self, label=None, validators=None, message=None, **kw):
        super().__init__(label, validators, **kw)
        self.type = "SelectField"  # rendered as a select by the shared field macro
        self.message = message or f"请选择有效的{label}"

    def process_formdata(self, valuelist):
        try:
            super().process_formdata(valuelist)
        except ValueError:
            self.data = None
            raise ValueError(self.message) from None

    def pre_validate(self, form):
        if self.data in (None, "") and not self.flags.required:
            return
        if str(self.data) not in {str(v) for v, _ in self.choices or [] if v not in ("", None)}:
            raise ValidationError(self.message)


def filled(message):
    """Required on what was typed (a format error is shown instead of 'required' when text was typed)."""

    def check(form, field):
        raw = getattr(field, "raw", None)
        if raw is None:
            raw = field.data if isinstance(field.data, str) else ("x" if field.data not in (None, "") else "")
        if not str(raw).strip() and field.data in (None, ""):
            raise StopValidation(message)

    check.field_flags = {"required": True}
    return check


def flash_errors(form) -> None:
    """Flash every error of a rejected form (for forms posted from a page that redirects back)."""
    from flask import flash

    for errors in form.errors.values():
        for e in errors:
            flash(e, "danger")


YEAR_MIN, YEAR_MAX = 1900, 2100


def year_filter(raw):
    """A year typed in a list's 年度 box: ``(year, "")``, ``(None, "")`` when blank, or ``(None, notice)``.

    Full-width digits (a Chinese input method's ２０２０) and a trailing 年 are read; anything else was
    silently ignored, the whole list shown under a box still saying what was typed."""
    text = unicodedata.normalize("NFKC", raw or "").strip().removesuffix("年").strip()
    if not text:
        return None, ""
    if text.isascii() and text.isdigit() and YEAR_MIN <= int(text) <= YEAR_MAX:
        return int(text), ""
    shown = (raw or "").strip()[:20]
    return None, f"年度“{shown}”无法识别，请填写 4 位年份（如 2020）；下面的列表未按年度筛选。"
