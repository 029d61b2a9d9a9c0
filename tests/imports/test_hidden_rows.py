"""Rows an .xlsx hides (an AutoFilter's, hidden by hand): a user who filtered the sheet to the rows they meant saw
only those, and the hidden ones were imported without a word. They are left out, each named on the report, and the
report says which rows and how to include them (unhide, re-upload: the rows imported are skipped)."""

import io

import pytest
from openpyxl import Workbook

from matchmaker.extensions import db
from matchmaker.models import ImportBatch, TechNeed

from ..factories import make_org
from .test_import import NEED_HEADER, need_row, rejected, upload


@pytest.fixture
def admin(auth):
    make_org("enterprise", name="导入测试企业")
    return auth.login("admin")


def _filtered(n_rows, hidden, auto_filter=True):
    """An .xlsx of the need header and `n_rows` good rows (row 2 on), the rows `hidden` hidden as a filter hides them."""
    wb = Workbook()
    ws = wb.active
    ws.append(NEED_HEADER)
    for i in range(n_rows):
        ws.append(need_row(f"H-{i + 2}", title=f"第{i + 2}行的合法需求名称"))
    if auto_filter:
        ws.auto_filter.ref = f"A1:S{n_rows + 1}"
        ws.auto_filter.add_filter_column(0, ["H-2", "H-4"])
    for r in hidden:
        ws.row_dimensions[r].hidden = True
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def _titles():
    return sorted(db.session.scalars(db.select(TechNeed.external_ref)))


def test_rows_hidden_by_a_filter_are_named_and_left_out(client, admin):
    """Rows 3 and 5-7 hidden by a filter: the report names them (第 3、5–7 行), counts them as not imported; confirming
    imports the rows the user saw alone."""
    resp = upload(client, _filtered(6, [3, 5, 6, 7]))
    body = client.get(resp.headers["Location"]).get_data(as_text=True)
    batch = db.session.scalar(db.select(ImportBatch))
    assert (batch.total_rows, batch.good_rows, batch.bad_rows) == (6, 2, 4)
    assert [e[0] for e in batch.errors] == [3, 5, 6, 7]
    assert all("在 Excel 中被隐藏（可能是筛选），未导入" in e[2] for e in batch.errors)
    assert "第 3、5–7 行在 Excel 中被隐藏（可能是筛选），未导入" in body
    client.post(f"/needs/import/{batch.id}/confirm")
    assert _titles() == ["H-2", "H-4"]


def test_rows_hidden_by_hand_without_a_filter_are_left_out_too(client, admin):
    """A row hidden by hand (no filter on the sheet) is left out as well."""
    upload(client, _filtered(3, [4], auto_filter=False))
    batch = db.session.scalar(db.select(ImportBatch))
    assert batch.good_rows == 2 and [e[0] for e in batch.errors] == [4]


def test_a_file_whose_data_rows_are_all_hidden_is_refused_naming_them(client, admin):
    """Every data row hidden: refused as such, not imported as rows nobody saw (nor told as a file of no rows)."""
    body = rejected(client, upload(client, _filtered(3, [2, 3, 4])))
    assert "第 2–4 行在 Excel 中被隐藏（可能是筛选），没有可导入的行" in body


def test_rows_text_names_runs_and_counts_past_the_first_few():
    """Runs of consecutive rows read as ranges; past ten runs, the count of rows."""
    from matchmaker.imports.reader import rows_text

    assert rows_text([5, 8, 9, 10, 11, 12]) == "第 5、8–12 行"
    assert rows_text(range(2, 60, 2)) == "第 2、4、6、8、10、12、14、16、18、20 等 29 行"


def test_include_hidden_rows_reads_them_as_any_row_and_the_form_keeps_the_choice(client, admin):
    """包括隐藏的行 ticked: the filtered-out rows are checked and imported with the others, at the validation and at the
    import; a refused upload shows the box still ticked."""
    content = _filtered(4, [3, 5])
    resp = client.post(
        "/needs/import",
        data={"kind": "need", "include_hidden": "1", "file": (io.BytesIO(content), "needs.xlsx")},
        content_type="multipart/form-data",
    )
    body = client.get(resp.headers["Location"]).get_data(as_text=True)
    batch = db.session.scalar(db.select(ImportBatch))
    assert (batch.good_rows, batch.bad_rows, batch.errors) == (4, 0, [])
    assert "被隐藏" not in body
    client.post(f"/needs/import/{batch.id}/confirm")
    assert _titles() == ["H-2", "H-3", "H-4", "H-5"]
    page = client.post("/needs/import", data={"kind": "need", "include_hidden": "1"}).get_data(as_text=True)
    assert 'id="include_hidden" value="1" aria-describedby="include-hidden-help" checked' in page


def test_many_hidden_rows_are_told_in_one_entry_with_their_count_and_ranges(client, admin):
    """Rows 3, 5-7 and 10-40 filtered out: the report names the first five rows each and the other 30 in one entry
    (共 30 行：第 11–40 行, as the formula cells), not a line a row; the notice above names them all as ranges; the counts
    stay those of the rows."""
    hidden = [3, 5, 6, 7, *range(10, 41)]
    resp = upload(client, _filtered(40, hidden))
    body = client.get(resp.headers["Location"]).get_data(as_text=True)
    batch = db.session.scalar(db.select(ImportBatch))
    assert (batch.total_rows, batch.good_rows, batch.bad_rows) == (40, 5, 35)
    assert [e[0] for e in batch.errors] == [3, 5, 6, 7, 10, 11]
    more = batch.errors[-1][2]
    assert more.startswith("第 11 行起更多的行同样在 Excel 中被隐藏（可能是筛选），未导入（共 30 行：第 11–40 行）")
    assert more in body and body.count("该行在 Excel 中被隐藏") == 5
    assert "第 3、5–7、10–40 行在 Excel 中被隐藏（可能是筛选），未导入" in body
    assert "有问题的行（35 行，6 处）" in body
    client.post(f"/needs/import/{batch.id}/confirm")
    assert _titles() == ["H-2", "H-4", "H-41", "H-8", "H-9"]


def test_the_reports_row_and_column_stay_on_one_line_beside_a_long_reason(client, admin):
    """行号 and 列 (整行, 预算（万元）) are kept on one line: beside a long reason the browser squeezed them to a
    character a line (行/号, 整/行) at 1280 px."""
    resp = upload(client, _filtered(4, [3]))
    body = client.get(resp.headers["Location"]).get_data(as_text=True)
    assert '<th class="text-nowrap">行号</th><th class="text-nowrap">列</th>' in body
    assert '<td class="text-nowrap">3</td><td class="text-nowrap">整行</td>' in body


def test_a_hidden_title_row_above_the_header_is_named_as_hidden(client, admin):
    """A system's export with its note in row 1, hidden: the header is the first row its user sees, and being told to
    delete "the title row above the header" sent them looking for a row they could not see. The message says it is
    hidden and how to remove it."""
    wb = Workbook()
    ws = wb.active
    ws.append(["系统导出 2026-12-01 内部使用"])
    ws.append(NEED_HEADER)
    ws.append(need_row("T-1"))
    ws.row_dimensions[1].hidden = True
    buf = io.BytesIO()
    wb.save(buf)
    body = rejected(client, upload(client, buf.getvalue()))
    assert "表头上方的第 1 行“系统导出 2026-12-01 内部使用”在 Excel 中被隐藏（因此看不到）" in body
    assert "第 2 行才是表头：请在 Excel 中取消隐藏该行并删除后重新上传" in body
