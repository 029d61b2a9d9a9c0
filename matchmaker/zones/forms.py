"""Zone form (admins)."""

from flask_wtf import FlaskForm
from wtforms import BooleanField, HiddenField, StringField, TextAreaField
from wtforms.validators import ValidationError

from ..extensions import db
from ..listings.forms import DateText
from ..models import Zone
from ..utils import validators as val


class ZoneForm(FlaskForm):
    """Create or edit a themed zone."""

    name = StringField("专区名称", [val.required("请填写专区名称"), val.length(2, 50, "专区名称")])
    description = TextAreaField("专区介绍", [val.optional(), val.length(max=2000, label="专区介绍")])
    starts_on = DateText("开始日期")
    ends_on = DateText("结束日期")
    active = BooleanField("启用（在专区列表中展示，可供需求和成果选择）", default=True)
    version = HiddenField()  # what the edit page was loaded from (services.zone_version)

    def __init__(self, *args, zone_id=None, **kw):
        super().__init__(*args, **kw)
        self._zone_id = zone_id

    def validate_name(self, field):
        other = db.session.scalar(db.select(Zone.id).filter_by(name=(field.data or "").strip()))
        if other and other != self._zone_id:
            raise ValidationError("已有同名专区")

    def validate_ends_on(self, field):
        if field.data and self.starts_on.data and field.data < self.starts_on.data:
            raise ValidationError("结束日期不能早于开始日期")
