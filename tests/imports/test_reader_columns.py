"""The reader reads a row to the columns the file has: an .xlsx's rows were padded to the 200-column bound and
every padding cell cleaned and checked (20,000 rows of 12 columns took 8 s). A cell past the header is still read
and told about as before: a value there makes a row, a cell too long there names its column, past the 200th
column nothing is read, its row left out and told (test_past_columns.py)."""

import csv
import io

import pytest
from openpyxl import Workbook
from openpyxl.styles import PatternFill

from matchmaker.imports.reader import Limits, read_rows

HEADER = ["邮箱", "姓名", "观看时长"]
LONG = "长" * 2_000  # over the limit below (openpyxl cuts a cell at Excel's own 32,767 characters)


def _xlsx():
    wb = Workbook()
    ws = wb.active
    ws.append(HEADER)
    ws.append(["a@x.cn", "甲", "30"])
    ws.cell(row=2, column=100).fill = PatternFill("solid", fgColor="FFFF00")  # formatted, no value
    ws.cell(row=3, column=30, value="备注")  # a value past the header only
    ws.append(["b@x.cn", "乙"])  # row 4: shorter than the header
    ws.cell(row=5, column=1, value="c@x.cn")
    ws.cell(row=5, column=150, value=LONG)
    ws.cell(row=6, column=201, value="x")  # past the column bound: not read, the row told
    ws.append(["d@x.cn", "丁", "45"])
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def _csv():
    def line(cells):
        out = [""] * max(cells) if cells else []
        for column, value in cells.items():
            out[column - 1] = value
        return out

    rows = [
        HEADER, ["a@x.cn", "甲", "30", *[""] * 97], line({30: "备注"}), ["b@x.cn", "乙"],
        line({1: "c@x.cn", 150: LONG}), line({201: "x"}), ["d@x.cn", "丁", "45"],
    ]  # fmt: skip
    buf = io.StringIO()
    csv.writer(buf).writerows(rows)
    return buf.getvalue().encode()


@pytest.mark.parametrize("fmt", ["xlsx", "csv"])
def test_rows_are_read_to_the_columns_the_file_has_and_cells_past_the_header_still_told(fmt):
    """Rows are as wide as the header (an .xlsx's were 200 cells, 197 of them padding); a value past the header is
    still a row's, a long cell there still leaves its row out naming its column, a cell past 200 is not read (its row told)."""
    problems = []
    header, rows = read_rows(_xlsx() if fmt == "xlsx" else _csv(), fmt, Limits(max_cell_chars=1_000), problems)
    assert header == HEADER
    assert [n for n, _ in rows] == [2, 3, 4, 7]
    cells = dict(rows)
    assert cells[2] == ["a@x.cn", "甲", "30"] and cells[7] == ["d@x.cn", "丁", "45"]
    assert len(cells[3]) == 30 and cells[3][29] == "备注" and set(cells[3][:29]) == {""}
    assert cells[4][:2] == ["b@x.cn", "乙"] and set(cells[4][2:]) <= {""}
    assert problems[0] == (5, "第 150 列", "内容超过 1000 个字符")
    assert problems[1][:2] == (6, "第 201 列") and "超出了可读取的前 200 列" in problems[1][2] and len(problems) == 2
