"""Lay a contract's text out as a PDF with an embedded Chinese font (fpdf2).

The same text, font file and fpdf2 version always give the same bytes, so the document's hash is
stable: the creation date is the day the text was prepared (not the clock), and fpdf2's file
identifier is derived from the content and that date. The platform keeps the bytes it generated
(the document's hash is computed over them) and never regenerates a signed document.
"""

import hashlib
from datetime import datetime, time, timedelta, timezone
from functools import cache

from .fonts import Font, covered, find_font
from .text import ContractText, cn_date

CHINA = timezone(timedelta(hours=8))
FONT = "cjk"
INDENT = "\u3000\u3000"  # two ideographic spaces: the first-line indent of Chinese paragraphs
# Line-breaking rules (禁则): these never begin a line (they hang in the margin instead) ...
NO_START = set("，。、；：？！）》」』】〕”’…—%,.;:?!)]}·")
# ... and these never end one (they move down with the character they open).
NO_END = set("（《「『【〔“‘([{¥")
# The footer's placeholder for the page count. fpdf2's default, "{nb}", was replaced in every string drawn,
# so a party named "{nb}科技有限公司" read "3科技有限公司" in the contract. Three characters, as "{nb}"
# is measured ("000"): documents without it keep their bytes. No typed text holds a NUL.
PAGE_COUNT = "\x00n\x00"


def _tokens(s):
    """Characters, except that runs of ASCII letters, digits and number punctuation stay whole."""
    out, run = [], ""
    for ch in s:
        if ch.isascii() and (ch.isalnum() or ch in "-_./:,%+#@&"):
            run += ch
            continue
        if run:
            out.append(run)
            run = ""
        out.append(ch)
    if run:
        out.append(run)
    return out


def wrap_lines(text, width, measure):
    """Break text into lines no wider than ``width`` (``measure(s)`` gives a width), with 禁则."""
    lines, line = [], ""
    for tok in _tokens(text):
        if line and measure(line + tok) > width and not (tok[0] in NO_START and len(tok) == 1):
            keep = len(line)
            while keep and line[keep - 1] in NO_END:  # an opening bracket goes down with what it opens
                keep -= 1
            if keep:
                lines.append(line[:keep])
                line = line[keep:]
            while tok and measure(line + tok) > width:  # a token longer than a line is cut anywhere
                cut = len(tok)
                while cut > 1 and measure(line + tok[:cut]) > width:
                    cut -= 1
                lines.append(line + tok[:cut])
                line, tok = "", tok[cut:]
        line += tok
    if line or not lines:
        lines.append(line)
    return lines


@cache
def _pdf_class():
    """fpdf2's FPDF with our footer; imported on first use (fpdf2 takes a second to import)."""
    from fpdf import FPDF

    class ContractPDF(FPDF):
        footer_text = ""

        def footer(self):
            self.set_y(-15)
            self.set_font(FONT, size=8)
            self.set_text_color(110)
            footer = self.footer_text.replace(PAGE_COUNT, "")
            self.cell(0, 5, f"{footer}　　第 {self.page_no()} 页 共 {PAGE_COUNT} 页", align="C")
            self.set_text_color(0)

    return ContractPDF


def document_hash(pdf_bytes: bytes) -> str:
    """SHA-256 of a document's bytes, in hex: what the signers see and the platform stores."""
    return hashlib.sha256(pdf_bytes).hexdigest()


def _strings(text: ContractText):
    fields = ("name", "uscc", "address", "representative", "contact")
    yield from (text.title, text.contract_no, text.preamble, text.footer, text.meta.get("platform") or "")
    for _, party in text.parties + text.signing:
        yield from (getattr(party, f) for f in fields)
    for article in text.articles:
        yield article.heading
        yield from article.paragraphs


def missing_characters(text: ContractText, font: Font | None = None) -> list:
    """Characters of the text the font cannot draw, in order of appearance: fpdf2 would silently leave them out."""
    font = font or find_font()
    have = covered(font)
    missing = {}
    for s in _strings(text):
        for ch in s:
            if ord(ch) not in have and not ch.isspace():
                missing.setdefault(ch, None)
    return list(missing)


def render_pdf(text: ContractText, font: Font | None = None, author: str = "") -> bytes:
    """The contract as PDF bytes; identical for identical text, font file and fpdf2 version."""
    font = font or find_font()
    pdf = _pdf_class()(format="A4", unit="mm")
    prepared = text.meta.get("prepared_on")
    stamp = datetime.combine(prepared, time(0, 0), tzinfo=CHINA) if prepared else datetime(2000, 1, 1, tzinfo=CHINA)
    pdf.set_creation_date(stamp)
    pdf.set_title(f"{text.title}（{text.contract_no}）")
    pdf.set_subject(text.title)
    platform = text.meta.get("platform") or "科技成果转化对接平台"
    pdf.set_author(author or platform)
    pdf.set_creator("matchmaker")
    pdf.set_lang("zh-CN")
    pdf.footer_text = text.footer
    pdf.add_font(FONT, fname=font.path, collection_font_number=font.index)
    # The subset keeps the whole face's bounding boxes rather than measuring every kept glyph again (valid: a
    # superset), which took a third of a page's time for Noto's CFF outlines.
    pdf.fonts[FONT].ttfont.recalcBBoxes = False
    pdf.set_margins(22, 20, 22)
    pdf.set_auto_page_break(True, margin=22)
    pdf.alias_nb_pages(PAGE_COUNT)
    pdf.add_page()

    def para(s, size=11, align="L", height=7, indent=True):
        pdf.set_font(FONT, size=size)
        width = pdf.w - pdf.l_margin - pdf.r_margin
        s = s.replace(PAGE_COUNT, "")
        for line in wrap_lines((INDENT if indent else "") + s, width, pdf.get_string_width):
            pdf.cell(width, height, line, align=align, new_x="LMARGIN", new_y="NEXT")

    para(text.title, size=20, align="C", height=12, indent=False)
    para(f"合同编号：{text.contract_no}", size=10, align="R", height=6, indent=False)
    pdf.ln(4)
    for label, party in text.parties:
        para(f"{label}：{party.name}", size=11, align="L", indent=False)
        for caption, value in (
            ("统一社会信用代码", party.uscc),
            ("住所", party.address),
            ("法定代表人（负责人）", party.representative),
            (party.contact_label, party.contact),
        ):
            if value:
                para(f"{INDENT}{caption}：{value}", size=10, align="L", height=6, indent=False)
        pdf.ln(2)
    pdf.ln(2)
    para(text.preamble)
    for article in text.articles:
        pdf.ln(2)
        para(article.heading, size=12, align="L", height=8, indent=False)
        for p in article.paragraphs:
            para(p)
    para("（以下无正文）", align="C", indent=False)

    # The signing block: electronic signatures are in the file itself, listed here by party.
    if pdf.get_y() > pdf.h - 110:
        pdf.add_page()
    pdf.ln(8)
    for label, party in text.signing:
        para(f"{label}（电子签名）：{party.name}", size=11, align="L", indent=False)
        para(f"{INDENT}授权代表：以本文件中的数字签名为准", size=10, align="L", height=6, indent=False)
        para(f"{INDENT}签署时间：以数字签名的时间为准", size=10, align="L", height=6, indent=False)
        pdf.ln(4)
    para(f"平台见证（数字签名并附可信时间）：{platform}", size=11, align="L", indent=False)
    prepared_text = cn_date(prepared) if prepared else ""
    para(
        f"本文本由平台于{prepared_text}生成，共三处数字签名：甲方、乙方、平台。",
        size=9,
        align="L",
        height=6,
        indent=False,
    )
    return bytes(pdf.output())
