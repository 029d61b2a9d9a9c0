"""Files that are not what their extension says: a CSV in UTF-16 saved without its byte-order mark, a PDF, an image
or an archive renamed .csv or .xlsx. Each is told what it is at upload, not "不是文本格式的 CSV" or
"无法识别的列：%PDF-1.4"."""

import io
import zipfile

import pytest

from matchmaker.models import ImportBatch

from .test_import import count, csv_bytes, need_row, upload


@pytest.fixture
def admin(auth):
    from ..factories import make_org

    make_org("enterprise", name="导入测试企业")
    return auth.login("admin")


def _text():
    return csv_bytes([need_row("U-1"), need_row("U-2")], encoding="utf-8")


@pytest.mark.parametrize("encoding", ["utf-16-le", "utf-16-be"])
def test_a_utf16_csv_without_its_mark_is_told_its_encoding(client, admin, encoding):
    content = _text().decode("utf-8").encode(encoding)
    resp = upload(client, content, "needs.csv")
    body = resp.get_data(as_text=True)
    assert resp.status_code == 400
    assert "文件是 UTF-16 编码" in body and "UTF-8" in body and "GBK" in body
    assert "不是文本格式" not in body
    assert count() == 0 and count(ImportBatch) == 0


def _zip(names):
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as z:
        for name in names:
            z.writestr(name, "x")
    return out.getvalue()


@pytest.mark.parametrize(
    ("content", "told"),
    [
        (b"%PDF-1.4\n1 0 obj\n<< /Type /Catalog >>\nendobj\n", "这是 PDF 文件"),
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "这是 PNG 图片"),
        (b"\xff\xd8\xff\xe0\x00\x10JFIF", "这是 JPEG 图片"),
        (_zip(["[Content_Types].xml", "xl/workbook.xml"]), "这是 Excel (.xlsx) 工作簿"),
        (_zip(["[Content_Types].xml", "word/document.xml"]), "这是 Word (.docx) 文档"),
        (_zip(["a.txt"]), "这是 ZIP 压缩包"),
    ],
)
def test_a_binary_file_renamed_csv_is_named_as_what_it_is(client, admin, content, told):
    resp = upload(client, content, "needs.csv")
    body = resp.get_data(as_text=True)
    assert resp.status_code == 400
    assert told in body and "不是 CSV 文件" in body and "模板" in body
    assert "无法识别的列" not in body and "不是文本格式" not in body
    assert count() == 0 and count(ImportBatch) == 0


def test_a_pdf_renamed_xlsx_is_named_as_a_pdf(client, admin):
    resp = upload(client, b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n", "needs.xlsx")
    body = resp.get_data(as_text=True)
    assert resp.status_code == 400 and "这是 PDF 文件，不是 Excel (.xlsx) 文件" in body


@pytest.mark.parametrize(
    ("name", "told"),
    [
        ("需求.xlsm", "启用宏的 Excel 工作簿（.xlsm）"),
        ("需求.xltx", "Excel 模板（.xltx）"),
        ("需求.xlsb", "Excel 二进制工作簿（.xlsb）"),
        ("需求.et", "WPS 表格文件（.et）"),
        ("需求.ods", "OpenDocument 电子表格（.ods）"),
        ("需求.numbers", "Numbers 表格（.numbers）"),
    ],
)
def test_another_spreadsheet_kind_is_named_and_told_how_to_save_it(client, admin, name, told):
    """A macro workbook (.xlsm), a WPS or LibreOffice sheet was told "只支持 Excel (.xlsx) 或 CSV (.csv) 文件，请下载模板
    填写后上传": its user, who had saved an Excel (or WPS) file, was not told that its kind is the problem, nor how to
    save it as one read. Each is named, with the way to save it as .xlsx (a macro is never run nor kept); nothing kept."""
    resp = upload(client, _zip(["[Content_Types].xml", "xl/workbook.xml"]), name)
    body = resp.get_data(as_text=True)
    assert resp.status_code == 400
    assert told in body and "另存为" in body and ".xlsx" in body
    assert count() == 0 and count(ImportBatch) == 0
