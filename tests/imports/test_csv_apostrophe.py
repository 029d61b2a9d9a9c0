"""A CSV cell "'00123": the apostrophe Excel's users type to keep a code's leading zeros is not part of the cell, but
it leaks into CSVs other programs export (or that are typed by hand), and it was stored in 外部编号 and refused in
联系电话. A CSV's code and phone columns drop one leading apostrophe; an .xlsx never holds it (a cell style there)."""

import pytest

from matchmaker.extensions import db
from matchmaker.models import ImportBatch, TechNeed

from ..factories import make_org
from .test_import import csv_bytes, need_row, upload, xlsx


@pytest.fixture
def admin(auth):
    make_org("enterprise", name="导入测试企业")
    return auth.login("admin")


def _imported(client, content, filename):
    resp = upload(client, content, filename)
    assert resp.status_code == 302
    batch = db.session.scalar(db.select(ImportBatch).order_by(ImportBatch.id.desc()))
    assert batch.errors == [] and batch.good_rows == 2, batch.errors
    client.post(f"/needs/import/{batch.id}/confirm")
    return dict(db.session.execute(db.select(TechNeed.external_ref, TechNeed.contact_phone)).all())


def test_a_csv_s_leading_apostrophe_is_dropped_from_codes_and_phones(client, admin):
    """'00123 is stored as 00123, '13800000000 as a phone; ''7 (two typed) keeps one; the title keeps its own."""
    rows = [
        need_row("'00123", title="'引号开头的需求名称", 联系电话="'13800000000"),
        need_row("''7", title="另一个合法的需求名称"),
    ]
    stored = _imported(client, csv_bytes(rows), "needs.csv")
    assert stored == {"00123": "13800000000", "'7": None}
    assert db.session.scalar(db.select(TechNeed.title).where(TechNeed.external_ref == "00123")) == "'引号开头的需求名称"


def test_an_xlsx_cell_s_apostrophe_is_its_text(client, admin):
    """In an .xlsx, a text beginning with an apostrophe was typed so (Excel keeps its own mark as a style): kept."""
    rows = [need_row("'00123"), need_row("A-2", title="另一个合法的需求名称")]
    assert set(_imported(client, xlsx(rows), "needs.xlsx")) == {"'00123", "A-2"}


def test_a_csv_s_excel_text_formula_is_read_as_its_text_in_codes_and_phones(client, admin):
    """="00123", as systems export a code or phone to CSV for Excel to keep its zeros, was stored as the code
    ="00123" and refused as a phone; read as 00123 and 13800000000. The title keeps what was typed."""
    rows = [
        need_row('="00123"', title='="引号"开头的需求名称', 联系电话='="13800000000"'),
        need_row('="A""1"', title="另一个合法的需求名称"),
    ]
    stored = _imported(client, csv_bytes(rows), "needs.csv")
    assert stored == {"00123": "13800000000", 'A"1': None}
    assert (
        db.session.scalar(db.select(TechNeed.title).where(TechNeed.external_ref == "00123")) == '="引号"开头的需求名称'
    )
