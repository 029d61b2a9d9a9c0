"""Form for research results."""

from wtforms import StringField, TextAreaField
from wtforms.validators import ValidationError

from ..listings import validation as rules
from ..listings.forms import AmountField, ChoiceField, ListingForm, rule, text_field
from ..models import IPType, Maturity, TransferMode


class ResultForm(ListingForm):
    """Create or edit a research result."""

    required_fields = ListingForm.required_fields + ("abstract", "field", "maturity", "transfer_mode", "price")

    industry = ChoiceField("应用行业")  # where the result applies (the result page and import say so too)
    abstract = TextAreaField("成果简介", [rule(rules.clean_text, "abstract", "成果简介", True)],
                             description="公开展示的简要介绍（不超过 2000 字）")  # fmt: skip
    detail = text_field("详细介绍", "detail", rows=True)
    advantages = text_field("技术优势", "advantages", rows=True)
    team = StringField("研发团队", [rule(rules.clean_text, "team", "研发团队")], description="团队负责人及主要成员")
    maturity = ChoiceField("成熟度", choices=[("", "请选择成熟度")] + Maturity.choices())
    ip_type = ChoiceField("知识产权类型", choices=[("", "请选择")] + IPType.choices())
    patent_numbers = StringField("专利号", [rule(rules.clean_patents)],
                                 description="多个用逗号分隔，如 ZL 2017 1 0601862.3（校验位和类型位会被核对：第 5 位 1、8 为发明，2、9 为实用新型，3 为外观设计）")  # fmt: skip
    transfer_mode = ChoiceField("转化方式", choices=[("", "请选择转化方式")] + TransferMode.choices())
    price = AmountField(
        "价格（万元）",
        what="价格",
        description="转让、许可、作价入股或服务的价格：填写金额（最多两位小数），或填写“面议”",
    )

    def validate_patent_numbers(self, field):
        # 知识产权 无 beside a patent number, or 发明专利 beside a utility model's number, read as a contradiction on
        # the result's page; the import asks the same (listings/validation.patent_type_error)
        if err := rules.patent_type_error(field.data, self.ip_type.data):
            raise ValidationError(err)

    def validate_maturity(self, field):
        if not field.data:
            raise ValidationError("请选择成熟度")

    def validate_transfer_mode(self, field):
        if not field.data:
            raise ValidationError("请选择转化方式")

    def validate_field(self, field):
        if not field.data:
            raise ValidationError("请选择技术领域")
