"""A value past the 200 columns read (a CSV's column 201 on, an .xlsx's column GS on) was left out without a word:
its row is left out and told, as a row with a cell too long is; in the header, the file is refused."""

import pytest

from matchmaker.extensions import db
from matchmaker.models import ImportBatch

from .test_import import NEED_HEADER, csv_bytes, need_row, rejected, upload, xlsx


@pytest.fixture
def admin(auth):
    from ..factories import make_org

    make_org("enterprise", name="导入测试企业")
    return auth.login("admin")


def _far(row, column, value="备注"):
    """The row's cells with `value` in (1-based) `column`."""
    cells = list(row)
    return cells + [""] * (column - 1 - len(cells)) + [value]


def _file(fmt, rows, header=NEED_HEADER):
    return (xlsx(rows, header), "needs.xlsx") if fmt == "xlsx" else (csv_bytes(rows, header), "needs.csv")


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_a_value_past_column_200_is_told_and_its_row_left_out(client, admin, fmt):
    rows = [need_row("F-1"), _far(need_row("F-2"), 230), need_row("F-3"), _far(need_row("F-4"), 230)]
    content, name = _file(fmt, rows)
    assert upload(client, content, name).status_code == 302
    batch = db.session.scalar(db.select(ImportBatch))
    assert batch.good_rows == 2 and batch.bad_rows == 2 and batch.total_rows == 4
    [entry] = batch.errors  # the two rows told once, with their numbers
    assert entry[:2] == [3, "第 230 列"]
    assert "HV 列（第 230 列）有内容，超出了可读取的前 200 列" in entry[2] and "第 3、5 行" in entry[2]


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_a_row_holding_only_a_value_past_column_200_is_told(client, admin, fmt):
    rows = [need_row("F-1"), _far([], 201, "遗漏的内容")]
    content, name = _file(fmt, rows)
    upload(client, content, name)
    batch = db.session.scalar(db.select(ImportBatch))
    assert batch.good_rows == 1 and batch.bad_rows == 1
    assert batch.errors[0][:2] == [3, "第 201 列"] and "GS 列" in batch.errors[0][2]


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_a_header_past_column_200_refuses_the_file(client, admin, fmt):
    content, name = _file(fmt, [need_row("F-1")], header=_far(NEED_HEADER, 205, "附加列"))
    body = rejected(client, upload(client, content, name))
    assert "单元格 GW1 有内容，超出了可读取的前 200 列" in body


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_a_stray_cell_far_below_and_past_column_200_is_named_by_its_own_column(fmt):
    """A stray cell at KN2000 (column 300) under a few rows: the too-many-lines message named it GS2000 in an .xlsx
    (the first column past those read, where the reader marks a row's far value), not the cell to look for."""
    from matchmaker.imports.reader import FileProblem, Limits, read_rows

    content, _ = _file(fmt, [need_row("F-1")] + [[]] * 1997 + [_far([], 300, "遗漏")])
    with pytest.raises(FileProblem, match="第 2000 行的单元格 KN2000 还有内容"):
        read_rows(content, fmt, Limits(max_rows=100))
