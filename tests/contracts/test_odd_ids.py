"""Ids typed as superscript digits (², which str.isdigit() takes and int() refuses) or past what the
database holds, in the contracts and signing pages: read as no id, never a server error."""

import pytest

from matchmaker.extensions import db
from matchmaker.models import Contract, ContractDocument

from .test_signing import as_user, form, prepare, setup_parties

ODD = ["²", "99999999999999999999"]


@pytest.mark.parametrize("raw", ODD)
def test_odd_ids_in_contract_lists_and_downloads(app, client, auth, raw):
    """List and audit filters, the record form's suggestion, a PDF's version: answered, never 500."""
    s = setup_parties()
    doc = prepare(client, auth, s)
    as_user(client, auth, s.admin)
    for url in (f"/contracts/?broker={raw}", f"/contracts/audit?entity_id={raw}", f"/contracts/audit?actor={raw}",
                f"/contracts/new?suggestion_id={raw}"):  # fmt: skip
        assert client.get(url).status_code == 200, url
    resp = client.get(f"/contracts/{s.contract.id}/signing/pdf?version={raw}")
    if raw.isascii():  # past 2**31-1: read as the largest id the database holds, a version there is not (404)
        assert resp.status_code == 404
    else:  # not a number: no version asked for, the current text
        assert resp.status_code == 200 and resp.data == doc.pdf


@pytest.mark.parametrize("raw", ODD)
def test_odd_ids_in_contract_forms_are_refused_in_chinese(app, client, auth, raw):
    """A tampered need, result or signer id: a Chinese message on the form, nothing written."""
    s = setup_parties()
    as_user(client, auth, s.broker)
    resp = client.post(f"/contracts/{s.contract.id}/signing/prepare", data=form(s, buyer_signer_id=raw))
    assert resp.status_code == 400 and "甲方" in resp.get_data(as_text=True)
    assert db.session.scalars(db.select(ContractDocument)).all() == []
    data = {"contract_no": "HT-ODD-1", "type": "development", "title": "奇怪编号的合同", "buyer_name": s.buyer.name,
            "buyer_kind": "enterprise", "seller_name": s.seller.name, "seller_kind": "university", "unit": "wan",
            "amount": "10", "transaction_amount": "10", "signed_on": "2024-03-01", "channel": "offline",
            "registration_status": "unsubmitted", "need_id": raw, "result_id": raw, "suggestion_id": raw}  # fmt: skip
    resp = client.post("/contracts/new", data=data)
    page = resp.get_data(as_text=True)
    assert resp.status_code == 400 and "找不到编号为" in page  # ² is read as 2 by the form's NFKC cleaning
    assert db.session.scalar(db.select(Contract).filter_by(contract_no="HT-ODD-1")) is None
