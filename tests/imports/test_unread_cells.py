"""Cells an .xlsx holds that read as empty: a formula whose result the file does not keep (a file written by a
program and never opened in Excel) and the cells a merged cell covers. They were told "请填写…" about a cell the
user did fill, or, in a column not required, imported as empty without a word."""

import io

import pytest
from openpyxl import Workbook

from matchmaker.extensions import db
from matchmaker.models import ImportBatch, TechNeed

from ..factories import make_org
from .test_import import NEED_HEADER, need_row, rejected, upload

COL = {name.rstrip("*"): chr(ord("A") + i) for i, name in enumerate(NEED_HEADER)}  # 需求名称 -> B


@pytest.fixture
def admin(auth):
    make_org("enterprise", name="导入测试企业")
    return auth.login("admin")


def _sheet(rows, edit=None):
    """An .xlsx of the need header and `rows`; `edit(ws)` changes it."""
    wb = Workbook()
    ws = wb.active
    ws.append(NEED_HEADER)
    for r in rows:
        ws.append(r)
    if edit:
        edit(ws)
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def _report(client, content):
    """The batch after validation, and its page's text."""
    resp = upload(client, content)
    assert resp.status_code == 302, resp.get_data(as_text=True)[:300]
    body = client.get(resp.headers["Location"]).get_data(as_text=True)
    return db.session.scalar(db.select(ImportBatch)), body


def test_a_formula_without_its_result_is_named_not_called_empty(client, admin):
    """=10*8 in 预算 and a formula in 技术指标 (not required) with no result kept: each named with its formula and
    what to do; the row is not imported, the other one is."""

    def formulas(ws):
        ws[f"{COL['预算（万元）']}2"] = "=10*8"
        ws[f"{COL['技术指标']}3"] = '=CONCAT("节拍","2秒")'

    batch, body = _report(client, _sheet([need_row("F-1"), need_row("F-2", title="另一个合法的需求名称")], formulas))
    errors = {(r, col): reason for r, col, reason in batch.errors}
    assert set(errors) == {(2, "预算（万元）"), (3, "技术指标")}, errors
    budget = errors[(2, "预算（万元）")]
    assert "公式（=10*8）" in budget and "没有保存计算结果" in budget and "请填写" not in budget
    assert "公式（=CONCAT(" in errors[(3, "技术指标")]
    assert "单元格 L2 是公式" in body
    assert batch.good_rows == 0 and batch.bad_rows == 2
    client.post(f"/needs/import/{batch.id}/confirm")
    assert db.session.scalar(db.select(db.func.count(TechNeed.id))) == 0


def test_cells_under_a_merged_cell_are_named_as_such(client, admin):
    """需求单位 merged over rows 2 and 3: row 3's cell is told as covered by the merge (it said 请填写单位名称);
    row 2, holding the value, imports."""
    org = COL["需求单位"]
    batch, body = _report(
        client,
        _sheet(
            [need_row("M-1"), need_row("M-2", title="第二个合法需求名称")], lambda ws: ws.merge_cells(f"{org}2:{org}3")
        ),
    )
    assert [e[:2] for e in batch.errors] == [[3, "需求单位"]]
    reason = batch.errors[0][2]
    assert f"单元格 {org}3 属于合并单元格 {org}2:{org}3" in reason and "取消合并" in reason
    assert reason in body
    assert batch.good_rows == 1


def test_a_date_read_as_a_number_names_the_date_it_stands_for(client, admin):
    """有效期至 holding 47000 (an Excel date serial shown as a number: the cell's format lost, or pasted as values)
    was "日期格式应为 YYYY-MM-DD": the message names the date the number stands for and how to fix the cell."""
    until = COL["有效期至"]
    batch, body = _report(client, _sheet([need_row("D-1")], lambda ws: ws.__setitem__(f"{until}2", 47000)))
    assert [e[:2] for e in batch.errors] == [[2, "有效期至"]]
    reason = batch.errors[0][2]
    assert "“47000”是数字，可能是 Excel 的日期序号（即 2028-09-04）" in reason
    assert "请把单元格格式设为日期，或填写 YYYY-MM-DD" in reason and reason in body


def test_a_formula_whose_kept_result_is_empty_text_is_no_problem(client, admin):
    """Excel keeps a formula that gives "" (=IF(…,"",…)) as t="str" with an empty <v>: a result, read as an empty
    cell, not told as a formula without its result (a file written by a program has no t="str" there)."""
    import zipfile

    content = _sheet([need_row("E-1")], lambda ws: ws.__setitem__(f"{COL['技术指标']}2", '=IF(1,"","x")'))
    src, out = zipfile.ZipFile(io.BytesIO(content)), io.BytesIO()
    with zipfile.ZipFile(out, "w") as z:
        for item in src.infolist():
            data = src.read(item)
            if item.filename == "xl/worksheets/sheet1.xml":
                data = data.replace(b'<c r="F2"><f>', b'<c r="F2" t="str"><f>')
                assert b't="str"' in data
            z.writestr(item, data)
    batch, _ = _report(client, out.getvalue())
    assert batch.errors == [] and batch.good_rows == 1


def _with_kept_results(content, results):
    """The .xlsx with the formula cells named kept as Excel keeps a formula's error: t="e" and the error as <v>."""
    import zipfile

    src, out = zipfile.ZipFile(io.BytesIO(content)), io.BytesIO()
    with zipfile.ZipFile(out, "w") as z:
        for item in src.infolist():
            data = src.read(item)
            if item.filename == "xl/worksheets/sheet1.xml":
                for ref, error in results.items():
                    cell = data.index(f'<c r="{ref}"><f>'.encode())
                    end = data.index(b"<v></v></c>", cell)
                    data = (
                        data[:cell] + f'<c r="{ref}" t="e">'.encode() + data[cell + len(f'<c r="{ref}">') : end]
                        + f"<v>{error}</v></c>".encode() + data[end + len(b"<v></v></c>") :]
                    )  # fmt: skip
            z.writestr(item, data)
    return out.getvalue()


def test_a_formula_whose_kept_result_is_an_error_is_named_not_imported_as_text(client, admin):
    """A formula that Excel computed to an error (#DIV/0!, #N/A) is read as that text: in 预算 it was "必须是数字",
    in 技术指标 (free text, not required) "#N/A" was imported as the need's indicators. Each is named with its
    formula and its error; neither row is imported."""

    def formulas(ws):
        ws[f"{COL['预算（万元）']}2"] = "=10/0"
        ws[f"{COL['技术指标']}3"] = "=VLOOKUP(1,A1:A2,2)"

    content = _sheet([need_row("X-1"), need_row("X-2", title="另一个合法的需求名称")], formulas)
    content = _with_kept_results(content, {f"{COL['预算（万元）']}2": "#DIV/0!", f"{COL['技术指标']}3": "#N/A"})
    batch, body = _report(client, content)
    errors = {(r, col): reason for r, col, reason in batch.errors}
    assert set(errors) == {(2, "预算（万元）"), (3, "技术指标")}, errors
    assert "公式（=10/0）计算出错（#DIV/0!）" in errors[(2, "预算（万元）")]
    assert "必须是数字" not in errors[(2, "预算（万元）")]
    assert "公式（=VLOOKUP(1,A1:A2,2)）计算出错（#N/A）" in errors[(3, "技术指标")]
    assert "计算出错（#N/A）" in body
    assert batch.good_rows == 0 and batch.bad_rows == 2
    client.post(f"/needs/import/{batch.id}/confirm")
    assert db.session.scalar(db.select(db.func.count(TechNeed.id))) == 0


def test_a_row_of_formulas_without_their_results_is_named_not_skipped_as_blank(client, admin):
    """A row whose only cells are formulas without their kept results (a file written by a program, never opened in
    Excel) read as blank and was skipped without a word: it is named in the report, the other rows import as before."""

    def formulas(ws):
        for col in "ABC":
            ws[f"{col}3"] = f"={col}2"

    content = _sheet([need_row("B-1"), [None] * 3, need_row("B-3", title="第三行的合法需求名称")], formulas)
    batch, body = _report(client, content)
    assert [e[:2] for e in batch.errors] == [[3, "外部编号*"]], batch.errors
    reason = batch.errors[0][2]
    assert reason.startswith("整行读取为空，未能导入：单元格 A3 是公式（=A2），文件中没有保存计算结果")
    assert "（该行另有 2 个这样的单元格）" in reason and "整行读取为空" in body
    assert (batch.total_rows, batch.good_rows, batch.bad_rows) == (3, 2, 1)
    client.post(f"/needs/import/{batch.id}/confirm")
    assert db.session.scalar(db.select(db.func.count(TechNeed.id))) == 2


def test_a_header_cell_that_is_a_formula_without_its_result_is_named(client, admin):
    """外部编号* written as a formula whose result the file does not keep read as empty: the file was refused only
    as 缺少必填列：外部编号. The cell, its column and why are named first."""
    content = _sheet([need_row("H-1")], lambda ws: ws.__setitem__("A1", '="外部编号*"'))
    body = rejected(client, upload(client, content))
    assert "表头第 1 列无法读取：单元格 A1 是公式（=&#34;外部编号*&#34;），文件中没有保存计算结果" in body
    assert body.index("表头第 1 列无法读取") < body.index("缺少必填列：外部编号")


def test_a_header_cell_whose_formula_gives_an_error_is_named(client, admin):
    """需求名称* a formula Excel computed to #REF!: told as 无法识别的列：#REF! and 缺少必填列：需求名称; named first."""
    content = _with_kept_results(
        _sheet([need_row("H-2")], lambda ws: ws.__setitem__("B1", "=Sheet2!A1")), {"B1": "#REF!"}
    )
    body = rejected(client, upload(client, content))
    assert "表头第 2 列无法读取：单元格 B1 的公式（=Sheet2!A1）计算出错（#REF!）" in body


def test_a_header_cell_under_a_merged_cell_over_data_is_named(client, admin):
    """联系人 merged over 联系电话 in the header: the phones' column had no name and was left out, every row imported
    without its phone. The file is refused naming the cell under the merge; nothing imported."""
    name, phone = COL["联系人"], COL["联系电话"]
    rows = [need_row("H-3", **{"联系人": "王工", "联系电话": "13800000000"})]
    body = rejected(client, upload(client, _sheet(rows, lambda ws: ws.merge_cells(f"{name}1:{phone}1"))))
    assert f"表头第 18 列无法读取：单元格 {phone}1 属于合并单元格 {name}1:{phone}1" in body
    assert "该列下面填有数据，无法确定它是哪一列" in body


def test_a_header_cell_under_a_merged_cell_over_an_empty_column_changes_nothing(client, admin):
    """The same merge over a column no row fills: nothing is lost, the file imports as before."""
    name, phone = COL["联系人"], COL["联系电话"]
    batch, _ = _report(client, _sheet([need_row("H-4")], lambda ws: ws.merge_cells(f"{name}1:{phone}1")))
    assert batch.status == "validated" and batch.good_rows == 1 and batch.errors == []


def test_many_formulas_of_one_column_are_told_once_with_their_count(client, admin):
    """预算 a formula without its result on 12 rows (a file written by a program): the first 5 are named each, the other
    7 told in one line with their count and rows (a million such cells were a million lines, 14 MB of report for 50,000
    rows, and 420 MB of a worker); every such row is counted and none imported, the good row is."""
    budget = COL["预算（万元）"]

    def formulas(ws):
        for r in range(2, 14):
            ws[f"{budget}{r}"] = f"=10*{r}"

    rows = [need_row(f"F-{r}", title=f"第{r}行的合法需求名称") for r in range(2, 15)]
    batch, body = _report(client, _sheet(rows, formulas))
    assert (batch.good_rows, batch.bad_rows) == (1, 12)
    assert [e[0] for e in batch.errors] == [2, 3, 4, 5, 6, 7]
    assert "单元格 L6 是公式（=10*6）" in batch.errors[4][2]
    last = batch.errors[5]
    assert last[1] == "预算（万元）" and last[2].startswith(
        "单元格 L7 起该列的更多单元格同样是公式，文件中没有保存计算结果"
    )
    assert last[2].endswith("（共 7 行：第 7–13 行）")
    assert "第 7–13 行" in body


def _hand_written_sheet(prefix, n_rows=8000):
    """A sheet part as other programs write it: cells with a namespace prefix (the Open XML SDK's <x:c>), formulas with
    entities, shared ones, kept empty text, an error, an element on its own lines, merges, a formula outside the cells
    (<xm:f> of a data validation), and over 2 MB, so that cells fall across the 1 MB chunks it is read in."""
    p, rows = prefix, []
    formulas = [
        '<{p}f>CONCAT(&quot;a&amp;b&quot;,"&lt;x&gt;")</{p}f>',  # r % 7 == 0: no result
        '<{p}f>""</{p}f><{p}v></{p}v>',  # 1: its empty text kept (t="str"): no problem
        "<{p}f>1/0</{p}f><{p}v>#DIV/0!</{p}v>",  # 2: an error
        '<{p}f t="shared" ref="C{r}:C{r2}" si="{r}">A{r}*2</{p}f>',  # 3: no result
        '<{p}f t="shared" si="{r}"/>',  # 4: a shared formula's other cell: told by its first
        "\n  <{p}f>SUM(A1:A2)</{p}f>\n  <{p}v/>\n",  # 5: no result
        "<{p}f>A1</{p}f><{p}v>ok</{p}v>",  # 6: a kept result
    ]
    kinds = {1: ' t="str"', 2: ' t="e"', 6: ' t="str"'}
    for r in range(2, n_rows + 2):
        k = r % 7
        inner = formulas[k].format(p=p, r=r, r2=r + 2)
        rows.append(
            f'<{p}row r="{r}"><{p}c r="A{r}" t="inlineStr"><{p}is><{p}t>R-{r}{"长文本" * 20}</{p}t></{p}is></{p}c>'
            f'<{p}c r="C{r}"{kinds.get(k, "")}>{inner}</{p}c><{p}c r="D{r}" s="2"/></{p}row>'
        )
    merges = "".join(f'<{p}mergeCell ref="E{r}:F{r + 1}"/>' for r in range(2, 200, 3))
    ns = f'xmlns{":x" if p else ""}="http://schemas.openxmlformats.org/spreadsheetml/2006/main"'
    return (
        f'<?xml version="1.0" encoding="UTF-8"?>\n<{p}worksheet {ns} xmlns:xm="urn:xm"><{p}sheetData>{"".join(rows)}'
        f"</{p}sheetData><{p}mergeCells>{merges}</{p}mergeCells>"
        f"<{p}extLst><{p}ext><xm:f>Sheet2!$A$1:$A$3</xm:f></{p}ext></{p}extLst></{p}worksheet>"
    ).encode()


@pytest.mark.parametrize("prefix", ["", "x:"])
def test_a_hand_written_sheet_of_formulas_is_read_cell_by_cell(prefix):
    """The raw scan of a sheet's formulas and merges finds what a parse of every element did: the formulas without a
    kept result (their entities read: ="a&b"), the errors, the cells under merges; not a kept empty text, a kept
    result, a shared formula's other cells nor a formula outside the cells; wherever a 1 MB chunk ends."""
    import zipfile

    from matchmaker.imports.reader import CELLS_NAMED, Again, Limits, NoResult, _unread_cells

    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        zf.writestr("sheet.xml", _hand_written_sheet(prefix))
    with zipfile.ZipFile(buf) as zf:
        assert zf.getinfo("sheet.xml").file_size > 2 * 1024 * 1024
        out = _unread_cells(zf, "sheet.xml", Limits())
    formulas = {r: cells[2] for r, cells in out.items() if 2 in cells}
    assert sorted(formulas) == [r for r in range(2, 8002) if r % 7 in (0, 2, 3, 5)]
    assert formulas[7] == NoResult(
        '单元格 C7 是公式（=CONCAT("a&b","<x>")），文件中没有保存计算结果：请用 Excel 打开该文件并保存后重新上传，'
        "或在单元格中直接填写内容"
    )
    assert formulas[2] == "单元格 C2 的公式（=1/0）计算出错（#DIV/0!）：请改正公式，或在单元格中直接填写内容"
    assert "单元格 C10 是公式（=A10*2）" in formulas[10] and "单元格 C12 是公式（=SUM(A1:A2)）" in formulas[12]
    no_result = [r for r, why in sorted(formulas.items()) if isinstance(why, NoResult)]
    assert all(not isinstance(formulas[r], Again) for r in no_result[:CELLS_NAMED])
    assert len({id(formulas[r]) for r in no_result[CELLS_NAMED:]}) == 1  # the others share one reason, told once
    merged = sorted((r, c) for r, cells in out.items() for c in cells if c in (4, 5))
    assert len(merged) == 66 * 3 and (3, 4) in merged and (2, 4) not in merged


@pytest.mark.parametrize("prefix", ["", "x:"])
def test_formulas_with_their_kept_results_are_passed_over_by_the_raw_scan(prefix):
    """A workbook saved by Excel keeps a result for every formula: the scan hands Python only the cells it has to tell
    about (no result, an error, kept empty text), not each of the sheet's formulas (a million formula cells with their
    results took 6 s more than the same values typed)."""
    import zipfile

    from matchmaker.imports.reader import Limits, _formula_cells_and_merges, _unread_cells

    p = prefix
    kept = [
        "<{p}f>1+1</{p}f><{p}v>2</{p}v>",
        '<{p}f t="shared" si="0"/><{p}v>3.5</{p}v>',
        "<{p}f>A1</{p}f>\n  <{p}v>文本</{p}v>\n",
    ]
    cells = [f'<{p}c r="B{r}">{kept[r % 3].format(p=p)}</{p}c>' for r in range(2, 3002)]
    cells.append(f'<{p}c r="C5"><{p}f>1+2</{p}f></{p}c>')  # no result
    cells.append(f'<{p}c r="C6" t="e"><{p}f>1/0</{p}f><{p}v>#DIV/0!</{p}v></{p}c>')  # an error
    cells.append(f'<{p}c r="C7" t="str"><{p}f>""</{p}f><{p}v></{p}v></{p}c>')  # its empty text kept
    ns = f'xmlns{":x" if p else ""}="http://schemas.openxmlformats.org/spreadsheetml/2006/main"'
    sheet = f'<{p}worksheet {ns}><{p}sheetData><{p}row r="2">{"".join(cells)}</{p}row></{p}sheetData></{p}worksheet>'
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        zf.writestr("sheet.xml", sheet.encode())
    with zipfile.ZipFile(buf) as zf:
        scanned = [m.group("cell").decode().strip() for m, _ in _formula_cells_and_merges(zf, "sheet.xml")]
        out = _unread_cells(zf, "sheet.xml", Limits())
    assert scanned == ['r="C5"', 'r="C6" t="e"', 'r="C7" t="str"']
    assert sorted(out[5]) == [2] and "没有保存计算结果" in out[5][2]
    assert "#DIV/0!" in out[6][2] and 7 not in out
