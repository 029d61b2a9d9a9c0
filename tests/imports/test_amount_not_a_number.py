"""An .xlsx amount cell holding infinity (a hostile file: <v>1E999</v>, read as inf) or a text NaN is told the amount
is not a number, not asked to fill the budget in (请填写预算)."""

import io
import zipfile

import pytest

from matchmaker.extensions import db
from matchmaker.models import ImportBatch

from .test_hostile_files import _with_sheet
from .test_import import need_row, upload, xlsx


@pytest.fixture
def admin(auth):
    from ..factories import make_org

    make_org("enterprise", name="导入测试企业")
    return auth.login("admin")


@pytest.mark.parametrize("value", [b"1E999", b"-1E999", b"NaN", b"inf"])
def test_an_amount_cell_of_nan_or_infinity_is_not_a_number(client, admin, value):
    content = xlsx([need_row("NAN-1", budget=12.5), need_row("NAN-2")])
    sheet = zipfile.ZipFile(io.BytesIO(content)).read("xl/worksheets/sheet1.xml")
    if value[-1:].isdigit():  # a number cell, as openpyxl reads it: float("1E999")
        sheet = sheet.replace(b"<v>12.5</v>", b"<v>" + value + b"</v>")
    else:  # a text cell
        sheet = sheet.replace(b'<c r="L2" t="n"><v>12.5</v>', b'<c r="L2" t="inlineStr"><is><t>' + value + b"</t></is>")
    assert upload(client, _with_sheet(content, sheet), "needs.xlsx").status_code == 302
    batch = db.session.scalar(db.select(ImportBatch))
    assert batch.good_rows == 1 and batch.bad_rows == 1
    assert batch.errors[0][:2] == [2, "预算（万元）"]
    assert "金额必须是数字" in batch.errors[0][2] and "请填写" not in batch.errors[0][2]
