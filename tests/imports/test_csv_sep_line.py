"""A CSV opening with Excel's separator directive (sep=; or sep=,), as programs exporting for Excel write it: Excel
obeys it and never shows it, and the import read it as the file's first row."""

import csv
import io

import pytest

from matchmaker.extensions import db
from matchmaker.models import ImportBatch, TechNeed

from ..factories import make_org
from .test_import import NEED_HEADER, need_row, upload


@pytest.fixture
def admin(auth):
    make_org("enterprise", name="导入测试企业")
    return auth.login("admin")


@pytest.mark.parametrize(("sep", "encoding"), [(";", "utf-8-sig"), (",", "utf-8"), ("\t", "utf-16"), (";", "gbk")])
def test_a_csv_s_sep_line_is_obeyed_and_not_read_as_a_row(client, admin, sep, encoding):
    """sep=; above a semicolon-separated file was told as a title row above the header (“sep=”), one its user could not
    see in Excel; it is the separator, and rows are numbered as Excel shows them (the bad row is row 3)."""
    buf = io.StringIO()
    buf.write(f"sep={sep}\r\n")
    csv.writer(buf, delimiter=sep).writerows([NEED_HEADER, need_row("S-1"), need_row("S-2", budget="八十")])
    resp = upload(client, buf.getvalue().encode(encoding), "needs.csv")
    assert resp.status_code == 302
    batch = db.session.scalar(db.select(ImportBatch))
    assert (batch.status, batch.good_rows, batch.bad_rows) == ("validated", 1, 1), batch.message
    assert [e[:2] for e in batch.errors] == [[3, "预算（万元）"]]
    client.post(f"/needs/import/{batch.id}/confirm")
    assert list(db.session.scalars(db.select(TechNeed.external_ref))) == ["S-1"]


def test_a_utf8_csv_with_a_few_bytes_of_another_encoding_is_told_where(client, admin):
    """A UTF-8 file with one line pasted from a GBK file (需求 as GBK bytes): read as GBK, all of it became nonsense,
    told as a header of unknown columns (涓€…). The file is refused naming the line and what to do."""
    buf = io.StringIO()
    csv.writer(buf).writerows([NEED_HEADER, need_row("S-1"), need_row("S-2")])
    content = buf.getvalue().encode("utf-8").replace(b"S-2", b"S-2" + "需求".encode("gbk"))
    resp = upload(client, content, "needs.csv")
    body = resp.get_data(as_text=True)
    assert resp.status_code == 400
    assert "文件是 UTF-8 编码，但第 3 行起有 1 处无法识别的字符" in body and "保存为 UTF-8 编码后重新上传" in body
    assert db.session.scalar(db.select(db.func.count(ImportBatch.id))) == 0
