"""Form fields and the base form shared by the need and result forms."""

from flask_wtf import FlaskForm
from wtforms import HiddenField, SelectField, SelectMultipleField, StringField, TextAreaField
from wtforms.validators import ValidationError

from ..extensions import db
from ..main.services import choice_list
from ..models import Zone
from ..utils import money, once
from ..utils import validators as val
from ..utils.inputs import ConfirmTyped
from . import validation as rules


class ChoiceField(SelectField):
    """A select whose invalid-choice message is Chinese (an empty one is the form's validate_* to refuse,
    in its own words)."""

    def __init__(self, *args, **kw):
        super().__init__(*args, **kw)
        self.type = "SelectField"  # rendered as a select (form-select) by the shared field macro

    def pre_validate(self, form):
        if self.data in (None, ""):
            return
        if self.choices is not None and str(self.data) not in {str(v) for v, _ in self.choices if v != ""}:
            raise ValidationError("请从列表中选择")


class ZonesField(SelectMultipleField):
    """Zone tags (ids); unknown ids are refused in Chinese."""

    def __init__(self, label=None, validators=None, **kw):
        super().__init__(label, validators, coerce=int, **kw)
        self.type = "SelectMultipleField"

    def process_formdata(self, valuelist):
        try:
            self.data = [int(x) for x in valuelist if str(x).strip()]
        except ValueError:
            self.data = []
            raise ValueError("专区选择无效") from None

    def pre_validate(self, form):
        allowed = {v for v, _ in self.choices or []}
        if any(d not in allowed for d in self.data or []):
            raise ValidationError("请从列表中选择专区")


class DateText(StringField):
    """A YYYY-MM-DD date typed as text (type=date in the browser); Chinese errors."""

    def process_formdata(self, valuelist):
        self.raw = valuelist[0] if valuelist else ""
        self.data = None
        if self.raw.strip():
            try:
                self.data = rules.parse_date(self.raw)
            except ValueError as exc:
                self.process_errors.append(str(exc))

    def _value(self):
        if getattr(self, "raw", ""):
            return self.raw
        return self.data.isoformat() if self.data else ""


class AmountField(ConfirmTyped, StringField):
    """An amount in 万元 or “面议”: data is (Decimal | None, negotiable). Full-width digits are saved
    only once the value read is confirmed (``ConfirmTyped``)."""

    def __init__(self, label=None, validators=None, what="预算", positive=False, **kw):
        super().__init__(label, validators, **kw)
        self.what = what
        self.positive = positive
        self.raw = ""

    def process_formdata(self, valuelist):
        self.raw = valuelist[0] if valuelist else ""
        self.data = None
        try:
            self.data = money.clean_money(self.raw, self.what, self.positive)
        except ValueError as exc:
            self.process_errors.append(str(exc))

    def post_validate(self, form, validation_stopped):
        if not self.errors and self.data and not self.data[1] and self.data[0] is not None:
            self.ask_confirmation(f"{self.data[0]:.2f} 万元")

    def set_from(self, amount, negotiable):
        self.data = (amount, negotiable)
        self.raw = money.listing_input(amount, negotiable)

    def _value(self):
        return self.raw


def rule(fn, *args):
    """Wrap a validation.clean_* function as a WTForms validator."""

    def check(form, field):
        try:
            fn(field.data, *args)
        except ValueError as exc:
            raise ValidationError(str(exc)) from None

    return check


def valid_until_rule(form, field):
    if field.data is None:
        if not field.errors:
            raise ValidationError("请填写有效期截止日期")
        return
    try:
        rules.clean_valid_until(field.data)
    except ValueError as exc:
        raise ValidationError(str(exc)) from None


def taxonomy_choices(kind, blank):
    return [("", blank)] + [(n, n) for n in choice_list(kind)]


def zone_choices():
    rows = db.session.execute(db.select(Zone.id, Zone.name).filter_by(active=True).order_by(Zone.id))
    return [(i, n) for i, n in rows]


class ListingForm(FlaskForm):
    """Fields common to needs and results."""

    # Marked required on the page (an asterisk, and ``required`` for assistive technology; the form is
    # novalidate, so the server's Chinese messages still say what is missing).
    required_fields = ("title", "valid_until")
    submission_key = once.key_field()
    version = HiddenField()  # what the edit page was loaded from (services.content_version)
    title = StringField("标题", [rule(rules.clean_title)])
    keywords = StringField(
        "关键词",
        [rule(rules.clean_keywords), val.stored_as(rules.clean_keywords)],  # as apply_data stores them
        description="用逗号或空格分隔，最多 10 个",
    )
    industry = ChoiceField("所属行业")
    field = ChoiceField("技术领域")
    town = ChoiceField("所在镇街")
    valid_until = DateText("有效期至", [valid_until_rule])
    zones = ZonesField("所属专区")
    contact_name = StringField("联系人", [val.optional(), val.length(max=50, label="联系人")])
    contact_phone = StringField("联系电话", [val.optional(), val.phone_any_layout_or_as_stored])
    contact_email = StringField("联系邮箱", [val.optional(), val.email(), val.length(max=120, label="邮箱")])

    def __init__(self, *args, **kw):
        super().__init__(*args, **kw)
        self.industry.choices = taxonomy_choices("industry", "请选择行业")
        self.field.choices = taxonomy_choices("field", "请选择技术领域")
        self.town.choices = taxonomy_choices("town", "请选择镇街")
        self.zones.choices = zone_choices()
        for name in self.required_fields:
            getattr(self, name).flags.required = True
        val.phones_for_reading(self)  # the edit page shows the stored contact phone laid out, not its digits

    def keep_current_choice(self, obj):
        """An inactive list entry still stored on the listing stays selectable when editing."""
        for name in ("industry", "field", "town"):
            value = getattr(obj, name, None)
            f = getattr(self, name)
            if value and value not in {v for v, _ in f.choices}:
                f.choices.append((value, value))


def text_field(label, name, required=False, rows=None):
    v = [rule(rules.clean_text, name, label, required)]
    return TextAreaField(label, v) if rows else StringField(label, v)
