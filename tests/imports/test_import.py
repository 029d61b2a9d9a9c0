"""Bulk import: validate everything first, report bad rows, import on confirmation, no duplicates."""

import csv
import io
import re
import zipfile
from datetime import timedelta
from decimal import Decimal

import pytest
from openpyxl import Workbook, load_workbook

from matchmaker.extensions import db
from matchmaker.models import ImportBatch, Result, TechNeed
from matchmaker.models.base import utcnow
from matchmaker.utils import clock

from ..factories import make_org, make_user
from ..sql import statements

NEXT_YEAR = (clock.today() + timedelta(days=365)).isoformat()
NEED_HEADER = ["外部编号*", "需求名称*", "需求单位*", "需求摘要*", "拟解决的技术难题*", "技术指标", "现有基础", "关键词",
               "所属行业*", "技术领域", "合作方式*", "预算（万元）*", "有效期至*", "所在镇街", "保密要求", "专区",
               "联系人", "联系电话", "联系邮箱"]  # fmt: skip


def need_row(ref, title="注塑件外观缺陷视觉检测", org="导入测试企业", budget="80", until=NEXT_YEAR, **kw):
    row = dict(zip(NEED_HEADER, [ref, title, org, "需求摘要文字", "需要解决的技术难题", "", "", "视觉,检测",
                                 "智能家电", "人工智能", "技术开发", budget, until, "", "", "", "", "", ""]))  # fmt: skip
    row.update(kw)
    return [row[h] for h in NEED_HEADER]


def xlsx(rows, header=NEED_HEADER):
    wb = Workbook()
    ws = wb.active
    ws.append(header)
    for r in rows:
        ws.append(r)
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def csv_bytes(rows, header=NEED_HEADER, encoding="utf-8-sig"):
    buf = io.StringIO()
    w = csv.writer(buf)
    w.writerow(header)
    w.writerows(rows)
    return buf.getvalue().encode(encoding)


@pytest.fixture
def admin(auth):
    make_org("enterprise", name="导入测试企业")
    make_org("university", name="导入测试大学")
    return auth.login("admin")


def upload(client, content, filename="needs.xlsx", kind="need"):
    return client.post("/needs/import", data={"kind": kind, "file": (io.BytesIO(content), filename)},
                       content_type="multipart/form-data")  # fmt: skip


def count(model=TechNeed):
    return db.session.scalar(db.select(db.func.count(model.id)))


def rejected(client, resp):
    """The page an upload refused by its validation (the background job) leads to: the reason, nothing to
    confirm, nothing imported; returns its text."""
    assert resp.status_code == 302, resp.get_data(as_text=True)[:500]
    body = client.get(resp.headers["Location"]).get_data(as_text=True)
    assert "文件未通过校验，没有导入任何数据" in body and "/confirm" not in body
    assert count() == 0
    return body


GOOD_AND_BAD = [
    need_row("N-1"),
    need_row("N-2", title="短"),  # row 3: title
    need_row("N-3", budget="12.345"),  # row 4: budget decimals
    need_row("N-4", until="2020-01-01"),  # row 5: validity in the past
    need_row("N-5", org="不存在的企业"),  # row 6: organisation
    need_row("N-6", title="另一个完全正确的需求"),
    need_row("N-1", title="与第二行编号重复的需求"),  # row 8: duplicate ref in file
    need_row("", budget="-1"),  # row 9: two problems
]


def test_report_lists_exactly_the_bad_rows_and_imports_nothing_yet(client, admin):
    resp = upload(client, xlsx(GOOD_AND_BAD))
    assert resp.status_code == 302
    batch = db.session.scalar(db.select(ImportBatch))
    assert count() == 0  # nothing written before confirmation
    rows = {(r, col) for r, col, _ in batch.errors}
    assert rows == {(3, "需求名称"), (4, "预算（万元）"), (5, "有效期至"), (6, "需求单位"), (8, "外部编号"),
                    (9, "外部编号"), (9, "预算（万元）")}  # fmt: skip
    assert (batch.total_rows, batch.good_rows, batch.bad_rows) == (8, 2, 6)
    body = client.get(resp.headers["Location"]).get_data(as_text=True)
    assert "金额最多保留两位小数" in body and "有效期截止日期不能早于今天" in body and "与第 2 行的外部编号重复" in body
    # the title's problem in its column's name (it said 标题 under 需求名称)
    assert (
        '<td class="text-nowrap">3</td><td class="text-nowrap">需求名称</td><td>需求名称长度应为 5–100 个字符（当前 1 个）</td>'
        in body
    )
    assert "尚未写入任何数据" in body


def test_confirm_imports_good_rows_and_second_import_adds_nothing(client, admin):
    upload(client, xlsx(GOOD_AND_BAD))
    batch = db.session.scalar(db.select(ImportBatch))
    assert client.post(f"/needs/import/{batch.id}/confirm").status_code == 302
    db.session.refresh(batch)
    assert batch.status == "done" and batch.imported_rows == 2
    assert batch.content == b"" and len(batch.sha256) == 64  # the file (contacts in it) is not kept once imported
    needs = db.session.scalars(db.select(TechNeed).order_by(TechNeed.external_ref)).all()
    assert [n.external_ref for n in needs] == ["N-1", "N-6"]
    assert all(n.status == "published" and n.source == "import" and n.tokens for n in needs)
    assert "注塑件外观缺陷视觉检测" in client.get("/needs/?q=视觉检测").get_data(as_text=True)
    # the same file again: validated, nothing new to import
    upload(client, xlsx(GOOD_AND_BAD))
    again = db.session.scalars(db.select(ImportBatch).order_by(ImportBatch.id.desc())).first()
    assert again.good_rows == 0 and again.duplicate_rows == 2
    assert client.post(f"/needs/import/{again.id}/confirm", follow_redirects=True).status_code == 200
    assert count() == 2


def test_confirming_twice_does_nothing_more(client, admin):
    upload(client, xlsx([need_row("X-1")]))
    batch = db.session.scalar(db.select(ImportBatch))
    client.post(f"/needs/import/{batch.id}/confirm")
    body = client.post(f"/needs/import/{batch.id}/confirm", follow_redirects=True).get_data(as_text=True)
    assert "不能重复导入" in body and count() == 1


def test_confirming_reads_the_stored_file_once(client, admin):
    """The confirm request loads the uploaded file (up to MAX_CONTENT_LENGTH) only where it is imported, not also to
    check the batch's status and again to flash the outcome; the rows are imported and the outcome shown as before."""
    upload(client, xlsx([need_row("ONCE-1"), need_row("ONCE-2")]))
    batch_id = db.session.scalar(db.select(ImportBatch.id))
    db.session.remove()
    with statements() as seen:
        resp = client.post(f"/needs/import/{batch_id}/confirm")
    assert resp.status_code == 302 and count() == 2
    reads = [sql for sql, columns in seen if "FROM import_batch" in sql and "content" in columns]
    assert len(reads) == 1, reads
    assert "已导入 2 条技术需求" in client.get(resp.location).get_data(as_text=True)
    assert client.post(f"/needs/import/{batch_id + 1}/confirm").status_code == 404


def test_csv_in_gbk_is_accepted(client, admin):
    upload(client, csv_bytes([need_row("C-1")], encoding="gb18030"), filename="needs.csv")
    batch = db.session.scalar(db.select(ImportBatch))
    assert batch.good_rows == 1 and batch.errors == []


@pytest.mark.parametrize(
    ("content", "filename", "message"),
    [
        (b"%PDF-1.4 not a spreadsheet", "needs.pdf", "只支持 Excel (.xlsx) 或 CSV (.csv) 文件"),
        (b"this is text renamed", "needs.xlsx", "不是有效的 Excel (.xlsx) 文件"),
        (b"PK\x03\x04broken zip", "needs.xlsx", "无法读取该 Excel 文件"),
        (b"", "needs.xlsx", "上传的文件是空的"),
        (b"", "needs.csv", "上传的文件是空的"),
        (b"\x00\x01\x02binary", "needs.csv", "不是文本格式的 CSV"),
        (b"\x81\x30\xff\xfe", "needs.csv", "无法识别 CSV 文件的编码"),
        (b"x", "needs.xls", "不支持旧版 Excel (.xls)"),
    ],
)
def test_unusable_files_get_a_clear_message_and_change_nothing(client, admin, content, filename, message):
    """What the upload request tells at once (the file's kind, nothing read): the form again, nothing stored."""
    resp = upload(client, content, filename)
    assert resp.status_code == 400
    assert message in resp.get_data(as_text=True)
    assert count() == 0 and count(ImportBatch) == 0


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"\xef\xbb\xbf", "文件中没有内容"),
        ("外部编号,需求名称\n".encode(), "缺少必填列"),
        ("标题,内容\nA,B\n".encode(), "无法识别的列：标题、内容"),
        (csv_bytes([]), "只有表头，没有数据行"),
    ],
)
def test_files_refused_when_read_say_why_on_their_page(client, admin, content, message):
    """What only reading the file finds (the background validation): its page says why, nothing to confirm."""
    body = rejected(client, upload(client, content, "needs.csv"))
    assert message in body
    batch = db.session.scalar(db.select(ImportBatch))
    assert batch.status == "rejected" and batch.content == b""  # the unusable file is not kept
    assert "未通过校验" in client.get("/needs/import").get_data(as_text=True)  # 最近的导入
    body = client.post(f"/needs/import/{batch.id}/confirm", follow_redirects=True).get_data(as_text=True)
    assert "该文件未通过校验，不能导入" in body and count() == 0


def _workbook(sheets, hidden=()):
    """An .xlsx of the given sheets {title: rows}, in order; the first replaces the default sheet."""
    wb = Workbook()
    wb.remove(wb.active)
    for title, rows in sheets.items():
        ws = wb.create_sheet(title)
        for r in rows:
            ws.append(r)
        if title in hidden:
            ws.sheet_state = "hidden"
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def test_an_empty_first_sheet_names_the_sheet_holding_the_data(client, admin):
    """Only the first worksheet is read: a workbook whose first sheet was empty (or blank cells only) and whose
    rows were on another was told 文件中没有内容, and its user, looking at those rows, could not tell why.
    The message names both sheets; nothing is imported from the other sheet."""
    content = _workbook({"Sheet1": [], "说明": [["  ", None]], "需求": [NEED_HEADER, need_row("W-1")]})
    body = rejected(client, upload(client, content))
    assert "第一个工作表「Sheet1」是空的，数据在工作表「需求」：请把数据放到第一个工作表后重新上传" in body
    assert "文件中没有内容" not in body
    # blank cells in the first sheet, the data on a hidden sheet: said so, as Excel shows neither
    content = _workbook({"汇总": [[" ", "", None]], "数据": [NEED_HEADER, need_row("W-1")]}, hidden={"数据"})
    body = rejected(client, upload(client, content))
    assert "第一个工作表「汇总」是空的，数据在工作表「数据（已隐藏）」" in body
    # every sheet empty: the file has no content
    body = rejected(client, upload(client, _workbook({"Sheet1": [], "Sheet2": [[None, " "]]})))
    assert "文件中没有内容" in body and "工作表「" not in body
    # data on the first sheet: other sheets are not looked at
    assert "确认导入 1 条" in client.get(upload(client, _workbook(
        {"需求": [NEED_HEADER, need_row("W-1")], "旧数据": [["x"]]}
    )).headers["Location"]).get_data(as_text=True)  # fmt: skip


def test_a_first_sheet_with_only_a_header_names_the_sheet_holding_the_data(client, admin):
    """A workbook whose first sheet kept only the template's header while the rows were pasted on another sheet
    was told 文件中只有表头，没有数据行: it now names that sheet, as an empty first sheet does; the template
    sent back unfilled (its second sheet 填写说明 a table of its own) is still told it has no data rows."""
    content = _workbook({"技术需求": [NEED_HEADER], "说明": [["备注"]], "导出": [[], NEED_HEADER, need_row("W-1")]})
    body = rejected(client, upload(client, content))
    assert "第一个工作表「技术需求」只有表头，没有数据行，数据在工作表「导出」：请把数据行放到第一个工作表" in body
    assert "文件中只有表头" not in body
    # the other sheet's header written without the asterisks and with spaces: the same columns
    other = [h.rstrip("*") + " " for h in NEED_HEADER]
    body = rejected(client, upload(client, _workbook({"Sheet1": [NEED_HEADER], "Sheet2": [other, need_row("W-1")]})))
    assert "第一个工作表「Sheet1」只有表头，没有数据行，数据在工作表「Sheet2」" in body
    template = client.get("/needs/import/template?kind=need&format=xlsx").data  # sent back unfilled
    body = rejected(client, upload(client, template))
    assert "文件中只有表头，没有数据行" in body and "数据在工作表" not in body
    # another sheet of one row only (a header copied, nothing under it): no data there either
    body = rejected(client, upload(client, _workbook({"Sheet1": [NEED_HEADER], "Sheet2": [NEED_HEADER]})))
    assert "文件中只有表头，没有数据行" in body and "数据在工作表" not in body


def test_rows_past_a_wrong_sheet_dimension_are_read(client, admin):
    """openpyxl reads a sheet up to the last row of its <dimension>, which some programs write wrong: rows under
    it were left out without a word (all of them under ref="A1": 只有表头). Every row in the file is read."""
    content = xlsx([need_row(f"D-{n}") for n in range(1, 4)])
    for ref in (b"A1", b"A1:S2"):
        tag = b'<dimension ref="' + ref + b'"/>'
        wrong = _rewritten(content, "xl/worksheets/sheet1.xml", lambda xml: re.sub(rb"<dimension [^>]*>", tag, xml))
        assert tag in zipfile.ZipFile(io.BytesIO(wrong)).read("xl/worksheets/sheet1.xml")
        page = client.get(upload(client, wrong).headers["Location"]).get_data(as_text=True)
        assert "确认导入 3 条" in page


def _rewritten(content, part, change):
    """The .xlsx `content` with one part's bytes changed."""
    base = zipfile.ZipFile(io.BytesIO(content))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as z:
        for item in base.infolist():
            data = base.read(item)
            z.writestr(item, change(data) if item.filename == part else data)
    return out.getvalue()


def test_a_server_error_while_checking_a_file_says_so_on_its_page(client, admin, monkeypatch):
    from matchmaker.imports import services

    def broken(*args, **kw):
        raise RuntimeError("database gone")

    monkeypatch.setattr(services, "analyse", broken)
    body = client.get(upload(client, xlsx([need_row("E-1")])).headers["Location"]).get_data(as_text=True)
    assert "校验文件时服务器出错，没有导入任何数据" in body and "没有发现问题" not in body and "/confirm" not in body
    assert db.session.scalar(db.select(ImportBatch.status)) == "error"


def test_no_file_chosen(client, admin):
    resp = client.post("/needs/import", data={"kind": "need"})
    assert resp.status_code == 400 and "请选择要上传的文件" in resp.get_data(as_text=True)


def test_too_many_rows(make_app):
    """More rows than IMPORT_MAX_ROWS are refused as a whole, with the limit in the message."""
    app = make_app(IMPORT_MAX_ROWS=5)
    with app.app_context():
        from matchmaker.demo.taxonomy import ensure_taxonomy

        ensure_taxonomy()
        make_org("enterprise", name="导入测试企业")
        admin = make_user("admin")
        client = app.test_client()
        client.post("/auth/login", data={"email": admin.email, "password": "password123"})
        resp = upload(client, csv_bytes([need_row(f"R-{i}") for i in range(6)]), "big.csv")
        assert "超过单次导入上限 5 行" in rejected(client, resp)
        db.session.remove()


def test_failure_during_import_rolls_everything_back(client, admin, monkeypatch):
    from matchmaker.imports import services

    upload(client, xlsx([need_row(f"F-{i}") for i in range(5)]))
    batch = db.session.scalar(db.select(ImportBatch))
    real = services._build
    calls = []

    def flaky(*args):
        calls.append(1)
        if len(calls) == 4:
            raise RuntimeError("disk full")
        return real(*args)

    monkeypatch.setattr(services, "_build", flaky)
    body = client.post(f"/needs/import/{batch.id}/confirm", follow_redirects=True).get_data(as_text=True)
    assert "导入失败，数据库未做任何更改" in body
    assert count() == 0
    batch = db.session.get(ImportBatch, batch.id, populate_existing=True)
    assert batch.status == "error" and batch.content == b""  # never read again


def _old_and_young(client, tag):
    """Two validated files left unconfirmed: one an hour past IMPORT_KEEP_DAYS (7), one an hour short of it; their ids."""
    upload(client, xlsx([need_row(f"OLD-{tag}")]))
    upload(client, xlsx([need_row(f"NEW-{tag}")]))
    old, young = db.session.scalars(db.select(ImportBatch).order_by(ImportBatch.id)).all()
    old.created_at = utcnow() - timedelta(days=7, hours=1)
    young.created_at = utcnow() - timedelta(days=6, hours=23)
    db.session.commit()
    return old.id, young.id


def test_a_file_left_unconfirmed_past_the_keep_days_is_deleted_by_the_daily_job(client, admin, monkeypatch):
    """A validated file (every row's contacts in it) nobody confirms is not kept forever: after IMPORT_KEEP_DAYS the
    daily job deletes it (not the minute's sweep); its page says so, confirming it is refused with that reason, a
    younger one stays."""
    from huey.storage import MemoryStorage

    from matchmaker.jobs import periodic, queue

    monkeypatch.setattr(queue.huey, "storage", MemoryStorage("import-expiry-test"))  # today's marker free
    old_id, young_id = _old_and_young(client, "1")
    periodic.sweep.call_local()
    assert db.session.get(ImportBatch, old_id, populate_existing=True).status == "validated"  # not the sweep's
    periodic.expire_listings.call_local()
    message = "文件已超过 7 天未确认导入，已删除，请重新上传"
    old = db.session.get(ImportBatch, old_id, populate_existing=True)
    assert (old.status, old.content, old.message) == ("expired", b"", message) and len(old.sha256) == 64
    young = db.session.get(ImportBatch, young_id, populate_existing=True)
    assert young.status == "validated" and young.content and young.message is None
    page = client.get(f"/needs/import/{old_id}").get_data(as_text=True)
    assert message in page and f"/needs/import/{old_id}/confirm" not in page
    assert "已过期" in client.get("/needs/import").get_data(as_text=True)
    resp = client.post(f"/needs/import/{old_id}/confirm", follow_redirects=True)
    body = resp.get_data(as_text=True)
    # refused with the reason (flashed, and on the page), not taken for a repeat of a processed batch
    assert resp.status_code == 200 and body.count(message) == 2 and "不能重复导入" not in body
    assert count() == 0
    # the younger file is still imported on confirmation
    client.post(f"/needs/import/{young_id}/confirm")
    assert [n.external_ref for n in db.session.scalars(db.select(TechNeed))] == ["NEW-1"]


def test_the_expiry_command_expires_unconfirmed_files_as_the_daily_job_does(client, admin, runner):
    """``flask expire-listings`` (run by hand or from cron) does the daily job's work: a file left unconfirmed past
    IMPORT_KEEP_DAYS is deleted and its batch expired, the count printed; a younger one stays."""
    old_id, young_id = _old_and_young(client, "2")
    result = runner.invoke(args=["expire-listings"])
    assert result.exit_code == 0 and "超过 7 天未确认的导入批次 1 个" in result.output
    old = db.session.get(ImportBatch, old_id, populate_existing=True)
    assert (old.status, old.content) == ("expired", b"")
    assert db.session.get(ImportBatch, young_id, populate_existing=True).status == "validated"
    assert "导入批次 0 个" in runner.invoke(args=["expire-listings"]).output  # already expired: not counted again


def test_a_file_past_the_keep_days_is_refused_before_the_daily_job_marks_it(client, admin):
    """Between IMPORT_KEEP_DAYS passing and the next daily run a file is still stored as validated: confirming it is
    refused with the expiry's reason, nothing is imported, and the batch waits for the daily job."""
    upload(client, xlsx([need_row("LATE-1")]))
    batch = db.session.scalar(db.select(ImportBatch))
    batch.created_at = utcnow() - timedelta(days=7, minutes=1)
    db.session.commit()
    resp = client.post(f"/needs/import/{batch.id}/confirm", follow_redirects=True)
    body = resp.get_data(as_text=True)
    assert resp.status_code == 200 and "文件已超过 7 天未确认导入，已删除，请重新上传" in body
    assert "不能重复导入" not in body and count() == 0
    assert db.session.get(ImportBatch, batch.id, populate_existing=True).status == "validated"


def test_the_recent_imports_show_every_status_in_chinese(client, admin):
    """Each status a batch can be in is listed on the import page by its Chinese name, never the stored code."""
    labels = {"validating": "校验中", "validated": "待确认", "rejected": "未通过校验", "importing": "导入中",
              "done": "已导入", "error": "失败", "expired": "已过期"}  # fmt: skip
    for status in labels:
        db.session.add(ImportBatch(kind="need", filename=f"{status}.csv", file_format="csv", content=b"",
                                   sha256="0" * 64, status=status))  # fmt: skip
    db.session.commit()
    page = client.get("/needs/import").get_data(as_text=True)
    for status, label in labels.items():
        assert re.search(rf"{status}\.csv</a>\s*· 技术需求 · {label}\s", page), status


def test_results_import_checks_patents_and_maturity(client, admin):
    header = [
        "外部编号",
        "成果名称",
        "完成单位",
        "成果简介",
        "技术领域",
        "成熟度",
        "专利号",
        "转化方式",
        "价格（万元）",
        "有效期至",
    ]
    rows = [
        ["R-1", "石墨烯导热膜制备技术", "导入测试大学", "简介", "先进材料", "中试", "ZL 2017 1 0601862.3", "转让", "面议", NEXT_YEAR],
        ["R-2", "另一项科技成果名称", "导入测试大学", "简介", "先进材料", "试验", "ZL 2017 1 0601862.9", "转让", "10", NEXT_YEAR],
    ]  # fmt: skip
    upload(client, xlsx(rows, header), "results.xlsx", kind="result")
    batch = db.session.scalar(db.select(ImportBatch))
    assert {(r, c) for r, c, _ in batch.errors} == {(3, "成熟度"), (3, "专利号")}
    client.post(f"/needs/import/{batch.id}/confirm")
    r = db.session.scalar(db.select(Result))
    assert r.maturity == "pilot" and r.price_negotiable and r.transfer_mode == "transfer"


def test_results_import_checks_the_patent_type_as_the_form_does(client, admin):
    """A row of 发明专利 with a utility model's number (type digit 2), or of 技术秘密 with a number, is refused on its
    专利号 in the form's words; a row whose number fits its type is imported."""
    header = ["外部编号", "成果名称", "完成单位", "成果简介", "技术领域", "成熟度", "知识产权类型", "专利号", "转化方式",
              "价格（万元）", "有效期至"]  # fmt: skip
    rows = [
        ["R-1", "石墨烯导热膜制备技术", "导入测试大学", "简介", "先进材料", "中试", "发明专利", "ZL 2017 1 0601862.3", "转让", "面议", NEXT_YEAR],
        ["R-2", "另一项科技成果名称", "导入测试大学", "简介", "先进材料", "中试", "发明专利", "ZL202020123456.8", "转让", "10", NEXT_YEAR],
        ["R-3", "第三项科技成果名称", "导入测试大学", "简介", "先进材料", "中试", "技术秘密", "ZL 2017 1 0601862.3", "转让", "10", NEXT_YEAR],
    ]  # fmt: skip
    upload(client, xlsx(rows, header), "results.xlsx", kind="result")
    batch = db.session.scalar(db.select(ImportBatch))
    assert {(r, c) for r, c, _ in batch.errors} == {(3, "专利号"), (4, "专利号")}
    messages = {r: m for r, _, m in batch.errors}
    assert "类型位是 2（实用新型），与知识产权类型“发明专利”不符" in messages[3]
    assert "知识产权类型为“技术秘密”时不填写专利号" in messages[4]
    client.post(f"/needs/import/{batch.id}/confirm")
    assert [r.title for r in db.session.scalars(db.select(Result))] == ["石墨烯导热膜制备技术"]


@pytest.mark.parametrize("kind", ["need", "result"])
@pytest.mark.parametrize("fmt", ["xlsx", "csv"])
def test_template_downloads_and_its_header_is_accepted(client, admin, kind, fmt):
    resp = client.get(f"/needs/import/template?kind={kind}&format={fmt}")
    assert resp.status_code == 200
    if fmt == "xlsx":
        header = [c.value for c in next(load_workbook(io.BytesIO(resp.data)).worksheets[0].iter_rows())]
    else:
        header = next(csv.reader(io.StringIO(resp.data.decode("utf-8-sig"))))
    assert "外部编号*" in header
    resp = upload(client, resp.data, f"t.{fmt}", kind=kind)
    assert "只有表头，没有数据行" in rejected(client, resp)  # the header itself is right


def test_only_admin_can_import(client, auth):
    auth.login("broker")
    assert client.get("/needs/import").status_code == 403


def test_a_row_gone_bad_before_confirmation_is_listed_with_its_reason(client, admin):
    """A row that passed the check but fails at import (its organisation renamed meanwhile) is shown in
    the report with its row number and reason, not only counted in the message."""
    from matchmaker.models import Organization

    make_org("enterprise", name="改名前的企业")
    upload(client, xlsx([need_row("R-1"), need_row("R-2", org="改名前的企业"), need_row("R-3")]))
    batch = db.session.scalar(db.select(ImportBatch))
    assert batch.bad_rows == 0
    db.session.scalar(db.select(Organization).filter_by(name="改名前的企业")).name = "改名后的企业"
    db.session.commit()
    client.post(f"/needs/import/{batch.id}/confirm")
    body = client.get(f"/needs/import/{batch.id}").get_data(as_text=True)
    assert count() == 2 and "有 1 行因数据问题未导入" in body
    assert (
        '<td class="text-nowrap">3</td><td class="text-nowrap">需求单位</td><td>单位“改名前的企业”在平台上不存在'
        in body
    )


def test_an_organisation_typed_with_other_brackets_or_full_width_letters_is_found(client, admin):
    """A spreadsheet's 华星(深圳)精密有限公司 is the platform's 华星（深圳）精密有限公司, as in the 单位 field of every form:
    it was refused as 单位…在平台上不存在 although the organisation exists (and the form would have found it)."""
    org = make_org("enterprise", name="华星（深圳）ＡＢ精密有限公司")
    upload(
        client, xlsx([need_row("B-1", org="华星(深圳)AB精密有限公司"), need_row("B-2", org="华星（深圳）ＡＢ精密有限")])
    )
    batch = db.session.scalar(db.select(ImportBatch))
    assert (batch.good_rows, batch.bad_rows) == (1, 1)
    body = client.get(f"/needs/import/{batch.id}").get_data(as_text=True)
    assert "单位“华星（深圳）AB精密有限”在平台上不存在" in body  # a different name is still refused
    client.post(f"/needs/import/{batch.id}/confirm")
    need = db.session.scalar(db.select(TechNeed))
    assert need.external_ref == "B-1" and need.organization_id == org.id


def test_amounts_typed_in_full_width_digits_are_shown_to_check_before_confirming(client, admin):
    """A form asks to confirm an amount typed in full-width digits (将按 123.50 万元 保存，请确认); the import took
    １２３．５ as 123.5 without a word, and quoted a wrong one as cleaned (“123．5a”), not as typed. Now the report
    lists each such amount with the value read, to check before confirming, and quotes what was typed."""
    rows = [need_row("W-1", budget="１２３．５"), need_row("W-2", budget="８０"), need_row("W-3"),
            need_row("W-4", budget="１２３．５ａ"), need_row("W-5", budget="面议")]  # fmt: skip
    body = client.get(upload(client, xlsx(rows)).headers["Location"]).get_data(as_text=True)
    batch = db.session.scalar(db.select(ImportBatch))
    assert (batch.good_rows, batch.bad_rows) == (4, 1)
    assert "其中 2 行的金额含全角数字或符号" in body and "请核对的金额（2 行）" in body
    assert (
        '<td class="text-nowrap">2</td><td class="text-nowrap">预算（万元）</td><td>“１２３．５”含全角或特殊字符，读作 123.50 万元</td>'
        in body
    )
    assert (
        '<td class="text-nowrap">3</td><td class="text-nowrap">预算（万元）</td><td>“８０”含全角或特殊字符，读作 80.00 万元</td>'
        in body
    )
    assert "“１２３．５ａ”按半角读作“123.5a”，其中“a”不是数字" in body
    assert "有问题的行（1 行，1 处）" in body
    assert "可导入" in body and "已存在（将跳过）" in body
    client.post(f"/needs/import/{batch.id}/confirm")
    budgets = dict(db.session.execute(db.select(TechNeed.external_ref, TechNeed.budget_wan)).all())
    assert budgets == {"W-1": Decimal("123.50"), "W-2": Decimal("80.00"), "W-3": Decimal("80.00"), "W-5": None}
    done = client.get(f"/needs/import/{batch.id}").get_data(as_text=True)  # after the import: said in the past
    assert "按半角读取的金额（2 行）" in done and "请核对的金额" not in done
    assert "已导入</div>" in done and "已存在（已跳过）" in done and "将跳过" not in done
    assert "“８０”含全角或特殊字符，读作 80.00 万元" in done


def test_the_upload_page_names_its_groups_and_links(client, admin):
    """导入类型 was a label tied to no control, so the radios were read without it: it is now their group's legend.
    The two 'Excel 模板' (and 'CSV 模板') links, one per kind, each say which kind they are to a screen reader."""
    page = client.get("/needs/import").get_data(as_text=True)
    assert '<fieldset class="mb-3">\n          <legend class="form-label fs-6">导入类型</legend>' in page
    assert '<label class="form-label">导入类型</label>' not in page
    assert 'Excel 模板<span class="visually-hidden">（技术需求）</span></a>' in page
    assert 'CSV 模板<span class="visually-hidden">（科技成果）</span></a>' in page


def test_a_title_row_above_the_header_is_named_as_such(client, admin):
    """A merged title row above the header (common in real files) was "表头不正确" listing every column as missing
    and the title as an unknown column: the page names the title row and says to delete it; nothing imported."""
    wb = Workbook()
    ws = wb.active
    ws.append(["2026 年技术需求汇总表"])
    ws.merge_cells("A1:S1")
    ws.append(NEED_HEADER)
    ws.append(need_row("T-1"))
    buf = io.BytesIO()
    wb.save(buf)
    body = rejected(client, upload(client, buf.getvalue()))
    assert "表头上方的“2026 年技术需求汇总表”不是列名，第 2 行才是表头：请删除表头上方的标题行后重新上传" in body
    assert "缺少必填列" not in body


def _delimited(sep, encoding):
    lines = [sep.join(NEED_HEADER), sep.join(need_row("U-1"))]
    return ("\r\n".join(lines) + "\r\n").encode(encoding)


@pytest.mark.parametrize(
    ("content", "saved_as"),
    [
        (_delimited("\t", "utf-16"), "Excel/WPS “Unicode 文本”: UTF-16, tab-separated"),
        (csv_bytes([need_row("U-1")], encoding="utf-16"), "a CSV in UTF-16 with its byte-order mark"),
        (_delimited("\t", "utf-8-sig"), "tab-separated UTF-8"),
        (_delimited(";", "utf-8-sig"), "semicolon-separated (a European Excel's CSV)"),
    ],
)
def test_text_files_saved_other_ways_are_read(client, admin, content, saved_as):
    """UTF-16 was "文件不是文本格式的 CSV", a tab or semicolon file "表头不正确" naming its whole first line as one
    unknown column: each is read as the CSV it is, and imports."""
    resp = upload(client, content, "needs.csv")
    assert resp.status_code == 302, (saved_as, resp.get_data(as_text=True)[:300])
    batch = db.session.scalar(db.select(ImportBatch))
    assert (batch.status, batch.good_rows, batch.errors) == ("validated", 1, []), saved_as
    client.post(f"/needs/import/{batch.id}/confirm")
    assert count() == 1


def test_external_refs_differing_only_in_width_or_case_are_shown_as_likely_duplicates(client, admin):
    """外部编号 are kept as cleaned (full-width letters and digits read as ASCII, full-width punctuation kept, case kept)
    so that a new file keeps matching those stored: NEED－1 (a full-width hyphen) or need-1 typed for the stored
    NEED-1, or n-7 below N-7, was imported as another need without a word. Each is listed under 可能重复的外部编号
    with the reference it resembles; the rows still import, and an exact repeat (ＮＥＥＤ-1 too) is still skipped."""
    client.post(f"/needs/import/{checked_batch(client, xlsx([need_row('NEED-1')]))}/confirm")
    rows = [need_row("NEED－1"), need_row("need-1", title="小写编号的需求"), need_row("ＮＥＥＤ-1"),
            need_row("N-7", title="第七号需求"), need_row("n-7", title="第七号需求小写")]  # fmt: skip
    resp = upload(client, xlsx(rows))
    body = client.get(resp.headers["Location"]).get_data(as_text=True)
    batch = db.session.scalar(db.select(ImportBatch).order_by(ImportBatch.id.desc()))
    assert (batch.good_rows, batch.bad_rows, batch.duplicate_rows) == (4, 0, 1)
    assert "其中 3 行的外部编号与平台上已有的或文件中前面某行的编号只差全角/半角或大小写" in body
    assert "可能重复的外部编号（3 行）" in body
    assert (
        '<td class="text-nowrap">2</td><td class="text-nowrap">外部编号</td><td>外部编号“NEED－1”与平台上已有的“NEED-1”只差全角/半角或大小写'
        in body
    )
    assert "外部编号“need-1”与平台上已有的“NEED-1”只差全角/半角或大小写" in body
    assert (
        '<td class="text-nowrap">6</td><td class="text-nowrap">外部编号</td><td>外部编号“n-7”与第 5 行的“N-7”只差全角/半角或大小写'
        in body
    )
    assert "请核对的金额" not in body and "有问题的行（" not in body
    client.post(f"/needs/import/{batch.id}/confirm")
    refs = db.session.scalars(db.select(TechNeed.external_ref).order_by(TechNeed.id)).all()
    assert refs == ["NEED-1", "NEED－1", "need-1", "N-7", "n-7"]


def checked_batch(client, content):
    """Upload a file; the id of its batch once checked."""
    upload(client, content)
    return db.session.scalar(db.select(ImportBatch.id).order_by(ImportBatch.id.desc()))
