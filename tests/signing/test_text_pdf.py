"""Contract text per type and its PDF: Chinese capitals, dates, 禁则, an embedded font, stable bytes."""

from dataclasses import replace
from datetime import date
from decimal import Decimal

import pytest

from matchmaker.signing.fonts import FontNotFound, find_font
from matchmaker.signing.pdf import document_hash, render_pdf, wrap_lines
from matchmaker.signing.text import TYPES, build_text, cn_number

from .conftest import TERMS


@pytest.mark.parametrize(
    "kind, title, buyer, seller",
    [
        ("development", "技术开发（委托）合同", "委托方（甲方）", "受托方（乙方）"),
        ("transfer", "技术转让合同", "受让方（甲方）", "让与方（乙方）"),
        ("license", "技术许可合同", "被许可方（甲方）", "许可方（乙方）"),
        ("consulting", "技术咨询合同", "委托方（甲方）", "受托方（乙方）"),
        ("service", "技术服务合同", "委托方（甲方）", "受托方（乙方）"),
    ],
)
def test_each_type_has_its_own_template(kind, title, buyer, seller):
    """Each contract type names the parties as its model text does and fills in the terms."""
    text = build_text(replace(TERMS, type=kind))
    plain = text.plain()
    assert text.title == title
    assert f"{buyer}：广东光合新能源科技有限公司" in plain and f"{seller}：华南理工大学" in plain
    assert "人民币（大写）壹佰贰拾叁万肆仟伍佰陆拾柒元捌角玖分（¥1,234,567.89元）" in plain
    assert "履行期限：自2024年3月1日起至2025年2月28日止。" in plain
    assert "合同生效后十日内支付合同金额的 30%；" in plain and "验收合格后十日内支付其余 70%。" in plain
    assert "本合同项目名称：高效光伏组件低温封装工艺开发。" in plain
    headings = [a.heading for a in text.articles]
    assert headings[0] == "第一条　项目名称" and headings[-1].endswith("合同的订立和生效")
    assert len({build_text(replace(TERMS, type=k)).plain() for k in TYPES}) == len(TYPES)


def test_other_terms_and_defaults():
    """Optional terms appear as an article of their own; empty ones fall back to the type's wording."""
    plain = build_text(replace(TERMS, extra="乙方应派驻两名工程师。", ip_terms="")).plain()
    assert "其他约定" in plain and "乙方应派驻两名工程师。" in plain
    assert "归甲方所有" in plain  # the development template's default on results


def test_refuses_impossible_terms():
    """An unknown type, a period ending before it starts, or a float amount is refused."""
    with pytest.raises(ValueError):
        replace(TERMS, type="joint")
    with pytest.raises(ValueError):
        replace(TERMS, start=date(2024, 3, 2), end=date(2024, 3, 1))
    with pytest.raises(TypeError):
        replace(TERMS, amount=1.5)
    with pytest.raises(ValueError):
        replace(TERMS, amount=Decimal("0.001"))


def test_article_numbers():
    """第一条 … 第十条 … 第十二条 … 第二十条."""
    assert [cn_number(n) for n in (1, 9, 10, 11, 12, 20, 21, 99)] == [
        "一",
        "九",
        "十",
        "十一",
        "十二",
        "二十",
        "二十一",
        "九十九",
    ]


def test_same_terms_give_the_same_bytes(prepared_pdf):
    """The document hash is stable: the same terms render to identical bytes; any change to a term changes it."""
    assert prepared_pdf.startswith(b"%PDF-")
    again = render_pdf(build_text(TERMS))
    assert document_hash(again) == document_hash(prepared_pdf) and again == prepared_pdf
    changed = render_pdf(build_text(replace(TERMS, amount=Decimal("1234567.88"))))
    assert document_hash(changed) != document_hash(prepared_pdf)


def test_the_chinese_font_is_embedded(prepared_pdf):
    """A subset of the CJK font travels in the file (a reader needs no font), with a Unicode map for copying text."""
    font = find_font()
    assert font.name in ("Noto Serif CJK SC", "Noto Sans CJK SC", "WenQuanYi Micro Hei", "WenQuanYi Zen Hei")
    assert b"/FontFile3" in prepared_pdf or b"/FontFile2" in prepared_pdf
    assert b"/ToUnicode" in prepared_pdf and b"/Type0" in prepared_pdf
    assert b"/CreationDate (D:20240220000000+08'00')" in prepared_pdf


def test_a_missing_configured_font_says_what_to_install(tmp_path):
    """A configured font that is not there fails with a message naming the setting."""
    with pytest.raises(FontNotFound, match="SIGNING_FONT"):
        find_font(str(tmp_path / "none.ttf"))


def test_line_breaking_rules():
    """No line begins with closing punctuation or ends with an opening bracket; numbers stay whole."""

    def measure(s):
        return len(s)

    text = "甲方应于收到发票后十日内支付人民币（大写）壹佰万元整（¥1,000,000.00元），逾期按日计息。" * 3
    for width in range(8, 30):
        lines = wrap_lines(text, width, measure)
        assert "".join(lines) == text
        for prev, line in zip(lines, lines[1:]):
            assert line[0] not in "，。）；、"
            assert prev[-1] not in "（《“"
        assert all("¥1,000,000.00" in line for line in lines if "¥" in line) or width < 14
