"""Online signing in the browser: an enterprise user and a university researcher sign a contract the
broker prepared; the platform locks it; the signed PDF validates; the admin's report counts it as
signed online.

The tests run in file order and hand what they learned to the next through ``deal``.
"""

import re

import pytest

from matchmaker.utils import clock

from ..factories import valid_uscc
from .conftest import ADMIN

ENTERPRISE = ("sign-ent@journey.cn", "sign-ent-pass-1", "周敏")
RESEARCHER = ("sign-lab@journey.cn", "sign-lab-pass-1", "吴志远")
BROKER = ("sign-broker@journey.cn", "sign-broker-pass-1", "经纪人何静")
ENT_ORG, LAB_ORG = "旅程智能锁具有限公司", "旅程工业大学"
CONTRACT_NO = "JY-SIGN-0001"
UPPER = "人民币（大写）陆拾肆万捌仟元整（¥648,000.00元）"
SLOW = 90_000  # ms: preparing a PDF and signing take seconds on a busy machine


@pytest.fixture(scope="module")
def deal():
    return {}


def needs(deal, *keys):
    missing = [k for k in keys if k not in deal]
    if missing:
        pytest.skip(f"an earlier step failed (missing {missing})")
    return [deal[k] for k in keys]


def body(j):
    return j.page.inner_text("body")


def register(j, role, name, email, password, org_name, org_kind, uscc=""):
    # The first page of a journey file run alone may wait for gunicorn's workers to boot.
    assert j.page.goto(j.base + "/auth/register", timeout=SLOW).status == 200
    j.page.select_option("#role", role)
    j.page.fill("#name", name)
    j.page.fill("#email", email)
    j.page.fill("#password", password)
    j.page.fill("#password2", password)
    j.page.fill("#org_name", org_name)
    j.page.select_option("#org_kind", org_kind)
    if uscc:
        j.page.fill("#uscc", uscc)
    j.page.click("main form button[type=submit]")
    j.confirm_registration(email)


def test_parties_register_and_broker_records_the_contract(journey, deal):
    """The two parties register; an admin creates the broker, who records the contract."""
    ent = journey("enterprise")
    register(ent, "enterprise", ENTERPRISE[2], ENTERPRISE[0], ENTERPRISE[1], ENT_ORG, "enterprise", valid_uscc(771))
    lab = journey("researcher")
    register(lab, "researcher", RESEARCHER[2], RESEARCHER[0], RESEARCHER[1], LAB_ORG, "university")
    admin = journey("admin")
    admin.login(*ADMIN)
    admin.go("/admin/users/new")
    admin.page.select_option("#role", "broker")
    admin.page.fill("#name", BROKER[2])
    admin.page.fill("#email", BROKER[0])
    admin.page.fill("#password", BROKER[1])
    admin.page.click("main form button[type=submit]")
    assert f"已创建账号 {BROKER[0]}" in body(admin)

    j = journey("broker")
    j.login(*BROKER[:2])
    j.go("/contracts/new")
    p = j.page
    p.fill("#contract_no", CONTRACT_NO)
    p.select_option("#type", "development")
    p.fill("#title", "智能门锁低功耗通信模组联合开发")
    p.fill("#buyer_name", ENT_ORG)
    p.select_option("#buyer_kind", "enterprise")
    p.fill("#seller_name", LAB_ORG)
    p.select_option("#seller_kind", "university")
    p.select_option("#unit", "wan")
    p.fill("#amount", "64.8")
    p.fill("#transaction_amount", "64.8")
    p.fill("#signed_on", clock.today().isoformat())
    p.select_option("#channel", "offline")
    p.click("main form button[type=submit]:has-text('保存')")
    p.wait_for_url(re.compile(r"/contracts/\d+$"))
    deal["contract"] = int(p.url.rsplit("/", 1)[1])


def test_broker_prepares_the_text(journey, deal):
    """From the contract's page the broker fills what the text needs, names both signers and sends it."""
    (cid,) = needs(deal, "contract")
    j = journey("broker")
    j.login(*BROKER[:2])
    j.go(f"/contracts/{cid}")
    assert "已登记" in j.page.inner_text("#online-signing")
    j.page.click("#online-signing a:has-text('发起网上签约')")
    p = j.page
    p.wait_for_url(f"**/contracts/{cid}/signing/prepare")
    p.select_option("#buyer_signer_id", label=f"{ENTERPRISE[2]}（{ENTERPRISE[0]}）")
    p.select_option("#seller_signer_id", label=f"{RESEARCHER[2]}（{RESEARCHER[0]}）")
    p.fill("#subject", "开发基于 BLE 与 NB-IoT 双模的低功耗智能门锁通信模组。\n待机电流不大于 15 微安。")
    p.fill("#payment_terms", "合同生效后十日内支付 40%；\n样机验收合格后十日内支付其余 60%。")
    p.fill("#buyer_representative", "周建国")
    p.click("main form button[type=submit]")
    p.wait_for_url(f"**/contracts/{cid}/signing", timeout=SLOW)
    assert "合同文本已生成" in body(j)
    assert j.page.inner_text("#signing-state") == "待网上签署"
    deal["hash"] = j.page.inner_text("#document-hash").strip()
    assert re.fullmatch(r"[0-9a-f]{64}", deal["hash"])


def sign(j, who, cid, done_text):
    """From the menu to the contract, read, tick, password, sign (the user is logged in)."""
    j.go("/dashboard")
    j.page.click("nav a:has-text('我的签约')")
    j.page.click(f"a[href='/contracts/{cid}/signing']")
    p = j.page
    text = p.inner_text("#contract-text")
    assert "技术开发（委托）合同" in text and UPPER in text and "周建国" in text
    p.check("#agree")
    p.fill("#password", who[1])
    p.click("#sign-button", timeout=SLOW)
    p.wait_for_selector(f".alert:has-text('{done_text}')", timeout=SLOW)


def test_enterprise_reads_and_signs(journey, deal):
    """The enterprise's user reads the text and signs with the password; a wrong password is refused first."""
    cid, doc_hash = needs(deal, "contract", "hash")
    j = journey("enterprise")
    j.login(*ENTERPRISE[:2])
    j.go(f"/contracts/{cid}/signing")
    assert j.page.inner_text("#document-hash").strip() == doc_hash
    j.page.check("#agree")
    j.page.fill("#password", "not-my-password")
    j.page.click("#sign-button")
    j.page.wait_for_selector(".alert:has-text('密码不正确，未签署')", timeout=SLOW)
    sign(j, ENTERPRISE, cid, "签署成功，等待对方签署")
    assert "待 " + RESEARCHER[2] + " 签署" in j.page.inner_text("#signature-list")
    deal["enterprise_signed"] = True


def test_researcher_signs_and_the_platform_locks(journey, deal):
    """The university's researcher signs the same file; the platform's signature completes it."""
    cid, _ = needs(deal, "contract", "enterprise_signed")
    j = journey("researcher")
    j.login(*RESEARCHER[:2])
    sign(j, RESEARCHER, cid, "合同已完成网上签约")
    assert j.page.inner_text("#signing-state") == "已网上签约"
    assert "完成网上签约" in j.page.inner_text("#signed-banner")
    deal["signed"] = True


def test_signed_pdf_validates(journey, deal, tmp_path):
    """The downloaded PDF: three signatures, intact, chained to the platform CA; the verify page agrees."""
    cid, _ = needs(deal, "contract", "signed")
    from matchmaker.signing.verify import verify_pdf

    j = journey("enterprise")
    j.login(*ENTERPRISE[:2])
    j.go(f"/contracts/{cid}/signing")
    with j.page.expect_download() as info:
        j.page.click("#download-pdf")
    path = tmp_path / "contract.pdf"
    info.value.save_as(path)
    ca = j.page.request.get(j.base + "/contracts/verify/ca.pem").body()
    result = verify_pdf(path.read_bytes(), [ca], ca)
    assert result.complete(), [s.summary for s in result.signatures]
    assert [s.signer for s in result.signatures] == [ENT_ORG, LAB_ORG, "科技成果转化对接平台"]
    assert [s.person for s in result.signatures][:2] == [ENTERPRISE[2], RESEARCHER[2]]

    j.go("/contracts/verify")
    j.page.set_input_files("#file", str(path))
    j.page.click("main form button[type=submit]", timeout=SLOW)
    j.page.wait_for_selector("#verdict", timeout=SLOW)
    assert "验证通过" in j.page.inner_text("#verdict")
    assert j.page.locator("#signature-table tbody tr").count() == 3

    tampered = tmp_path / "tampered.pdf"
    data = bytearray(path.read_bytes())
    data[len(data) // 3] ^= 0x01
    tampered.write_bytes(bytes(data))
    j.go("/contracts/verify")
    j.page.set_input_files("#file", str(tampered))
    j.page.click("main form button[type=submit]", timeout=SLOW)
    j.page.wait_for_selector("#verdict", timeout=SLOW)
    assert "验证未通过" in j.page.inner_text("#verdict")


def test_admin_report_counts_it_as_signed_online(journey, deal):
    """The admin's report for this year: one contract signed online, 64.80 万元, inside the online headline."""
    needs(deal, "signed")
    j = journey("admin-report")
    j.login(*ADMIN)
    today = clock.today()
    j.go(f"/reports/?from={today.year}-01-01&to={today.isoformat()}")
    assert j.page.inner_text("#headline-signed") == "其中网上签约（电子签名）1 项，合同金额 64.80 万元"
    headline = j.page.inner_text("#headline")
    m = re.fullmatch(r"平台线上签订技术交易合同 (\d+) 项，合同金额 ([\d.]+) 万元", headline)
    assert m and int(m.group(1)) >= 1 and float(m.group(2)) >= 64.8, headline
    row = j.page.locator("#by_signing tr", has_text="网上签约（电子签名）").first.inner_text()
    assert "64.80" in row
