"""Fixtures for the signing library: one authority, one prepared contract and its signed copy."""

from dataclasses import replace
from datetime import date
from decimal import Decimal

import pytest

from matchmaker.signing import pades
from matchmaker.signing.authority import Authority, Subject
from matchmaker.signing.pdf import render_pdf
from matchmaker.signing.text import ContractTerms, Party, build_text

TERMS = ContractTerms(
    contract_no="HT-2024-0012",
    type="development",
    title="高效光伏组件低温封装工艺开发",
    buyer=Party(
        "广东光合新能源科技有限公司",
        uscc="91440101MA5CXXXX1X",
        address="广州市黄埔区科学大道1号",
        representative="张伟",
        contact="李娜 020-12345678",
    ),
    seller=Party("华南理工大学", address="广州市天河区五山路381号", representative="王强"),
    subject="开发适用于 N 型 TOPCon 电池的低温封装工艺（封装温度≤140℃）。\n组件功率首年衰减不超过 1%。",
    amount=Decimal("1234567.89"),
    payment_terms="合同生效后十日内支付合同金额的 30%；\n验收合格后十日内支付其余 70%。",
    start=date(2024, 3, 1),
    end=date(2025, 2, 28),
    place="广州市黄埔区",
    prepared_on=date(2024, 2, 20),
)


@pytest.fixture(scope="session")
def terms():
    return TERMS


@pytest.fixture(scope="session")
def authority(tmp_path_factory):
    return Authority.ensure(tmp_path_factory.mktemp("ca"), name="测试对接平台")


@pytest.fixture(scope="session")
def prepared_pdf():
    return render_pdf(build_text(TERMS))


@pytest.fixture(scope="session")
def party_creds(authority):
    return (
        authority.issue(Subject(TERMS.buyer.name, TERMS.buyer.uscc)),
        authority.issue(Subject(TERMS.seller.name)),
    )


@pytest.fixture(scope="session")
def signed_pdf(authority, prepared_pdf, party_creds):
    """甲方, then 乙方 incrementally, then the platform's locking signature, all timestamped."""
    ts = authority.timestamper()
    a, b = party_creds
    one = pades.sign_party(prepared_pdf, authority.signer_for(a.cert_pem, a.key_pem), 0, "甲方签署", "张伟", ts)
    two = pades.sign_party(one, authority.signer_for(b.cert_pem, b.key_pem), 1, "乙方签署", "王强", ts)
    return pades.sign_platform(two, authority.platform_signer(), "平台见证并锁定", "测试对接平台", ts)


def other_terms(**changes):
    return replace(TERMS, **changes)
