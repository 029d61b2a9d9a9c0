"""Hostile uploads (issue 13): an .xlsx zip bomb refused before any row is read, the row cap checked
while reading, one enormous CSV cell one bad row. The files are generated here, small on disk."""

import io
import random
import tracemalloc
import zipfile
from contextlib import contextmanager
from datetime import datetime, timedelta
from decimal import Decimal

import pytest

from matchmaker.extensions import db
from matchmaker.imports.reader import FileProblem, Limits, read_rows
from matchmaker.models import ImportBatch, TechNeed

from ..factories import make_org
from .test_import import NEED_HEADER, count, csv_bytes, need_row, rejected, upload, xlsx

ROW = '<row r="{n}"><c r="A{n}" t="inlineStr"><is><t>{text}</t></is></c></row>'


def zip_bomb(unpacked_mb=500):
    """A valid-looking .xlsx whose sheet unpacks to `unpacked_mb` MB (about 1.5 MB on disk for 500)."""
    base = zipfile.ZipFile(io.BytesIO(xlsx([need_row("B-1")])))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as z:
        for item in base.infolist():
            if item.filename != "xl/worksheets/sheet1.xml":
                z.writestr(item, base.read(item))
        with z.open("xl/worksheets/sheet1.xml", "w", force_zip64=True) as f:
            f.write(
                b'<?xml version="1.0" encoding="UTF-8"?><worksheet '
                b'xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>'
            )
            chunk = "".join(ROW.format(n=2, text="A" * 200) for _ in range(4000)).encode()
            for _ in range(unpacked_mb * 1024 * 1024 // len(chunk)):
                f.write(chunk)
            f.write(b"</sheetData></worksheet>")
    return out.getvalue()


@pytest.fixture
def admin(auth):
    make_org("enterprise", name="导入测试企业")
    return auth.login("admin")


@pytest.fixture(scope="module")
def bomb():
    return zip_bomb()


def _forbid_loading(monkeypatch):
    """Replace openpyxl.load_workbook by a stub that records each call and refuses the file; returns the calls.

    What a bomb costs is loading it (17-24 s and up to 1 GB, before the first row): a file refused before that step
    never reaches it, which these tests assert instead of timing the refusal (a timed test fails on a busy machine)."""
    import openpyxl

    loaded = []

    def load_workbook(*args, **kwargs):
        loaded.append(args)
        raise FileProblem("（测试）该工作簿不应被加载")

    monkeypatch.setattr(openpyxl, "load_workbook", load_workbook)
    return loaded


def _post_file(client, content, filename="needs.xlsx", kind="need"):
    """A multipart upload encoded here: Werkzeug's test client would spool a large body to a
    temporary file that it never closes (a ResourceWarning in a later test)."""
    boundary = "----matchmaker-hostile"
    body = (
        (
            f'--{boundary}\r\nContent-Disposition: form-data; name="kind"\r\n\r\n{kind}\r\n'
            f'--{boundary}\r\nContent-Disposition: form-data; name="file"; filename="{filename}"\r\n'
            "Content-Type: application/octet-stream\r\n\r\n"
        ).encode()
        + content
        + f"\r\n--{boundary}--\r\n".encode()
    )
    return client.post("/needs/import", data=body, content_type=f"multipart/form-data; boundary={boundary}")


def test_zip_bomb_is_refused_fast_and_small(client, admin, bomb, monkeypatch):
    """A 500 MB sheet packed into ~1.5 MB: refused by the upload request from the zip's directory alone, no part
    unpacked and the workbook never loaded, using a few MB, nothing stored."""
    assert len(bomb) < 3 * 1024 * 1024
    loaded, unpacked = _forbid_loading(monkeypatch), []
    real_open = zipfile.ZipFile.open
    monkeypatch.setattr(
        zipfile.ZipFile, "open", lambda zf, name, *a, **k: unpacked.append(name) or real_open(zf, name, *a, **k)
    )
    resp = _post_file(client, bomb)
    assert unpacked == [] and loaded == []
    assert resp.status_code == 400 and "解压后超过 300 MB" in resp.get_data(as_text=True)
    tracemalloc.start()  # a second time, measuring what Python allocates
    _post_file(client, bomb)
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    print(f"zip bomb ({len(bomb) / 1e6:.1f} MB → 500 MB): refused, peak {peak / 1e6:.1f} MB")
    assert peak < 50 * 1024 * 1024
    assert count() == 0 and count(ImportBatch) == 0


def test_high_compression_ratio_is_refused():
    """Under the size limit but packed a thousand to one: refused as a bomb."""
    with pytest.raises(FileProblem, match="压缩比异常"):
        read_rows(zip_bomb(20), "xlsx")


def test_unpacked_size_limit_is_configurable():
    """A sheet within the ratio but over IMPORT_MAX_UNPACKED is refused before reading."""
    content = xlsx([need_row(f"U-{i}") for i in range(50)])
    with pytest.raises(FileProblem, match="解压后超过"):
        read_rows(content, "xlsx", Limits(max_unpacked=1024))


def test_row_cap_is_checked_while_reading():
    """Past the cap, reading stops: the rows after it are never pulled from the file."""
    pulled = []

    def rows():
        yield 1, NEED_HEADER
        for i in range(2, 10_000):
            pulled.append(i)
            yield i, need_row(f"R-{i}")

    import matchmaker.imports.reader as reader

    original = reader._read_csv
    reader._read_csv = lambda content, limits: rows()
    try:
        with pytest.raises(FileProblem, match="超过单次导入上限 100 行"):
            read_rows(b"x", "csv", Limits(max_rows=100))
    finally:
        reader._read_csv = original
    assert len(pulled) == 101


@contextmanager
def _admin_importing(make_app, max_rows):
    """A logged-in admin's client of an app importing at most max_rows rows (taxonomy and one enterprise in place)."""
    app = make_app(IMPORT_MAX_ROWS=max_rows)
    with app.app_context():
        from matchmaker.demo.taxonomy import ensure_taxonomy

        from ..factories import make_user

        ensure_taxonomy()
        make_org("enterprise", name="导入测试企业")
        c = app.test_client()
        c.post("/auth/login", data={"email": make_user("admin").email, "password": "password123"})
        yield c


def test_row_cap_in_an_xlsx(make_app):
    with _admin_importing(make_app, max_rows=20) as c:
        resp = _post_file(c, xlsx([need_row(f"X-{i}") for i in range(500)]))
        assert "超过单次导入上限 20 行" in rejected(c, resp)


def test_one_huge_csv_cell_is_one_bad_row(client, admin):
    """A 1,000,000-character cell: that row is reported, the others are fine."""
    rows = [need_row("C-1"), need_row("C-2", **{"拟解决的技术难题*": "长" * 1_000_000}), need_row("C-3")]
    resp = _post_file(client, csv_bytes(rows), "needs.csv")
    body = resp.get_data(as_text=True)
    assert resp.status_code == 302, body[:500]  # to the report
    batch = ImportBatch.query.one()
    assert batch.good_rows == 2 and batch.bad_rows == 1 and batch.total_rows == 3
    assert batch.errors[0][:2] == [3, "拟解决的技术难题*"] and "32767" in batch.errors[0][2]


def _with_sheet(content, sheet_xml):
    """The workbook with its first sheet's XML replaced."""
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(content)) as src, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for item in src.infolist():
            data = sheet_xml if item.filename == "xl/worksheets/sheet1.xml" else src.read(item.filename)
            dst.writestr(item, data)
    return out.getvalue()


@pytest.mark.parametrize(
    "sheet",
    [
        b'<worksheet><sheetData><row r="1"><c r="A1" t="inlineStr"><is><t>bad',  # truncated: a 500 before
        b"<worksheet><sheetData><row r=",
        b"not xml at all",
    ],
)
def test_a_workbook_with_broken_xml_is_a_file_problem_not_a_500(client, admin, sheet):
    content = _with_sheet(xlsx([need_row("X-1")]), sheet)
    with pytest.raises(FileProblem, match="可能已损坏"):
        list(read_rows(content, "xlsx"))
    assert "可能已损坏" in rejected(client, _post_file(client, content, "badxml.xlsx"))


def test_control_and_invisible_characters_in_cells_are_cleaned_as_in_forms(client, admin):
    """A NUL past the first 4 KB of a CSV passed the check and the report (41 good rows), then confirming was
    导入失败…服务器错误 on PostgreSQL; SQLite stored it, and a right-to-left override and zero-width space in a
    title as well, and a name pasted with a zero-width space was 单位…不存在. Cells are cleaned as form text is."""
    rows = [need_row(f"F-{i}") for i in range(40)]
    rows.append(need_row("N-1", title="注塑件\u202e外观缺陷\x00视觉检测\u200b", org="导入测试\u200b企业"))
    content = csv_bytes(rows)
    assert content.index(b"\x00") > 4096
    upload(client, content, filename="needs.csv")
    batch = db.session.scalar(db.select(ImportBatch))
    assert (batch.good_rows, batch.bad_rows) == (41, 0), batch.errors
    assert client.post(f"/needs/import/{batch.id}/confirm").status_code == 302
    db.session.refresh(batch)
    assert (batch.status, batch.imported_rows) == ("done", 41), batch.message
    assert db.session.scalar(db.select(TechNeed.title).filter_by(external_ref="N-1")) == "注塑件外观缺陷视觉检测"


def test_an_uploaded_files_name_keeps_neither_folders_nor_control_characters(client, admin):
    """A file name with a NUL was a 500 on PostgreSQL (the batch's name is stored); folders sent with it and a
    right-to-left override (U+202E: 汇总 + override + vsc.xlsx shows as 汇总xlsx.csv) were kept and shown."""
    name = "../../桌面/2020年\x00需求\u202e汇总.csv"
    assert _post_file(client, csv_bytes([need_row("N-1")]), filename=name).status_code == 302
    batch = db.session.scalar(db.select(ImportBatch))
    assert (batch.filename, batch.file_format, batch.good_rows) == ("2020年需求汇总.csv", "csv", 1)
    assert "2020年需求汇总.csv" in client.get("/needs/import").get_data(as_text=True)


def test_a_long_file_name_keeps_its_extension(client, admin):
    """A file named with 240 characters was cut to 200 before its kind was read from it: the .xlsx lost, refused as
    只支持 Excel (.xlsx) 或 CSV (.csv) 文件. It is cut before the extension, 200 characters kept."""
    name = "2026年度企业技术需求征集汇总表" + "（第一批）" * 44 + ".xlsx"
    assert len(name) > 200
    assert _post_file(client, xlsx([need_row("L-1")]), filename=name).status_code == 302
    batch = db.session.scalar(db.select(ImportBatch))
    assert (batch.file_format, batch.good_rows, len(batch.filename)) == ("xlsx", 1, 200)
    assert batch.filename.startswith("2026年度企业技术需求征集汇总表（第一批）") and batch.filename.endswith(".xlsx")


@pytest.mark.parametrize("title", [20260101, datetime(2026, 1, 1), True, timedelta(days=3)])
def test_a_title_typed_as_a_number_or_date_is_read_as_text(client, admin, title):
    """An .xlsx title cell holding a number, date, boolean or duration (not text) was a 500 on upload."""
    resp = upload(client, xlsx([need_row("T-1", title=title), need_row("T-2")]))
    assert resp.status_code == 302
    batch = db.session.scalar(db.select(ImportBatch))
    assert (batch.total_rows, batch.good_rows + batch.bad_rows) == (2, 2)
    assert client.get(f"/needs/import/{batch.id}").status_code == 200


SST_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"
SST_REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships/sharedStrings"


def _with_parts(content, replace=None, shared=None):
    """The workbook with parts replaced and, given `shared` (bytes of <si> items), a shared-strings part as
    Excel writes it (openpyxl writes its texts inline)."""
    replace = dict(replace or {})
    if shared is not None:
        replace["xl/sharedStrings.xml"] = b'<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
        replace["xl/sharedStrings.xml"] += shared + b"</sst>"
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(content)) as src, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for name in src.namelist():
            data = replace.pop(name, None) or src.read(name)
            if shared is not None and name == "[Content_Types].xml":
                data = data.replace(
                    b"</Types>",
                    f'<Override PartName="/xl/sharedStrings.xml" ContentType="{SST_TYPE}"/></Types>'.encode(),
                )
            if shared is not None and name == "xl/_rels/workbook.xml.rels":
                data = data.replace(
                    b"</Relationships>",
                    f'<Relationship Type="{SST_REL}" Target="sharedStrings.xml" Id="rId99"/></Relationships>'.encode(),
                )
            dst.writestr(name, data)
        for name, data in replace.items():
            dst.writestr(name, data)
    return out.getvalue()


def _items(n, tag):
    """n small XML items, two kinds at random: they pack about 60 to 1, under the compression-ratio limit."""
    rnd = random.Random(n)
    return b"".join(tag % rnd.choice((b"0", b"1")) for _ in range(n))


def test_a_styles_part_of_a_million_formats_is_refused_before_loading(client, admin, monkeypatch):
    """A 0.3 MB styles.xml of 1,000,000 <xf/> (its ratio 60, under the zip checks) took 17 s and 1 GB to load."""
    content = xlsx([need_row("S-1")])
    with zipfile.ZipFile(io.BytesIO(content)) as zf:
        styles = zf.read("xl/styles.xml")
    cut = styles.index(b">", styles.index(b"<cellXfs")) + 1
    bomb = _with_parts(
        content, {"xl/styles.xml": styles[:cut] + _items(1_000_000, b'<xf numFmtId="%s"/>') + styles[cut:]}
    )
    assert len(bomb) < 1024 * 1024
    loaded = _forbid_loading(monkeypatch)
    body = rejected(client, _post_file(client, bomb))  # and its validation, run here at once
    assert loaded == []  # refused before the workbook (and its styles) was loaded
    assert "格式或文字表异常庞大" in body


def test_shared_strings_are_read_and_bounded_by_their_items(monkeypatch):
    """Texts kept in a shared-strings part (as Excel saves them) are read; past the limit of elements
    (3,000,000 one-letter texts took 24 s and 0.5 GB) the file is refused before any is loaded."""
    texts = [*NEED_HEADER, *need_row("S-1")]
    sheet = '<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>'
    for r in (1, 2):
        cells = "".join(
            f'<c r="{chr(65 + i)}{r}" t="s"><v>{(r - 1) * len(NEED_HEADER) + i}</v></c>'
            for i in range(len(NEED_HEADER))
        )
        sheet += f'<row r="{r}">{cells}</row>'
    shared = "".join(f"<si><t>{t}</t></si>" for t in texts).encode()
    content = _with_parts(xlsx([]), {"xl/worksheets/sheet1.xml": (sheet + "</sheetData></worksheet>").encode()}, shared)
    header, rows = read_rows(content, "xlsx", Limits(max_string_elements=2 * len(texts) + 1))  # and <sst>
    assert header == NEED_HEADER and [(n, cells[:19]) for n, cells in rows] == [(2, need_row("S-1"))]
    with pytest.raises(FileProblem, match="格式或文字表异常庞大"):
        read_rows(content, "xlsx", Limits(max_string_elements=2 * len(texts)))
    bomb = _with_parts(xlsx([need_row("S-1")]), shared=_items(1_600_000, b"<si><t>%s</t></si>"))
    loaded = _forbid_loading(monkeypatch)
    with pytest.raises(FileProblem) as refused:
        read_rows(bomb, "xlsx")
    assert loaded == []  # refused before the workbook (and its shared strings) was loaded
    assert "格式或文字表异常庞大" in str(refused.value)


def _shared_strings_sheet(rows, cols, item=b"<si><r><t>%s</t></r></si>"):
    """A sheet of `rows` rows by `cols` columns, every cell a text of its own in the shared strings (3 elements each)."""
    from openpyxl.utils import get_column_letter

    letters = [get_column_letter(c + 1) for c in range(cols)]
    cells = (
        f'<row r="{r + 1}">'
        + "".join(f'<c r="{x}{r + 1}" t="s"><v>{r * cols + c}</v></c>' for c, x in enumerate(letters))
        + "</row>"
        for r in range(rows)
    )
    sheet = '<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>'
    sheet += "".join(cells) + "</sheetData></worksheet>"
    shared = b"".join(item % b"r%dc%d" % divmod(i, cols) for i in range(rows * cols))
    return _with_parts(xlsx([]), {"xl/worksheets/sheet1.xml": sheet.encode()}, shared)


def test_shared_strings_at_the_row_limit_are_read():
    """A file at the row limit, each of its 200 columns a text of its own, is never refused for its shared strings."""
    content = _shared_strings_sheet(101, 200)
    header, rows = read_rows(content, "xlsx", Limits(max_rows=100))
    assert len(header) == 200 and len(rows) == 100 and rows[-1][1][199] == "r100c199"


def test_the_shared_strings_bound_follows_the_row_limit(make_app, monkeypatch):
    """With IMPORT_MAX_ROWS=20, texts past what 21 rows of 200 columns hold, (20 + 1) x 200 x 3 + 10,000 elements,
    are refused at once (the 3,000,000 bound let through 60 times the texts a 20-row file can use)."""
    with _admin_importing(make_app, max_rows=20) as c:
        # 11,300 texts of 2 elements and the <sst> itself: one element over 22,600
        bomb = _with_parts(xlsx([need_row("S-1")]), shared=_items(11_300, b"<si><t>%s</t></si>"))
        with monkeypatch.context() as m:
            loaded = _forbid_loading(m)
            body = rejected(c, _post_file(c, bomb))  # and its validation, run here at once
            assert loaded == []  # refused before the workbook was loaded
            assert "格式或文字表异常庞大" in body
        resp = _post_file(c, _with_parts(xlsx([need_row("S-1")]), shared=_items(11_299, b"<si><t>%s</t></si>")))
        assert resp.status_code == 302 and "确认导入 1 条" in c.get(resp.headers["Location"]).get_data(as_text=True)


def test_the_upload_request_leaves_reading_the_file_to_the_background_job(make_app, monkeypatch):
    """Reading a file at the shared-strings bound (3,000,000 elements at 50,000 rows) took 13-30 s and 170 MB inside
    the upload request. The request now only checks the file's kind and sizes and answers at once with the batch's
    page, 正在后台校验; the job, as a consumer runs it, reads the file, and the page then says why it is refused,
    or offers the good rows to confirm (which waits for the check)."""
    from matchmaker import jobs
    from matchmaker.jobs import queue

    with _admin_importing(make_app, max_rows=20) as c:
        c.application.config["JOBS_IMMEDIATE"] = False  # jobs queued as in production, run below
        monkeypatch.setattr(queue, "send", lambda row_id: None)
        resp = _post_file(c, _with_parts(xlsx([need_row("S-1")]), shared=_items(11_300, b"<si><t>%s</t></si>")))
        assert resp.status_code == 302
        page = c.get(resp.headers["Location"]).get_data(as_text=True)
        assert "正在后台校验文件" in page and "尚未写入任何数据" in page and "异常庞大" not in page
        batch_id = db.session.scalar(db.select(ImportBatch.id))
        assert c.get(f"/needs/import/{batch_id}/status").json["status"] == "validating"
        assert jobs.run_due() == {"ran": 1, "failed": 0}
        assert c.get(f"/needs/import/{batch_id}/status").json["status"] == "rejected"
        assert "格式或文字表异常庞大" in rejected(c, resp)

        resp = _post_file(c, xlsx([need_row("G-1"), need_row("G-2", title="短")]))
        page = c.get(resp.headers["Location"]).get_data(as_text=True)
        assert "正在后台校验文件" in page and "/confirm" not in page
        good_id = db.session.scalar(db.select(db.func.max(ImportBatch.id)))
        page = c.post(f"/needs/import/{good_id}/confirm", follow_redirects=True).get_data(as_text=True)
        assert "文件还在校验中" in page and count() == 0
        assert jobs.run_due() == {"ran": 1, "failed": 0}
        page = c.get(resp.headers["Location"]).get_data(as_text=True)
        assert "确认导入 1 条" in page and '<td class="text-nowrap">3</td><td class="text-nowrap">需求名称</td>' in page
        c.post(f"/needs/import/{good_id}/confirm")
        assert jobs.run_due() == {"ran": 1, "failed": 0} and count() == 1


def _ole2(*streams):
    """The start of an OLE2 compound file (header sector, then directory entries named as its streams)."""
    entries = b"".join(name.encode("utf-16-le").ljust(64, b"\0") + b"\0" * 64 for name in ("Root Entry", *streams))
    return b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1".ljust(512, b"\0") + entries.ljust(4096, b"\0")


@pytest.mark.parametrize(
    ("streams", "message"),
    [
        (("EncryptionInfo", "EncryptedPackage"), "设置了打开密码"),  # Excel's 用密码进行加密
        (("Workbook", "\x05SummaryInformation"), "旧版 Excel (.xls)"),  # an .xls renamed
    ],
)
def test_a_password_protected_or_old_excel_file_named_xlsx_is_told_apart(client, admin, streams, message):
    """Both were 文件不是有效的 Excel 文件，可能已损坏或只是改了扩展名: the user could not tell what to do."""
    resp = upload(client, _ole2(*streams), "needs.xlsx")
    assert resp.status_code == 400 and message in resp.get_data(as_text=True)
    assert count(ImportBatch) == 0


def _two_rows_and(cell, value):
    """An .xlsx of the header, two need rows and ``value`` typed at ``cell`` (far below them)."""
    from openpyxl import Workbook

    wb = Workbook()
    for row in (NEED_HEADER, need_row("S-1"), need_row("S-2")):
        wb.active.append(row)
    wb.active[cell] = value
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


@pytest.mark.parametrize("fmt", ["xlsx", "csv"])
def test_a_stray_cell_far_below_a_few_rows_is_told_as_such(fmt):
    """Two data rows and one cell typed by mistake at row 2000: the lines read (blank ones too) pass the bound,
    and the file was refused as holding more than its 100 rows; the message now says what to look for."""
    if fmt == "xlsx":
        content = _two_rows_and(cell="A2000", value="x")
    else:
        content = csv_bytes([need_row("S-1"), need_row("S-2")]) + b"\r\n" * 2000 + b"x\r\n"
    with pytest.raises(FileProblem) as refused:
        read_rows(content, fmt, Limits(max_rows=100))
    assert "数据下方很远处有误填的单元格" in str(refused.value) and "超过单次导入上限 100 行" not in str(refused.value)


def test_a_space_typed_far_below_the_data_is_refused_at_once_naming_its_cell(client, admin, monkeypatch):
    """Two rows and a space typed at row 900,000 (Excel shows nothing there): the 201,000 empty rows under the bound
    were read cell by cell, 7 s here before the file was refused, without saying where. Rows holding no value are
    now skipped whole, none of their cells cleaned: refused at once, the stray cell named. Blank lines still count
    towards the bound, and data rows towards the row limit."""
    content = _two_rows_and(cell="C900000", value=" ")
    import matchmaker.imports.reader as reader

    cleaned = []  # cells cleaned and checked one by one: what took the 7 s, 19 cells of each empty row
    real_cell = reader._cell
    with monkeypatch.context() as m:
        m.setattr(reader, "_cell", lambda value: cleaned.append(value) or real_cell(value))
        body = rejected(client, upload(client, content))
        assert "第 900000 行的单元格 C900000 还有内容（只是空格，看上去是空的）" in body
        assert "数据下方很远处有误填的单元格" in body and "超过单次导入上限" not in body
        assert len(cleaned) < 2_000, len(cleaned)  # the rows holding values, none of the 201,000 empty ones
    # the same as CSV: named as well
    content = csv_bytes([need_row("S-1"), need_row("S-2")]) + b"\r\n" * 899_996 + b",,x\r\n"
    with pytest.raises(FileProblem, match="第 900000 行的单元格 C900000 还有内容，"):
        read_rows(content, "csv")
    # rows spread out (one in every 5 lines) still count towards the row limit, and blank lines towards the bound
    from openpyxl import Workbook

    wb = Workbook()
    wb.active.append(NEED_HEADER)
    for n in range(101):
        wb.active.append(need_row(f"R-{n}"))
        for _ in range(4):
            wb.active.append([])
    out = io.BytesIO()
    wb.save(out)
    with pytest.raises(FileProblem, match="超过单次导入上限 100 行"):
        read_rows(out.getvalue(), "xlsx", Limits(max_rows=100))
    with pytest.raises(FileProblem, match="文件连同空行超过 1400 行：第 1401 行的单元格 A1401 还有内容"):
        read_rows(xlsx([need_row("S-1")] + [[]] * 1398 + [need_row("S-2")]), "xlsx", Limits(max_rows=100))


def test_a_hidden_first_sheet_is_refused_naming_the_sheet_shown(client, admin):
    """Only the first worksheet is read: old rows kept on a hidden first sheet were imported while the rows on the
    sheet Excel shows were left out without a word. The file is refused naming both sheets; nothing imported."""
    from openpyxl import Workbook

    wb = Workbook()
    old = wb.active
    old.title = "旧数据"
    for r in (NEED_HEADER, need_row("OLD-1")):
        old.append(r)
    old.sheet_state = "hidden"
    new = wb.create_sheet("需求")
    for r in (NEED_HEADER, need_row("NEW-1")):
        new.append(r)
    wb.active = 1
    buf = io.BytesIO()
    wb.save(buf)
    body = rejected(client, upload(client, buf.getvalue()))
    assert (
        "第一个工作表「旧数据（已隐藏）」是隐藏的工作表：只读取第一个工作表，在 Excel 中看到的第一个工作表「需求」不会被读取"
        in body
    )


def test_an_amount_computed_by_a_formula_is_read_as_excel_shows_it(client, admin):
    """预算 =0.1+0.2 or =12.1+3.2, computed by Excel and kept as 0.30000000000000004 and 15.299999999999999, was
    refused as 金额必须是数字 although Excel shows 0.3 and 15.3: read to Excel's 15 significant digits."""
    content = xlsx([need_row("FX-1", budget=0.3), need_row("FX-2", budget=15.3)])
    src, out = zipfile.ZipFile(io.BytesIO(content)), io.BytesIO()
    with zipfile.ZipFile(out, "w") as z:
        for item in src.infolist():
            data = src.read(item)
            if item.filename == "xl/worksheets/sheet1.xml":  # as Excel keeps them (openpyxl writes them short)
                data = data.replace(b"<v>0.3</v>", b"<v>0.30000000000000004</v>")
                data = data.replace(b"<v>15.3</v>", b"<v>15.299999999999999</v>")
                assert data.count(b"<v>0.30000000000000004</v>") == data.count(b"<v>15.299999999999999</v>") == 1
            z.writestr(item, data)
    resp = upload(client, out.getvalue())
    body = client.get(resp.headers["Location"]).get_data(as_text=True)
    assert "确认导入 2 条" in body, body[body.find("import-errors") :][:600]
    client.post(f"/needs/import/{db.session.scalar(db.select(ImportBatch.id))}/confirm")
    budgets = dict(db.session.execute(db.select(TechNeed.external_ref, TechNeed.budget_wan)).all())
    assert budgets == {"FX-1": Decimal("0.30"), "FX-2": Decimal("15.30")}


def test_a_header_repeated_below_is_one_bad_row_named_as_such(client, admin):
    """Two CSV files pasted one after the other: the second's header (and its BOM) was a data row told as an unknown
    单位“需求单位*”, 技术领域“技术领域” and so on, one error a column. It is one error naming the repeated header."""
    content = csv_bytes([need_row("C-1")]) + csv_bytes([need_row("C-2", title="第二个文件的需求名称")])
    batch = db.session.get(ImportBatch, int(upload(client, content, "needs.csv").headers["Location"].split("/")[-1]))
    assert batch.errors == [[3, "外部编号*", "该行与表头相同（文件可能由几个文件拼接而成），不是数据行，未读取"]]
    assert (batch.good_rows, batch.bad_rows) == (2, 1)


def _merged_sheet(n):
    """An .xlsx of the header, one need row and `n` merged ranges below it (B3:C3, B4:C4, ...)."""
    base = zipfile.ZipFile(io.BytesIO(xlsx([need_row("MG-1")])))
    merges = "".join(f'<mergeCell ref="B{r}:C{r}"/>' for r in range(3, n + 3))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as z:
        for item in base.infolist():
            data = base.read(item)
            if item.filename == "xl/worksheets/sheet1.xml":
                data = data.replace(
                    b"</sheetData>", f'</sheetData><mergeCells count="{n}">{merges}</mergeCells>'.encode()
                )
            z.writestr(item.filename, data)
    return out.getvalue()


def test_a_sheet_of_too_many_merged_cells_is_refused_before_reading_them(client, admin):
    """A million merged ranges in an 8 MB file took a worker 70 s and 1 GB (openpyxl reads them all, after the last
    row), and each worker it killed was replaced by another. Past 50,000 the file is refused, saying why."""
    body = rejected(client, upload(client, _merged_sheet(50_001)))
    assert "该 Excel 文件的第一个工作表中合并单元格异常多（超过 50000 处），已拒绝：请全选后取消合并单元格" in body
    # a sheet with a few merges below its rows is read as before
    batch = db.session.get(ImportBatch, int(upload(client, _merged_sheet(10)).headers["Location"].split("/")[-1]))
    assert batch.status == "validated" and batch.good_rows == 1


def test_codes_and_phones_saved_in_scientific_notation_are_named(client, admin):
    """A CSV saved from Excel with long numbers shown as 2.025E+11: the codes 202500010001 and 202500010002 became one
    外部编号 (the second row told a repeat of the first, and a later file's rows skipped as imported) and a phone
    1.38E+10 was only 电话号码格式不正确. Each is told its digits were lost and how to keep them."""
    rows = [need_row("2.025E+11"), need_row("2.025E+11", title="另一个合法的需求名称"),
            need_row("P-1", **{"联系电话": "1.38E+10"})]  # fmt: skip
    batch = db.session.get(
        ImportBatch, int(upload(client, csv_bytes(rows), "n.csv").headers["Location"].split("/")[-1])
    )
    errors = {(r, col): reason for r, col, reason in batch.errors}
    assert set(errors) == {(2, "外部编号"), (3, "外部编号"), (4, "联系电话")}, errors
    assert errors[(2, "外部编号")].startswith("外部编号“2.025E+11”是科学计数法，原来的后几位数字已丢失")
    assert errors[(4, "联系电话")].startswith("“1.38E+10”是科学计数法") and "设为文本格式" in errors[(4, "联系电话")]
    assert batch.good_rows == 0


@pytest.mark.parametrize(
    "sheet",
    [
        # an external entity: the server's own files read into a cell
        b'<?xml version="1.0"?><!DOCTYPE w [<!ENTITY x SYSTEM "file:///etc/passwd">]><worksheet '
        b'xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData><row r="1"><c r="A1" '
        b't="inlineStr"><is><t>&x;</t></is></c></row></sheetData></worksheet>',
        # entities expanding into each other (a billion laughs)
        b'<?xml version="1.0"?><!DOCTYPE w [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">'
        b'<!ENTITY c "&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;"><!ENTITY d "&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;">]><worksheet '
        b'xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData><row r="1"><c r="A1" '
        b't="inlineStr"><is><t>&d;&d;&d;&d;</t></is></c></row></sheetData></worksheet>',
    ],
    ids=["external_entity", "entity_expansion"],
)
def test_a_workbook_declaring_entities_is_refused_unread(client, admin, sheet):
    """A sheet with a DOCTYPE declaring entities (XXE, a billion laughs) is refused as a damaged file: nothing of
    /etc/passwd in the report, no expansion, no 500."""
    content = _with_sheet(xlsx([need_row("X-1")]), sheet)
    with pytest.raises(FileProblem):
        list(read_rows(content, "xlsx"))
    page = rejected(client, _post_file(client, content, "entities.xlsx"))
    assert "root:" not in page and "aaaaaaaaaa" not in page
    assert count(TechNeed) == 0
