"""The technical-need form."""

from flask_login import current_user
from wtforms import TextAreaField
from wtforms.validators import ValidationError

from ..listings import validation as rules
from ..listings.forms import AmountField, ChoiceField, ListingForm, rule, text_field
from ..models import Confidentiality, CoopMode, Source


class NeedForm(ListingForm):
    """Create or edit a technical need."""

    required_fields = ListingForm.required_fields + ("summary", "problem", "industry", "coop_mode", "budget")

    summary = TextAreaField("需求摘要", [rule(rules.clean_text, "summary", "需求摘要", True)],
                            description="公开展示的简要说明（不超过 300 字）；“仅公开摘要”时其他用户只能看到标题、行业和摘要")  # fmt: skip
    problem = text_field("拟解决的技术难题", "problem", True, rows=True)
    indicators = text_field("技术指标", "indicators", rows=True)
    conditions = text_field("现有基础", "conditions", rows=True)
    coop_mode = ChoiceField("合作方式", choices=[("", "请选择合作方式")] + CoopMode.choices())
    budget = AmountField(
        "预算（万元）", what="预算", positive=True, description="填写金额（最多两位小数），或填写“面议”"
    )
    confidentiality = ChoiceField("保密要求", choices=Confidentiality.choices())
    source = ChoiceField("需求来源")

    def __init__(self, *args, **kw):
        super().__init__(*args, **kw)
        # An enterprise posts its own need (自主发布): 走访收集 and 对接活动 count as needs the network
        # collected in the bureau's figures, so only staff record them; 快速通道 and 批量导入 are set by
        # the fast channel's review and the import, never chosen here (an edit keeps them: keep_current_choice).
        if self.source is None:  # a form whose source is fixed (the fast channel's, a visit's)
            return
        staff = getattr(current_user, "is_staff", False)
        allowed = {"self", "visit", "event"} if staff else {"self"}
        self.source.choices = [c for c in Source.choices() if c[0] in allowed]

    def keep_current_choice(self, obj):
        """Also the need's source when the form does not offer it (批量导入): an edit keeps it."""
        super().keep_current_choice(obj)
        if self.source is not None and obj.source and obj.source not in {v for v, _ in self.source.choices}:
            self.source.choices = [*self.source.choices, (obj.source, Source.label_of(obj.source))]

    def validate_coop_mode(self, field):
        if not field.data:
            raise ValidationError("请选择合作方式")

    def validate_industry(self, field):
        if not field.data:
            raise ValidationError("请选择所属行业")
