"""Zone form (admins)."""

from flask_wtf import FlaskForm
from wtforms import BooleanField, HiddenField, StringField, TextAreaField
from wtforms.validators import ValidationError

from ..listings.forms import DateText
from ..utils import once
from ..utils import validators as val
from .services import zone_named


class ZoneForm(FlaskForm):
    """Create or edit a themed zone."""

    name = StringField("专区名称", [val.required("请填写专区名称"), val.length(2, 50, "专区名称")])
    description = TextAreaField("专区介绍", [val.optional(), val.length(max=2000, label="专区介绍")])
    starts_on = DateText("开始日期", [val.optional(), val.within_years("开始日期")])
    ends_on = DateText("结束日期", [val.optional(), val.within_years("结束日期", years_ahead=10)])
    active = BooleanField("启用（在专区列表中展示，可供需求和成果选择）", default=True)
    version = HiddenField()  # what the edit page was loaded from (services.zone_version)
    submission_key = once.key_field()  # a new zone is made once per form shown

    def __init__(self, *args, zone_id=None, **kw):
        super().__init__(*args, **kw)
        self._zone_id = zone_id

    def validate_name(self, field):
        other = zone_named(field.data)
        if other is not None and other.id != self._zone_id:
            raise ValidationError("已有同名专区" if other.name == field.data.strip() else f"已有同名专区“{other.name}”")

    def validate_ends_on(self, field):
        if field.data and self.starts_on.data and field.data < self.starts_on.data:
            raise ValidationError("结束日期不能早于开始日期")
