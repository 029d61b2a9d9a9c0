"""A need's budget of 0 万元 was taken and shown publicly as 预算 0.00 万元 (the enterprise meant 面议, or had
not decided): the form, 快速通道 and the bulk import now refuse 0 in Chinese, typed text kept, nothing saved.
A result's price of 0 stays allowed (a free licence)."""

from matchmaker.extensions import db
from matchmaker.models import ImportBatch, TechNeed

from ..imports.test_import import admin, need_row, upload, xlsx  # noqa: F401
from .helpers import NEED_FORM

ZERO = "预算须大于 0；暂不确定请填写“面议”"


def test_a_budget_of_zero_is_refused_and_kept(client, auth):
    auth.login("enterprise")
    for typed in ("0", "0.00", "０"):
        resp = client.post("/needs/new", data=dict(NEED_FORM, budget=typed))
        body = resp.get_data(as_text=True)
        assert resp.status_code == 400 and ZERO in body and f'value="{typed}"' in body
    assert db.session.scalar(db.select(db.func.count(TechNeed.id))) == 0


def test_a_small_budget_and_negotiable_still_save(client, auth):
    auth.login("enterprise")
    assert client.post("/needs/new", data=dict(NEED_FORM, budget="0.01")).status_code == 302
    db.session.query(TechNeed).delete()  # not a near-duplicate of the first
    db.session.commit()
    assert client.post("/needs/new", data=dict(NEED_FORM, budget="面议")).status_code == 302


def test_the_import_reports_a_zero_budget_row(client, admin):  # noqa: F811
    assert upload(client, xlsx([need_row("Z-1", budget="0"), need_row("Z-2")])).status_code == 302
    batch = db.session.scalar(db.select(ImportBatch))
    assert [(r, col, msg) for r, col, msg in batch.errors] == [(2, "预算（万元）", ZERO)]
    assert (batch.good_rows, batch.bad_rows) == (1, 1)
