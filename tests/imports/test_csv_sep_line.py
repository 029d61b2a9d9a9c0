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
