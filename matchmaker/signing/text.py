"""Contract text from a template per contract type (技术开发 / 技术转让 / 技术许可 / 技术咨询 / 技术服务).

The clauses follow the headings the Civil Code gives technology contracts (《民法典》第八百四十五条:
项目名称，标的的内容、范围和要求，履行的计划、地点和方式，技术信息和资料的保密，技术成果的归属
和收益的分配办法，验收标准和方法，名词和术语的解释) and the Ministry of Science and Technology's
model texts. ``build_text`` returns plain data that both the browser page and the PDF lay out, so
the parties read in the browser exactly the words they sign.
"""

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from .amounts import rmb_upper, yuan_figures

TYPES = ("development", "transfer", "license", "consulting", "service")


@dataclass(frozen=True)
class Party:
    """One side of the contract as printed: name and the details a contract states."""

    name: str
    uscc: str = ""  # 统一社会信用代码
    address: str = ""
    representative: str = ""  # 法定代表人或负责人
    contact: str = ""  # the contact person and their phone, or their e-mail address when they gave no phone

    @property
    def contact_label(self) -> str:
        """联系人及电话, or 联系人及邮箱 when the contact is an e-mail address (it said 电话 beside an address)."""
        return "联系人及邮箱" if "@" in self.contact else "联系人及电话"


@dataclass(frozen=True)
class ContractTerms:
    """Everything the text is made from; the same terms always give the same text (and PDF)."""

    contract_no: str
    type: str  # one of TYPES
    title: str  # 项目名称
    buyer: Party  # 甲方: pays (委托方 / 受让方 / 被许可方)
    seller: Party  # 乙方: provides the technology (受托方 / 让与方 / 许可方)
    subject: str  # 标的的内容、范围和要求
    amount: Decimal  # 合同金额, yuan
    payment_terms: str  # 支付方式和期限
    start: date
    end: date
    place: str = ""  # 履行地点
    acceptance: str = ""  # 验收标准和方法 (a default per type when empty)
    ip_terms: str = ""  # 技术成果的归属和收益的分配 (a default per type when empty)
    extra: str = ""  # 其他约定
    prepared_on: date | None = None  # the day the text was prepared (PDF dates come from it)
    version: int = 1
    platform: str = "科技成果转化对接平台"

    def __post_init__(self):
        if self.type not in TYPES:
            raise ValueError(f"unknown contract type {self.type!r}")
        if self.end < self.start:
            raise ValueError("履行期限的结束日期不能早于开始日期")
        rmb_upper(self.amount)  # refuses floats, fractions of a cent and negatives


@dataclass(frozen=True)
class Article:
    heading: str
    paragraphs: tuple


@dataclass(frozen=True)
class ContractText:
    """A contract as laid-out data: title lines, parties, numbered articles and the signing block."""

    title: str
    contract_no: str
    parties: tuple  # ((label, Party), ...)
    preamble: str
    articles: tuple  # (Article, ...)
    signing: tuple  # ((label, Party), ...) for the signature page
    footer: str
    meta: dict = field(default_factory=dict)

    def plain(self):
        """The whole text as plain lines (for search, tests and a quick look)."""
        lines = [self.title, f"合同编号：{self.contract_no}"]
        for label, p in self.parties:
            lines.append(f"{label}：{p.name}")
        lines.append(self.preamble)
        for a in self.articles:
            lines.append(a.heading)
            lines.extend(a.paragraphs)
        return "\n".join(lines)


# Per-type wording -------------------------------------------------------------------------

KIND = {
    "development": dict(
        title="技术开发（委托）合同",
        buyer="委托方（甲方）",
        seller="受托方（乙方）",
        purpose="甲方委托乙方研究开发本合同约定的项目",
        subject="研究开发的内容、目标和要求",
        plan="乙方应按照下列计划和进度完成研究开发工作，并向甲方提交研究开发成果及必要的技术资料",
        ip="因履行本合同所产生的技术成果及其相关知识产权，除双方另有约定外，归甲方所有；乙方享有署名权和取得荣誉证书、奖励的权利。",
        acceptance="研究开发成果由甲方按照本合同约定的内容、目标和要求组织验收，验收合格的，由甲方出具书面验收证明。",
        extra_articles=(
            (
                "风险责任",
                "在履行本合同的过程中，因出现在现有技术水平和条件下难以克服的技术困难，导致研究开发失败或者部分失败的，"
                "双方应及时协商；该风险损失由双方合理分担。一方发现前述情形时，应在七日内通知另一方并采取适当措施减少损失。",
            ),
        ),
    ),
    "transfer": dict(
        title="技术转让合同",
        buyer="受让方（甲方）",
        seller="让与方（乙方）",
        purpose="乙方将本合同约定的技术（专利权、专利申请权或技术秘密）转让给甲方",
        subject="转让的技术及其内容、范围和要求",
        plan="乙方应在合同生效后按照下列期限和方式向甲方交付技术资料，并提供必要的技术指导",
        ip="本合同生效后，乙方转让的技术及其相关权利归甲方所有；甲方在此基础上作出的后续改进成果归甲方所有。"
        "乙方保证是所转让技术的合法拥有者，并保证该技术完整、无误、有效，能够达到本合同约定的目标。",
        acceptance="甲方收到技术资料后进行核验；按照技术资料实施能够达到本合同约定的技术指标的，视为验收合格。",
        extra_articles=(
            (
                "权利瑕疵担保",
                "乙方保证所转让的技术不侵犯任何第三方的合法权益。因第三方主张权利而引起的纠纷，由乙方负责处理并承担责任。",
            ),
        ),
    ),
    "license": dict(
        title="技术许可合同",
        buyer="被许可方（甲方）",
        seller="许可方（乙方）",
        purpose="乙方许可甲方在约定的范围内实施本合同约定的专利或技术秘密",
        subject="许可实施的技术、许可方式、范围和期限",
        plan="乙方应在合同生效后按照下列期限和方式向甲方交付实施许可技术所必需的技术资料，并提供技术指导",
        ip="许可技术的所有权仍属乙方；甲方在实施许可技术过程中作出的后续改进成果归甲方所有。"
        "未经乙方书面同意，甲方不得许可本合同约定以外的第三方实施该技术。",
        acceptance="甲方按照乙方交付的技术资料实施，能够达到本合同约定的技术指标的，视为验收合格。",
        extra_articles=(
            (
                "许可期限届满的处理",
                "许可期限届满或合同终止后，甲方应停止实施许可技术，但双方另有约定的除外；对于合同期内已经生产的产品，"
                "甲方可以在合理期限内销售完毕。",
            ),
        ),
    ),
    "consulting": dict(
        title="技术咨询合同",
        buyer="委托方（甲方）",
        seller="受托方（乙方）",
        purpose="甲方委托乙方就本合同约定的项目进行技术咨询（可行性论证、技术预测、专题技术调查或分析评价）",
        subject="技术咨询的内容、形式和要求",
        plan="乙方应按照下列期限和方式完成咨询工作，并向甲方提交咨询报告",
        ip="乙方提交的咨询报告归甲方使用；甲方利用咨询报告所作出的新的技术成果归甲方所有。"
        "乙方利用甲方提供的技术资料和工作条件所完成的新的技术成果归乙方所有，双方另有约定的除外。",
        acceptance="咨询报告由甲方组织评价；符合本合同约定的内容、形式和要求的，视为验收合格。"
        "甲方按照符合约定要求的咨询报告作出决策所造成的损失，由甲方承担，双方另有约定的除外。",
        extra_articles=(),
    ),
    "service": dict(
        title="技术服务合同",
        buyer="委托方（甲方）",
        seller="受托方（乙方）",
        purpose="甲方委托乙方以技术知识为甲方解决本合同约定的特定技术问题",
        subject="技术服务的内容、方式和要求",
        plan="乙方应按照下列期限、地点和方式完成服务工作；甲方应按照约定提供工作条件，完成协作事项",
        ip="在履行本合同过程中，乙方利用甲方提供的技术资料和工作条件完成的新的技术成果归乙方所有；"
        "甲方利用乙方的工作成果完成的新的技术成果归甲方所有，双方另有约定的除外。",
        acceptance="服务工作完成后，由甲方按照本合同约定的技术指标和质量要求进行验收，并出具书面验收证明。",
        extra_articles=(
            (
                "工作条件和协作事项",
                "甲方应当按照约定提供工作条件，完成配合事项；甲方未按约定提供的，乙方可以顺延相应的服务期限。",
            ),
        ),
    ),
}

NUMERALS = "零一二三四五六七八九"


def cn_number(n: int) -> str:
    """Article numbers in Chinese: 1 → 一, 10 → 十, 12 → 十二, 20 → 二十, 99 → 九十九."""
    if not 0 < n < 100:
        raise ValueError("article numbers run from 1 to 99")
    tens, ones = divmod(n, 10)
    if tens == 0:
        return NUMERALS[ones]
    return ("" if tens == 1 else NUMERALS[tens]) + "十" + (NUMERALS[ones] if ones else "")


def cn_date(d: date) -> str:
    """2024年3月1日."""
    return f"{d.year}年{d.month}月{d.day}日"


def _paragraphs(text):
    """Free text as paragraphs: one per non-empty line."""
    return tuple(line.strip() for line in (text or "").splitlines() if line.strip())


def build_text(terms: ContractTerms) -> ContractText:
    """The contract's text for these terms."""
    k = KIND[terms.type]
    upper, figures = rmb_upper(terms.amount), yuan_figures(terms.amount)
    place = terms.place.strip() or "双方约定的地点"
    body = [
        ("项目名称", (f"本合同项目名称：{terms.title}。",)),
        (k["subject"], _paragraphs(terms.subject) or ("详见双方确认的技术方案。",)),
        (
            "履行的计划、期限、地点和方式",
            (
                f"{k['plan']}。",
                f"履行期限：自{cn_date(terms.start)}起至{cn_date(terms.end)}止。",
                f"履行地点：{place}。",
            ),
        ),
        (
            "合同金额及支付方式",
            (f"本合同金额为人民币（大写）{upper}（{figures}元）。",)
            + (_paragraphs(terms.payment_terms) or ("一次性支付。",)),
        ),
        (
            "技术信息和资料的保密",
            (
                "双方对在订立和履行本合同过程中知悉的对方技术信息、技术资料和商业秘密负有保密义务，"
                "未经对方书面同意不得向第三方披露，保密期限至该信息依法公开之日止，不因本合同的终止而终止。",
            ),
        ),
        ("技术成果的归属和收益的分配", _paragraphs(terms.ip_terms) or (k["ip"],)),
        ("验收标准和方法", _paragraphs(terms.acceptance) or (k["acceptance"],)),
        *((h, (t,)) for h, t in k["extra_articles"]),
        (
            "违约责任",
            (
                "任何一方违反本合同约定的，应当承担继续履行、采取补救措施或者赔偿损失等违约责任。"
                "甲方逾期支付合同款项的，每逾期一日，按逾期金额的万分之五向乙方支付违约金。",
            ),
        ),
        (
            "争议的解决",
            (
                "因履行本合同发生的争议，双方应协商解决；协商不成的，任何一方均可向合同履行地有管辖权的人民法院提起诉讼。",
            ),
        ),
        (
            "合同的订立和生效",
            (
                f"本合同以数据电文形式订立，由双方授权代表在{terms.platform}阅读全文后，以重新输入登录密码的方式确认，"
                "由平台使用颁发给各方的数字证书分别加盖电子签名，最后由平台加盖数字签名并附可信时间，自平台签名之时起生效。",
                "依照《中华人民共和国电子签名法》，可靠的电子签名与手写签名或者盖章具有同等的法律效力。"
                "签署完成后对本文件的任何改动都将使签名验证失败；双方可在平台的“合同验证”页面或使用 PDF 签名验证工具核验。",
            ),
        ),
    ]
    if _paragraphs(terms.extra):
        body.append(("其他约定", _paragraphs(terms.extra)))
    articles = tuple(Article(f"第{cn_number(i)}条　{h}", tuple(p)) for i, (h, p) in enumerate(body, start=1))
    parties = ((k["buyer"], terms.buyer), (k["seller"], terms.seller))
    preamble = (
        f"根据《中华人民共和国民法典》的规定，{k['purpose']}，双方经平等协商，在真实、充分地表达各自意愿的基础上，"
        "达成如下协议，由双方共同恪守。"
    )
    prepared = terms.prepared_on or terms.start
    return ContractText(
        title=k["title"],
        contract_no=terms.contract_no,
        parties=parties,
        preamble=preamble,
        articles=articles,
        signing=parties,
        footer=f"合同编号 {terms.contract_no} · 文本第 {terms.version} 版 · {cn_date(prepared)}生成",
        meta={
            "amount_upper": upper,
            "amount_figures": figures,
            "prepared_on": prepared,
            "version": terms.version,
            "platform": terms.platform,
        },
    )
