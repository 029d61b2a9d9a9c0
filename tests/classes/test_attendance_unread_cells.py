"""Cells of an .xlsx export that read wrongly, in the columns the attendance import reads: a formula without its kept
result and a cell under a merged cell (read as empty), a formula whose kept result is an error (read as "#N/A").
The listing import named them; the attendance import counted them as they read: a registrant whose e-mail was a
formula became a guest and stayed unmarked, a merged e-mail made a rejoining viewer's second row another guest, and
every "#N/A" e-mail was one guest. The file is refused naming the cell as the listing import does, nothing changed."""

import io
import re
import zipfile
from datetime import timedelta

from openpyxl import Workbook

from matchmaker.classes import services
from matchmaker.extensions import db
from matchmaker.models import LiveGuest, LiveRegistration, LiveSession

from ..factories import make_user
from .test_classes import make_session

REFUSED = "观看记录未导入，出席情况没有任何更改："


def _sheet(rows, edit=None, errors=None):
    """An .xlsx export of `rows` (the first the header); `edit(ws)` changes it; `errors` {cell: error} keeps those
    formula cells' results as Excel keeps an error (t="e", the error as <v>)."""
    wb = Workbook()
    ws = wb.active
    for r in rows:
        ws.append(r)
    if edit:
        edit(ws)
    buf = io.BytesIO()
    wb.save(buf)
    if not errors:
        return buf.getvalue()
    src, out = zipfile.ZipFile(io.BytesIO(buf.getvalue())), io.BytesIO()
    with zipfile.ZipFile(out, "w") as z:
        for item in src.infolist():
            data = src.read(item)
            if item.filename == "xl/worksheets/sheet1.xml":
                for ref, error in errors.items():
                    data, n = re.subn(
                        rf'<c r="{ref}"><f>(.*?)</f><v></v></c>'.encode(),
                        rf'<c r="{ref}" t="e"><f>\1</f><v>{error}</v></c>'.encode(),
                        data,
                    )
                    assert n == 1, ref
            z.writestr(item, data)
    return out.getvalue()


def _started_with_viewer(email):
    broker = make_user("broker")
    s = make_session(broker, starts_at=services.beijing_now() - timedelta(hours=1))
    user = make_user("enterprise", email=email)
    reg = LiveRegistration(session_id=s.id, user_id=user.id, organization_id=user.organization_id)
    db.session.add(reg)
    db.session.commit()
    return broker, s, reg


def _import(client, s, content, min_minutes="1"):
    """The attendance page after the export's import (run at once, as the tests run jobs)."""
    data = {"file": (io.BytesIO(content), "观看记录.xlsx"), "min_minutes": min_minutes}
    resp = client.post(f"/classes/{s.id}/attendance/import", data=data)
    assert resp.status_code == 302, resp.get_data(as_text=True)[:300]
    return client.get(resp.headers["Location"]).get_data(as_text=True)


def _unchanged(s, reg):
    db.session.expire_all()
    kept = db.session.get(LiveRegistration, reg.id)
    assert (kept.attended, kept.minutes) == (None, None)
    assert db.session.scalar(db.select(db.func.count(LiveGuest.id))) == 0
    assert not db.session.get(LiveSession, s.id).guest_attendees


def test_an_e_mail_that_is_a_formula_without_its_result_is_named(client, auth):
    """邮箱 =LOWER(D2) in a file written by a program (no result kept) was read as empty: the registrant was counted
    as a guest and left unmarked, the import done. It is refused naming the cell and its formula."""
    broker, s, reg = _started_with_viewer("viewer@ent.cn")
    auth.login(broker)
    content = _sheet(
        [["昵称", "邮箱", "观看时长", "登记邮箱"], ["甲", None, 30, "Viewer@ent.cn"], ["乙", "other@x.cn", 30, ""]],
        lambda ws: ws.__setitem__("B2", "=LOWER(D2)"),
    )
    page = _import(client, s, content)
    assert REFUSED + "第 2 行“邮箱”：单元格 B2 是公式（=LOWER(D2)），文件中没有保存计算结果" in page
    assert "请用 Excel 打开该文件并保存后重新上传" in page and "已导入" not in page
    _unchanged(s, reg)


def test_an_error_kept_as_a_formula_s_result_is_named_not_taken_as_an_e_mail(client, auth):
    """Two viewers whose 邮箱 is a lookup Excel computed to #N/A (their mobiles differ) were read as the e-mail "#n/a":
    counted as one guest. The file is refused naming the first cell, its formula and error, and the other one."""
    broker, s, reg = _started_with_viewer("viewer@ent.cn")
    auth.login(broker)

    def lookups(ws):
        ws["A3"] = "=VLOOKUP(B3,D1:E2,2)"
        ws["A4"] = "=VLOOKUP(B4,D1:E2,2)"

    rows = [
        ["邮箱", "手机号", "观看时长"],
        ["viewer@ent.cn", "", 30],
        [None, "13900001111", 30],
        [None, "13900002222", 30],
    ]
    page = _import(client, s, _sheet(rows, lookups, {"A3": "#N/A", "A4": "#N/A"}))
    assert (
        REFUSED
        + "第 3 行“邮箱”：单元格 A3 的公式（=VLOOKUP(B3,D1:E2,2)）计算出错（#N/A）：请改正公式，或在单元格中直接填写内容"
        "；另有 1 个单元格同样无法读取，请一并修改" in page
    )
    _unchanged(s, reg)


def test_an_error_in_the_minutes_column_is_named_not_quoted_as_text(client, auth):
    """观看时长 =C2/0 kept as #DIV/0! was told as 观看时长“#DIV/0!”不是数字, as if typed: it is named as a formula's error."""
    broker, s, reg = _started_with_viewer("viewer@ent.cn")
    auth.login(broker)
    rows = [["邮箱", "观看时长（分钟）"], ["viewer@ent.cn", None]]
    page = _import(client, s, _sheet(rows, lambda ws: ws.__setitem__("B2", "=30/0"), {"B2": "#DIV/0!"}))
    assert REFUSED + "第 2 行“观看时长（分钟）”：单元格 B2 的公式（=30/0）计算出错（#DIV/0!）" in page
    assert "不是数字" not in page
    _unchanged(s, reg)


def test_an_e_mail_merged_over_a_rejoining_viewer_s_rows_is_named(client, auth):
    """A viewer who left and came back, the export's 邮箱 merged over their two rows: the second row read as empty,
    a guest of its own, the viewer given the first row's 20 minutes and left out at 最少观看 30 分钟. The file is
    refused naming the cell under the merge and how to fix it."""
    broker, s, reg = _started_with_viewer("viewer@ent.cn")
    auth.login(broker)
    rows = [["邮箱", "观看时长"], ["viewer@ent.cn", 20], [None, 25], ["other@x.cn", 40]]
    page = _import(client, s, _sheet(rows, lambda ws: ws.merge_cells("A2:A3")), min_minutes="30")
    assert (
        REFUSED
        + "第 3 行“邮箱”：单元格 A3 属于合并单元格 A2:A3，只有 A2 有内容：请取消合并，在每一行的单元格中分别填写"
        in page
    )
    _unchanged(s, reg)


def test_cells_read_wrongly_in_columns_the_import_does_not_read_change_nothing(client, auth):
    """A merged 昵称 and a formula without its result in 备注: columns the import never reads, the file imports."""
    broker, s, reg = _started_with_viewer("viewer@ent.cn")
    auth.login(broker)
    rows = [["昵称", "邮箱", "观看时长", "备注"], ["甲", "viewer@ent.cn", 30, None], [None, "other@x.cn", 30, "x"]]

    def edit(ws):
        ws.merge_cells("A2:A3")
        ws["D2"] = "=1+1"

    page = _import(client, s, _sheet(rows, edit))
    assert "已导入 2 行：报名用户出席 1 人，新增未报名观众 1 人" in page
    db.session.expire_all()
    assert db.session.get(LiveRegistration, reg.id).attended is True


def test_a_row_of_formulas_without_their_results_is_named_not_skipped_as_blank(client, auth):
    """A viewer's row whose cells are all formulas without their kept results read as blank and was skipped: the
    registrant stayed unmarked, the import done. The file is refused naming the row and its first cell."""
    broker, s, reg = _started_with_viewer("viewer@ent.cn")
    auth.login(broker)

    def formulas(ws):
        ws["A3"] = '=LOWER("Viewer@ent.cn")'
        ws["B3"] = "=20+10"

    rows = [["邮箱", "观看时长"], ["other@x.cn", 30], [None, None], ["third@x.cn", 30]]
    page = _import(client, s, _sheet(rows, formulas))
    assert (
        REFUSED + "第 3 行“邮箱”：整行读取为空，未能导入：单元格 A3 是公式（=LOWER(&#34;Viewer@ent.cn&#34;)），"
        "文件中没有保存计算结果" in page
    ), page[page.find(REFUSED) - 100 :][:600]
    _unchanged(s, reg)


def test_an_e_mail_header_that_is_a_formula_without_its_result_is_named(client, auth):
    """邮箱 in the header a formula without its kept result: told only 文件中没有“邮箱”或“手机号”列. The cell is named."""
    broker, s, reg = _started_with_viewer("viewer@ent.cn")
    auth.login(broker)
    rows = [["昵称", None, "观看时长"], ["甲", "viewer@ent.cn", 30]]
    page = _import(client, s, _sheet(rows, lambda ws: ws.__setitem__("B1", '="邮箱"')))
    assert REFUSED + "表头第 2 列无法读取：单元格 B1 是公式（=&#34;邮箱&#34;），文件中没有保存计算结果" in page
    assert "文件中没有“邮箱”或“手机号”列" in page
    _unchanged(s, reg)


def test_a_minutes_header_under_a_merged_cell_is_named(client, auth):
    """观看时长 under a merged header cell (B1:C1): its column unnamed, the minutes went unread and 最少观看 30 分钟 let
    a 5-minute viewer count. The file is refused naming the cell."""
    broker, s, reg = _started_with_viewer("viewer@ent.cn")
    auth.login(broker)
    rows = [["邮箱", "观看信息", "观看时长"], ["viewer@ent.cn", "直播", 5]]
    page = _import(client, s, _sheet(rows, lambda ws: ws.merge_cells("B1:C1")), min_minutes="30")
    assert REFUSED + "表头第 3 列无法读取：单元格 C1 属于合并单元格 B1:C1" in page
    _unchanged(s, reg)


def test_an_export_whose_first_sheet_is_hidden_is_refused(client, auth):
    """Only the first sheet is read: a hidden first sheet of last week's viewers marked them, the sheet Excel shows
    left out. The file is refused naming both sheets, nothing changed."""
    broker, s, reg = _started_with_viewer("viewer@ent.cn")
    auth.login(broker)

    def hidden_first(ws):
        ws.title = "上周"
        ws.sheet_state = "hidden"
        shown = ws.parent.create_sheet("本场")
        shown.append(["邮箱", "观看时长"])
        shown.append(["other@x.cn", 30])
        ws.parent.active = 1

    page = _import(client, s, _sheet([["邮箱", "观看时长"], ["viewer@ent.cn", 30]], hidden_first))
    assert REFUSED + "第一个工作表「上周（已隐藏）」是隐藏的工作表" in page and "「本场」不会被读取" in page
    _unchanged(s, reg)


def test_rows_hidden_in_excel_refuse_the_export_naming_them(client, auth):
    """The broker filtered the export to a few viewers: the hidden rows (a registrant among them) were counted as any
    row though nobody saw them. Without a preview to show them, the file is refused naming the rows, nothing changed."""
    broker, s, reg = _started_with_viewer("viewer@ent.cn")
    auth.login(broker)
    rows = [["邮箱", "观看时长"], ["a@x.cn", 30], ["viewer@ent.cn", 30], ["b@x.cn", 30], ["c@x.cn", 30]]

    def filtered(ws):
        ws.auto_filter.ref = "A1:B5"
        for r in (3, 4, 5):
            ws.row_dimensions[r].hidden = True

    page = _import(client, s, _sheet(rows, filtered))
    assert REFUSED + "第 3–5 行在 Excel 中被隐藏（可能是筛选）：只导入看得到的行会漏掉这些观众" in page
    _unchanged(s, reg)
