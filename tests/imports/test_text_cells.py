"""A code column's cell that Excel turned into a date (1-5, 2024/1/5 typed) or a logical value (TRUE): its Python text,
"2024-01-05 00:00:00" or "True", was stored as 外部编号 as if typed. Such a cell is refused, named by row and column,
as the other cells are."""

from datetime import datetime, time

import pytest

from matchmaker.extensions import db
from matchmaker.models import ImportBatch, TechNeed

from ..factories import make_org
from .test_import import need_row, upload, xlsx


@pytest.fixture
def admin(auth):
    make_org("enterprise", name="导入测试企业")
    return auth.login("admin")


def test_a_date_or_a_logical_value_in_a_code_column_is_refused_naming_it(client, admin):
    """Rows 2-5: a date, TRUE, a time in 外部编号 and a date in 联系电话, each told; row 6 imports alone."""
    rows = [
        need_row(datetime(2024, 1, 5)),
        need_row(True, title="另一个合法的需求名称"),
        need_row(time(10, 30), title="第三个合法的需求名称"),
        need_row("P-5", title="第四个合法的需求名称", 联系电话=datetime(2024, 3, 8)),
        need_row("OK-6", title="第五个合法的需求名称"),
    ]
    resp = upload(client, xlsx(rows))
    body = client.get(resp.headers["Location"]).get_data(as_text=True)
    batch = db.session.scalar(db.select(ImportBatch))
    errors = {(r, col): reason for r, col, reason in batch.errors}
    assert set(errors) == {(2, "外部编号"), (3, "外部编号"), (4, "外部编号"), (5, "联系电话")}, errors
    assert errors[(2, "外部编号")].startswith("外部编号应为文本，该单元格是日期（2024-01-05）")
    assert errors[(3, "外部编号")].startswith("外部编号应为文本，该单元格是逻辑值（TRUE）")
    assert errors[(4, "外部编号")].startswith("外部编号应为文本，该单元格是时间（10:30:00）")
    assert errors[(5, "联系电话")].startswith("联系电话应为文本，该单元格是日期（2024-03-08）")
    assert "外部编号应为文本，该单元格是日期（2024-01-05）" in body
    client.post(f"/needs/import/{batch.id}/confirm")
    assert list(db.session.scalars(db.select(TechNeed.external_ref))) == ["OK-6"]


def test_a_code_typed_as_a_number_of_over_15_digits_is_refused_not_stored_with_zeros(client, admin):
    """Excel keeps a number's first 15 digits: 外部编号 123456789012345678 typed in a number cell was imported as the
    code 123456789012346000, and the next import of the real code made another listing. Refused, named; a 15-digit
    code and the other rows import."""
    rows = [
        need_row(123456789012345678),
        need_row(123456789012345, title="另一个合法的需求名称"),
        need_row("OK-4", title="第三个合法的需求名称"),
    ]
    resp = upload(client, xlsx(rows))
    body = client.get(resp.headers["Location"]).get_data(as_text=True)
    batch = db.session.scalar(db.select(ImportBatch))
    errors = {(r, col): reason for r, col, reason in batch.errors}
    assert list(errors) == [(2, "外部编号")], errors
    assert errors[(2, "外部编号")].startswith("外部编号“123456789012346000”是超过 15 位的数字")
    assert "请把该列的单元格格式设为文本" in errors[(2, "外部编号")] and errors[(2, "外部编号")] in body
    client.post(f"/needs/import/{batch.id}/confirm")
    assert sorted(db.session.scalars(db.select(TechNeed.external_ref))) == ["123456789012345", "OK-4"]


@pytest.mark.parametrize("layout", ["{y}－{m:02d}－{d:02d}", "{y}／{m}／{d}", "{y}．{m}．{d}"])
def test_a_date_typed_with_full_width_separators_is_read(client, admin, layout):
    """有效期至 typed in full-width mode (2027－01－01): text keeps full-width punctuation, and the date was refused as
    日期格式应为 YYYY-MM-DD while it looked just like one. Read as the date it shows, full-width digits too."""
    from datetime import timedelta

    from matchmaker.utils import clock

    from .test_import import csv_bytes

    day = clock.today() + timedelta(days=200)
    typed = layout.format(y=day.year, m=day.month, d=day.day)
    if layout.startswith("{y}／"):
        typed = typed.translate(str.maketrans("0123456789", "０１２３４５６７８９"))
    resp = upload(client, csv_bytes([need_row("D-1", until=typed)]), "needs.csv")
    batch = db.session.scalar(db.select(ImportBatch))
    assert (batch.good_rows, batch.errors) == (1, []), resp.status_code
    client.post(f"/needs/import/{batch.id}/confirm")
    assert db.session.scalar(db.select(TechNeed.valid_until)) == day


def test_a_date_typed_as_eight_digits_is_read(client, admin):
    """有效期至 20271231, as dates are often typed (a number cell of an .xlsx, text in a CSV): refused as
    日期格式应为 YYYY-MM-DD; read as the date. Eight digits that are no date are still refused, saying so."""
    from datetime import timedelta

    from matchmaker.utils import clock

    day = clock.today() + timedelta(days=200)
    rows = [need_row("D-1", until=int(day.strftime("%Y%m%d"))), need_row("D-2", until=f"{day.year}1399")]
    resp = upload(client, xlsx(rows))
    batch = db.session.scalar(db.select(ImportBatch))
    assert batch.errors == [[3, "有效期至", "日期不存在，请核对"]], resp.status_code
    client.post(f"/needs/import/{batch.id}/confirm")
    assert db.session.scalar(db.select(TechNeed.valid_until)) == day
