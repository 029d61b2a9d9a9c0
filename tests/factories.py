"""Builders for test rows: make_org, make_user (areas add their own below)."""

import itertools

from matchmaker.extensions import db
from matchmaker.models import Organization, OrgKind, User
from matchmaker.utils import clock
from matchmaker.utils.uscc import check_character

_seq = itertools.count(1)
ROLE_ORG_KIND = {"enterprise": OrgKind.ENTERPRISE, "researcher": OrgKind.UNIVERSITY}


def valid_uscc(n):
    """A code with a correct GB 32100-2015 check character."""
    first17 = f"91440000{n:09d}"
    return first17 + check_character(first17)


def make_org(kind="enterprise", name=None, **kw):
    n = next(_seq)
    org = Organization(
        name=name or f"测试单位{n}",
        kind=str(kind),
        uscc=valid_uscc(n) if str(kind) == "enterprise" else None,
        **kw,
    )
    db.session.add(org)
    db.session.commit()
    return org


def make_user(role="enterprise", password="password123", org=None, email=None, **kw):
    n = next(_seq)
    if org is None:
        org = make_org(ROLE_ORG_KIND.get(role, OrgKind.AGENCY))
    user = User(
        email=email or f"user{n}@example.cn", name=kw.pop("name", f"用户{n}"), role=role, organization=org, **kw
    )
    user.set_password(password)
    db.session.add(user)
    db.session.commit()
    return user


def make_need(org=None, user=None, status="published", **kw):
    """A technical need; published by default."""
    from datetime import timedelta

    from matchmaker.models import TechNeed

    if user is None:
        user = make_user("enterprise", org=org)
    n = next(_seq)
    fields = {
        "title": f"测试技术需求{n}",
        "problem": "需要解决的技术难题描述",
        "keywords": "",
        "valid_until": clock.today() + timedelta(days=180),
        "industry": "智能家电",
    }
    fields.update(kw)
    need = TechNeed(organization_id=user.organization_id, created_by_id=user.id, status=status, **fields)
    db.session.add(need)
    db.session.commit()
    return need


def make_result(org=None, user=None, status="published", **kw):
    """A research result; published by default."""
    from datetime import timedelta

    from matchmaker.models import Result

    if user is None:
        user = make_user("researcher", org=org)
    n = next(_seq)
    fields = {
        "title": f"测试科技成果{n}",
        "abstract": "成果简介",
        "keywords": "",
        "valid_until": clock.today() + timedelta(days=365),
        "maturity": "pilot",
    }
    fields.update(kw)
    result = Result(organization_id=user.organization_id, owner_id=user.id, status=status, **fields)
    db.session.add(result)
    db.session.commit()
    return result


def make_contract(buyer=None, seller=None, amount="100000.00", transaction_amount=None, **kw):
    """A technology contract (amounts in yuan, Decimal); online, signed on 2020-06-30 by default."""
    from datetime import date
    from decimal import Decimal

    from matchmaker.models import Contract

    n = next(_seq)
    fields = {
        "contract_no": f"HT-{n:06d}",
        "type": "development",
        "title": f"测试技术合同{n}",
        "signed_on": date(2020, 6, 30),
        "channel": "online",
    }
    fields.update(kw)
    contract = Contract(
        buyer=buyer or make_org("enterprise"),
        seller=seller or make_org("university"),
        amount=Decimal(amount),
        transaction_amount=Decimal(transaction_amount if transaction_amount is not None else amount),
        **fields,
    )
    db.session.add(contract)
    db.session.commit()
    return contract


def make_suggestion(need=None, result=None, status="suggested", score=0.5, broker=None, **kw):
    """A match suggestion between a need and a result (made if not given)."""
    from matchmaker.models import MatchSuggestion

    s = MatchSuggestion(
        need_id=(need or make_need()).id,
        result_id=(result or make_result()).id,
        status=status,
        score=score,
        reasons=kw.pop("reasons", [["储能", 0.4], ["电池", 0.3]]),
        engine_version=kw.pop("engine_version", "test"),
        assigned_broker_id=broker.id if broker else None,
        **kw,
    )
    db.session.add(s)
    db.session.commit()
    return s


def make_signing_document(contract, buyer_signer, seller_signer, prepared_by=None, status="awaiting_signatures"):
    """A contract document out for signing, without rendering a PDF (for access tests: bytes are a stub)."""
    from datetime import date

    from matchmaker.models import ContractDocument

    party = {"name": "x", "uscc": "", "address": "", "representative": "", "contact": ""}
    terms = {
        "contract_no": contract.contract_no, "type": contract.type, "title": contract.title,
        "buyer": dict(party, name=contract.buyer.name), "seller": dict(party, name=contract.seller.name),
        "subject": "标的", "amount": f"{contract.amount:.2f}", "payment_terms": "一次性支付",
        "start": date(2024, 1, 1).isoformat(), "end": date(2024, 12, 31).isoformat(), "place": "", "acceptance": "",
        "ip_terms": "", "extra": "", "prepared_on": date(2024, 1, 1).isoformat(), "version": 1, "platform": "测试平台",
    }  # fmt: skip
    pdf = b"%PDF-1.7\n% stub for access tests\n%%EOF\n"
    doc = ContractDocument(
        contract_id=contract.id, version=1, status=status, terms=terms, document_hash="0" * 64,
        prepared_size=len(pdf), pdf=pdf, current_hash="0" * 64, buyer_signer_id=buyer_signer.id,
        seller_signer_id=seller_signer.id, prepared_by_id=(prepared_by or buyer_signer).id,
    )  # fmt: skip
    db.session.add(doc)
    db.session.commit()
    return doc
