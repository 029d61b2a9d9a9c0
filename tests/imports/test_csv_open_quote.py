"""A CSV cell opening with a quote never closed (a title typed "智能检测 by hand): the csv reader takes every line after
it up to the next quote into that cell, and those rows were read as one, neither imported nor told."""

import csv
import io

import pytest

from matchmaker.extensions import db
from matchmaker.models import ImportBatch, TechNeed

from ..factories import make_org
from .test_import import NEED_HEADER, need_row, rejected, upload


@pytest.fixture
def admin(auth):
    make_org("enterprise", name="导入测试企业")
    return auth.login("admin")


def _csv(rows):
    buf = io.StringIO()
    csv.writer(buf).writerows([NEED_HEADER, *rows])
    return buf.getvalue()


def test_a_quote_never_closed_is_refused_naming_its_row(client, admin):
    """Row 3's title opens with a quote: rows 4-8 were swallowed into it (the report told only row 3's title as too
    long, 7 rows counted of 7 + the 5 lost). The file is refused naming row 3 and what to do; nothing is stored."""
    rows = [need_row(f"Q-{i}", title=f"第{i}行的合法需求名称", 关键词="视觉、检测") for i in range(2, 9)]
    text = _csv(rows).replace("第3行的合法需求名称", '"智能检测第3行的需求', 1)
    body = rejected(client, upload(client, text.encode(), "needs.csv"))
    assert "CSV 第 3 行有一个单元格以英文引号" in body and "开头却没有结束的引号（“智能检测第3行的需求" in body
    assert "其后的 5 行都被读进了这一个单元格" in body
    assert "请删去该单元格开头的引号" in body
    assert db.session.scalar(db.select(db.func.count(TechNeed.id))) == 0


def test_a_cell_of_several_lines_is_still_one_cell(client, admin):
    """A 技术指标 of several lines (commas among them, as prose has) is a cell, as before: both rows validate."""
    text = _csv([need_row("M-1", 技术指标="第一行,精度0.1mm\n第二行，节拍2秒\n第三行,a,b"), need_row("M-2")])
    resp = upload(client, text.encode(), "needs.csv")
    batch = db.session.scalar(db.select(ImportBatch))
    assert (batch.status, batch.good_rows, batch.errors) == ("validated", 2, []), resp.status_code
