"""Values in a column the header does not name (past its last name, or under a blank header cell) within the 200
columns read were dropped without a word. The report tells each such column before the import is confirmed: its
letter and number, which lines hold values there, that they are not imported; the rows import as before."""

import pytest

from matchmaker.extensions import db
from matchmaker.models import ImportBatch

from .test_import import NEED_HEADER, count, csv_bytes, need_row, upload, xlsx


@pytest.fixture
def admin(auth):
    from ..factories import make_org

    make_org("enterprise", name="导入测试企业")
    return auth.login("admin")


def _report(client, fmt, rows, header=NEED_HEADER):
    content = xlsx(rows, header) if fmt == "xlsx" else csv_bytes(rows, header)
    resp = upload(client, content, f"needs.{fmt}")
    assert resp.status_code == 302, resp.get_data(as_text=True)[:300]
    return db.session.scalar(db.select(ImportBatch)), client.get(resp.headers["Location"]).get_data(as_text=True)


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_a_note_beside_the_table_is_told_before_the_import_is_confirmed(client, admin, fmt):
    """备注 typed in column U (the 21st, two past the header's last name) on rows 3 and 5: the page names the column,
    the rows and that their values are not imported, before the confirm button; the four rows import as before."""
    rows = [need_row(f"U-{n}", title=f"第{n}个合法的需求名称") for n in range(1, 5)]
    rows[1] += ["", "已电话沟通"]
    rows[3] += ["", "待核实"]
    batch, body = _report(client, fmt, rows)
    assert batch.status == "validated" and (batch.good_rows, batch.bad_rows) == (4, 0)
    notice = "U 列（第 21 列）在表头中没有列名，第 3、5 行在该列填有内容（共 2 行），这些内容不属于任何一列，不导入"
    assert notice in body
    assert body.index('id="import-unnamed"') < body.index("/confirm")
    assert "表头中没有列名的列里填写的内容不会导入" in body  # in the confirm dialog too
    assert "有问题的行" in body and "没有发现问题" in body  # a note, not an error
    client.post(f"/needs/import/{batch.id}/confirm")
    assert count() == 4
    assert notice in client.get(f"/needs/import/{batch.id}").get_data(as_text=True)  # still told after the import


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_values_under_a_blank_header_cell_among_the_names_are_told(client, admin, fmt):
    """A column whose name was deleted (F, between 拟解决的技术难题 and 技术指标) over values: told the same way."""
    header = NEED_HEADER[:5] + [""] + NEED_HEADER[5:]
    rows = [need_row("B-1"), need_row("B-2", title="另一个合法的需求名称")]
    rows = [r[:5] + [v] + r[5:] for r, v in zip(rows, ["旧系统的分类", ""])]
    batch, body = _report(client, fmt, rows, header)
    assert batch.good_rows == 2 and batch.bad_rows == 0
    assert "F 列（第 6 列）在表头中没有列名，第 2 行在该列填有内容（共 1 行）" in body


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_a_line_holding_only_a_side_note_is_told_as_such(client, admin, fmt):
    """A line whose only value is in column V (合计 typed beside the table, under its rows) was told as every required
    column left empty (请填写外部编号…); it is told as holding a value only in a column without a name."""
    rows = [need_row("S-1"), [""] * 21 + ["合计 1 条"]]
    batch, body = _report(client, fmt, rows)
    assert (batch.good_rows, batch.bad_rows) == (1, 1)
    assert [e[:2] for e in batch.errors if len(e) == 3] == [[3, "第 22 列"]]
    assert "该行只在没有列名的 V 列（第 22 列）填有内容，其他各列都是空的，不是数据行，未导入" in body
    assert "请填写外部编号" not in body
    assert "V 列（第 22 列）在表头中没有列名，第 3 行在该列填有内容" in body


def test_empty_columns_past_the_header_tell_nothing(client, admin):
    """Columns past the header that hold nothing (blank strings in a CSV) are no notice."""
    batch, body = _report(client, "csv", [need_row("E-1") + ["", "", ""]])
    assert batch.errors == [] and 'id="import-unnamed"' not in body
    assert count() == 0
