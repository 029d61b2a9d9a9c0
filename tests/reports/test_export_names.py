"""The report's CSV under attack (2026-12-04): its Content-Type read "text/csv; charset=utf-8; charset=utf-8"
(the charset given twice); and zone or institution names typed as formulas stay text in both files."""

import csv
import io

import openpyxl

from matchmaker.extensions import db
from matchmaker.models import Zone

from ..factories import make_contract, make_org

PERIOD = "from=2020-01-01&to=2020-12-31"


def test_csv_names_its_charset_once(client, auth):
    auth.login("admin")
    resp = client.get(f"/reports/export?format=csv&table=by_type&{PERIOD}")
    assert resp.headers["Content-Type"] == "text/csv; charset=utf-8"


def test_formula_names_stay_text(client, auth):
    zone = Zone(name='=HYPERLINK("http://evil","点此")')
    db.session.add(zone)
    db.session.commit()
    seller = make_org("university", name="@SUM(1+1)大学")
    make_contract(seller=seller, zone_id=zone.id)
    auth.login("admin")
    rows = list(csv.reader(io.StringIO(client.get(f"/reports/export?format=csv&{PERIOD}").data.decode("utf-8-sig"))))
    names = [r[0] for r in rows if r]
    assert '\'=HYPERLINK("http://evil","点此")' in names and "'@SUM(1+1)大学" in names
    book = openpyxl.load_workbook(io.BytesIO(client.get(f"/reports/export?format=xlsx&{PERIOD}").data))
    cells = {c.value: c for ws in book for row in ws.iter_rows() for c in row if isinstance(c.value, str)}
    for name in ('=HYPERLINK("http://evil","点此")', "@SUM(1+1)大学"):
        assert name in cells and cells[name].data_type == "s" and cells[name].quotePrefix, name
    assert not [v for v, c in cells.items() if c.data_type == "f" or v.startswith("'")]
