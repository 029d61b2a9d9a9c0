"""A contract's party named as a new organisation while another request saves its look-alike (2026-12-05):
华星(深圳)精密有限公司 typed while 华星（深圳）精密有限公司 was being saved made a second organisation holding the
contract; now the database refuses it and the party is the organisation saved meanwhile, as if it had been
there before. Editing a contract's party had a second fault: that refusal read 该登记编号已被其他合同使用."""

import re
from decimal import Decimal

from sqlalchemy.orm import Session

from matchmaker.admin import services as org_services
from matchmaker.contracts import services
from matchmaker.extensions import db
from matchmaker.models import Contract, Organization

from ..conftest import AuthActions
from ..factories import make_contract
from .test_contracts import GOOD

THEIRS, MINE = "华星（深圳）精密有限公司", "华星(深圳)精密有限公司"


def saved_meanwhile(monkeypatch, name):
    """Another request commits ``name``, and the contract's first look-up of the party answers as if made just
    before that commit (on SQLite the request, already writing its form key, holds the only write lock, so the
    other cannot commit in between: it is committed first and the look-up made to miss it)."""
    with Session(db.engine) as other:
        other.add(Organization(name=name, kind="enterprise"))
        other.commit()
    real, done = org_services.organization_named, []

    def looked_before_the_other_committed(typed, any_brackets=False):
        if not done and typed == MINE:
            done.append(True)
            return None
        return real(typed, any_brackets=any_brackets)

    monkeypatch.setattr(services, "organization_named", looked_before_the_other_committed)


def huaxing():
    return db.session.scalars(db.select(Organization).where(Organization.name.like("华星%"))).all()


def test_a_new_contracts_party_racing_a_look_alike_is_that_organisation(file_app, monkeypatch):
    """登记合同 with 委托方 华星(深圳)精密有限公司 while 华星（深圳）精密有限公司 is saved: recorded, its buyer that one."""
    with file_app.app_context():
        client = file_app.test_client()
        AuthActions(client).login("broker")
        saved_meanwhile(monkeypatch, THEIRS)
        resp = client.post("/contracts/new", data=dict(GOOD, buyer_name=MINE))
        assert resp.status_code == 302, resp.get_data(as_text=True)[:500]
        [org] = huaxing()
        assert org.name == THEIRS and db.session.scalar(db.select(Contract.buyer_id)) == org.id
        db.session.remove()


def test_a_contracts_party_renamed_racing_a_look_alike_is_that_organisation(file_app, monkeypatch):
    """编辑合同 renaming 委托方 likewise: saved (it was refused as 该登记编号已被其他合同使用), one organisation."""
    with file_app.app_context():
        client = file_app.test_client()
        AuthActions(client).login("admin")
        c = make_contract(amount="100000.00", broker=None)
        data = dict(GOOD, contract_no=c.contract_no, registration_no=c.registration_no or "", title=c.title,
                    buyer_name=MINE, seller_name=c.seller.name, amount="10", transaction_amount="10",
                    version=str(c.version))  # fmt: skip
        saved_meanwhile(monkeypatch, THEIRS)
        resp = client.post(f"/contracts/{c.id}/edit", data=data)
        body = resp.get_data(as_text=True)
        assert resp.status_code == 302, re.findall(r"invalid-feedback[^<]*<|alert[^>]*>[^<]*", body)
        db.session.expire_all()
        [org] = huaxing()
        c = db.session.get(Contract, c.id)
        assert org.name == THEIRS and c.buyer_id == org.id and c.amount == Decimal("100000.00") and c.version == 2
        db.session.remove()


def test_a_registration_number_taken_meanwhile_with_a_new_party_says_so(file_app, monkeypatch):
    """登记合同 naming a new 委托方 with a 登记编号 another contract took after the form's check: refused as
    该登记编号已被其他合同使用 with what was typed kept, nothing saved (not the new organisation either), not as the
    party race (甲方或乙方单位正被同时登记，请重试) that the new organisation's insert could also have raised."""
    from matchmaker.contracts.forms import ContractForm

    with file_app.app_context():
        client = file_app.test_client()
        AuthActions(client).login("broker")
        make_contract(registration_no=GOOD["registration_no"])
        monkeypatch.setattr(ContractForm, "validate_registration_no", lambda self, field: None)  # checked before
        orgs = db.session.scalar(db.select(db.func.count(Organization.id)))
        resp = client.post("/contracts/new", data=dict(GOOD, buyer_name="新登记的委托方有限公司"))
        body = resp.get_data(as_text=True)
        assert resp.status_code == 400 and "该登记编号已被其他合同使用" in body and "正被同时登记" not in body
        assert "新登记的委托方有限公司" in body
        assert db.session.scalar(db.select(db.func.count(Contract.id))) == 1
        assert db.session.scalar(db.select(db.func.count(Organization.id))) == orgs
        db.session.remove()
