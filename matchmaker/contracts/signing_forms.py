"""Forms of online signing: prepare the text, sign with the password, withdraw, verify an upload."""

from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from wtforms import BooleanField, HiddenField, PasswordField, StringField, TextAreaField
from wtforms.validators import DataRequired, ValidationError

from ..utils import clock, once
from ..utils import validators as val
from ..utils.bounds import id_or_none
from .forms import Choice, DateText, filled


class PrepareForm(FlaskForm):
    """What the contract's text needs beyond the recorded contract: subject, payment, period, signers."""

    subject = TextAreaField(
        "标的的内容、范围和要求", [val.required("请填写合同标的"), val.length(max=4000, label="标的")]
    )
    payment_terms = TextAreaField(
        "支付方式和期限", [val.required("请填写支付方式"), val.length(max=2000, label="支付方式")]
    )
    start = DateText("履行期限起", [filled("请填写履行期限的开始日期")])
    end = DateText("履行期限止", [filled("请填写履行期限的结束日期")])
    place = StringField("履行地点", [val.optional(), val.length(max=100, label="履行地点")])
    acceptance = TextAreaField("验收标准和方法（留空用本类合同的通用条款）", [val.length(max=2000, label="验收标准")])
    ip_terms = TextAreaField("技术成果的归属和收益分配（留空用通用条款）", [val.length(max=2000, label="成果归属")])
    extra = TextAreaField("其他约定", [val.length(max=2000, label="其他约定")])
    buyer_signer_id = Choice("甲方授权签署人", coerce=id_or_none, message="请选择甲方单位的签署人")
    buyer_address = StringField("甲方住所", [val.length(max=200, label="住所")])
    buyer_representative = StringField("甲方法定代表人（负责人）", [val.length(max=50, label="法定代表人")])
    seller_signer_id = Choice("乙方授权签署人", coerce=id_or_none, message="请选择乙方单位的签署人")
    seller_address = StringField("乙方住所", [val.length(max=200, label="住所")])
    seller_representative = StringField("乙方法定代表人（负责人）", [val.length(max=50, label="法定代表人")])
    submission_key = once.key_field()  # a double click sends the text once (signing_services.prepare)

    def validate(self, extra_validators=None):
        ok = super().validate(extra_validators)
        if self.start.data and self.end.data and self.end.data < self.start.data:
            self.end.errors.append("履行期限的结束日期不能早于开始日期")
            ok = False
        for f in (self.start, self.end):  # 0001-01-01 to 9999-12-31 was printed into a contract to sign
            if f.data and not f.errors and not 2000 <= f.data.year <= clock.today().year + 30:
                f.errors.append(f"{f.label.text}应在 2000 年至 {clock.today().year + 30} 年之间，请核对")
                ok = False
        for f in (self.buyer_signer_id, self.seller_signer_id):
            if f.data is None and not f.errors:
                f.errors.append(f.message)
                ok = False
        return ok


def must_agree(form, field):
    if not field.data:
        raise ValidationError("请先确认您已阅读合同全文并同意全部条款")


class SignForm(FlaskForm):
    """Sign as a party: the document the user read (its hash), their password, their consent."""

    document_hash = HiddenField()
    agree = BooleanField("我已完整阅读上述合同全文，同意全部条款，并代表本单位签署", [must_agree])
    password = PasswordField("登录密码", [DataRequired("请重新输入您的登录密码以确认签署")])


class WithdrawForm(FlaskForm):
    """Withdraw the text sent for signing (e.g. to correct it); a reason is required."""

    reason = TextAreaField("撤回原因", [val.required("请填写撤回原因"), val.length(2, 500, "撤回原因")])


class VerifyForm(FlaskForm):
    """Upload a PDF to check its signatures."""

    file = FileField("已签署的合同 PDF", [FileRequired("请选择要验证的 PDF 文件")])
