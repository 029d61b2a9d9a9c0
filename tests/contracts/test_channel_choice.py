"""签订渠道 is chosen each time a contract is recorded: a preselected 线上 counted offline-signed contracts in the
headline "平台线上签订…" when the broker left the select alone."""

import re

from matchmaker.extensions import db
from matchmaker.models import Contract

from ..api.conftest import token_for
from ..factories import make_user
from ..page_form import form_values
from .test_contracts import GOOD


def _channel_select(page):
    return re.search(r'<select[^>]*name="channel".*?</select>', page, re.S).group(0)


def test_a_new_contract_has_no_channel_chosen_and_one_sent_without_it_is_refused_keeping_the_rest(client, auth):
    """Found 2026-12-07: /contracts/new came with 线上 selected. Now nothing is selected (the browser sends the
    empty （请选择）); saving so is refused with a Chinese message beside the field, nothing is written, and what
    was typed stays in the form; with the channel chosen it is saved as chosen, and its edit form shows it."""
    auth.login("broker")
    page = client.get("/contracts/new").get_data(as_text=True)
    assert "selected" not in _channel_select(page)
    sent = form_values(page, "channel")
    assert sent["channel"] == ""
    typed = dict(sent, **{k: v for k, v in GOOD.items() if k != "channel"})
    resp = client.post("/contracts/new", data=typed)
    page = resp.get_data(as_text=True)
    assert resp.status_code == 400 and "请选择签订渠道" in page
    assert db.session.scalar(db.select(db.func.count(Contract.id))) == 0
    kept = form_values(page, "channel")
    assert (kept["title"], kept["amount"], kept["signed_on"]) == (GOOD["title"], GOOD["amount"], GOOD["signed_on"])
    resp = client.post("/contracts/new", data=dict(kept, channel="offline"))
    assert resp.status_code == 302
    assert db.session.scalars(db.select(Contract.channel)).all() == ["offline"]
    page = client.get(resp.headers["Location"] + "/edit").get_data(as_text=True)  # an edit shows the stored one
    assert re.search(r'<option selected value="offline">|<option value="offline" selected', _channel_select(page))
    assert form_values(page, "channel")["channel"] == "offline"


def test_the_api_keeps_its_own_default_channel(app, client):
    """POST /api/v1/contracts without channel is recorded 线上, as it was before the page's form lost its default."""
    token = token_for(make_user("broker"), scopes=("read", "write"))
    body = {"contract_no": "HT-API-009", "type": "transfer", "title": "储能技术转让", "buyer_name": "某某储能有限公司",
            "seller_name": "某某大学", "amount": "100000.00", "transaction_amount": "100000.00",
            "signed_on": "2020-06-30"}  # fmt: skip
    resp = client.post("/api/v1/contracts", json=body, headers={"Authorization": f"Bearer {token}",
                                                                 "Idempotency-Key": "k-9"})  # fmt: skip
    assert resp.status_code == 201, resp.get_json()
    assert resp.get_json()["channel"] == "online"
