"""One deal end to end in the browser: a need and a matching result are posted, a broker
accepts and introduces the suggested pair, the enterprise answers, the broker records the
contract and the admin finds it in the report and its Excel export.

The tests run in file order and hand what they learned (ids, pages) to the next through
the module-scoped ``deal`` dict; when a step fails, the later ones are skipped.
"""

import re
import time
from datetime import timedelta

import pytest

from matchmaker.utils import clock

from .conftest import ADMIN, SHOTS

ENTERPRISE = ("deal-ent@journey.cn", "deal-ent-pass-1")
RESEARCHER = ("deal-lab@journey.cn", "deal-lab-pass-1")
BROKER = ("deal-broker@journey.cn", "deal-broker-pass-1")
ENT_ORG, LAB_ORG = "旅程新能源电池有限公司", "旅程理工大学"
NEED_TITLE = "锂电池极片激光切割毛刺控制技术"
RESULT_TITLE = "锂电池极片超快激光切割毛刺抑制技术"
SHARED_TERMS = ("锂电池", "极片", "激光切割", "毛刺")
LAB_CONTACT = ("陈立新", "13912345678", "chen.lab@journey.cn")
# The contacts as the pages show them: the phone laid out for reading (the digits are the link's tel:)
LAB_SHOWN = ("陈立新", "139 1234 5678", "chen.lab@journey.cn")
CONTRACT_NO = "JY-DEAL-0001"


@pytest.fixture(scope="module")
def deal():
    """What one step hands to the next (ids of the need, result and suggestion)."""
    return {}


def needs(deal, *keys):
    """The values earlier steps stored; skip when an earlier step did not get that far."""
    missing = [k for k in keys if k not in deal]
    if missing:
        pytest.skip(f"an earlier step failed (missing {missing})")
    return [deal[k] for k in keys]


def body(j):
    return j.page.inner_text("body")


def valid_until():
    return (clock.today() + timedelta(days=180)).isoformat()


def register(j, role, name, email, password, org_name, org_kind, uscc=""):
    """Self-registration through the form; lands on the dashboard."""
    j.go("/auth/register")
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
    assert "注册成功" in body(j)
    assert name in j.page.inner_text("nav")


def reload_until(j, path, check, seconds=20):
    """Open `path` once check() holds (matching may lag a publish a little).

    The polls go through the context's request API (same cookies, no rendering, no axe
    audit); only the final page is loaded and audited, once. check() is then asked again
    of the rendered page's text, which is what the caller asserts on."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        resp = j.page.context.request.get(j.base + path)
        if resp.ok and check(resp.text()):
            break
        j.page.wait_for_timeout(500)
    j.go(path)
    return body(j)


def test_enterprise_registers_and_posts_need(journey, deal):
    """An enterprise user registers and publishes a technical need through the form."""
    j = journey("enterprise-posts")
    register(j, "enterprise", "赵刚", *ENTERPRISE, ENT_ORG, "enterprise", uscc="91350100M000777Q2F")
    j.go("/needs/new")
    assert "发布技术需求" in body(j)
    p = j.page
    p.fill("#title", NEED_TITLE)
    p.fill("#summary", "寻求锂电池极片激光切割工艺改进方案，降低极片毛刺和热影响区，提高电芯良率。")
    p.fill(
        "#problem",
        "我司锂电池极片采用激光切割分切，切口毛刺偏大、热影响区偏宽，毛刺刺穿隔膜造成电芯短路风险。"
        "需要优化激光切割工艺参数和光路，控制极片毛刺高度和热影响区宽度。",
    )
    p.fill("#indicators", "极片毛刺高度不大于 8 微米；热影响区宽度不大于 30 微米；激光切割速度不低于 800 毫米每秒。")
    p.fill("#conditions", "已有两条极片激光切割产线和在线视觉检测设备，工艺团队 6 人。")
    p.fill("#keywords", "锂电池，极片，激光切割，毛刺，热影响区")
    p.select_option("#industry", "新能源")
    p.select_option("#field", "精密加工")
    p.select_option("#town", "高新区")
    p.select_option("#coop_mode", "development")
    p.fill("#budget", "90")
    p.fill("#valid_until", valid_until())
    p.click("button[name=action][value=publish]")
    p.wait_for_url(re.compile(r"/needs/\d+$"))
    text = body(j)
    j.shot("need")
    assert "需求已发布" in text
    assert NEED_TITLE in text
    deal["need_id"] = int(p.url.rsplit("/", 1)[1])


def test_researcher_registers_and_lists_result(journey, deal):
    """A researcher registers and publishes a result that answers the need."""
    (need_id,) = needs(deal, "need_id")
    j = journey("researcher-lists")
    register(j, "researcher", "陈立新", *RESEARCHER, LAB_ORG, "university")
    j.go("/results/new")
    assert "发布科技成果" in body(j)
    p = j.page
    p.fill("#title", RESULT_TITLE)
    p.fill(
        "#abstract",
        "采用超快激光和光束整形技术切割锂电池极片，极片毛刺高度小于 5 微米，热影响区宽度小于 20 微米，"
        "激光切割速度达到 1000 毫米每秒，显著降低电芯短路风险。",
    )
    p.fill("#detail", "成果包括锂电池极片激光切割工艺数据库、光路整形模块和毛刺在线检测算法，已在中试线验证。")
    p.fill("#advantages", "与传统模切和纳秒激光切割相比，毛刺更小、热影响区更窄、刀具零损耗。")
    p.fill("#keywords", "锂电池，极片，激光切割，毛刺，热影响区")
    p.fill("#team", "陈立新教授团队")
    p.select_option("#field", "精密加工")
    p.select_option("#industry", "新能源")
    p.select_option("#maturity", "pilot")
    p.select_option("#ip_type", "knowhow")
    p.select_option("#transfer_mode", "license")
    p.fill("#price", "80")
    p.fill("#valid_until", valid_until())
    p.fill("#contact_name", LAB_CONTACT[0])
    p.fill("#contact_phone", LAB_CONTACT[1])
    p.fill("#contact_email", LAB_CONTACT[2])
    p.click("button[name=action][value=publish]")
    p.wait_for_url(re.compile(r"/results/\d+$"))
    text = body(j)
    assert "成果已发布" in text
    assert RESULT_TITLE in text
    deal["result_id"] = int(p.url.rsplit("/", 1)[1])
    assert deal["result_id"] and need_id


def test_owners_see_their_matches_and_ask_a_broker(journey, deal):
    """Before any broker looks, the enterprise sees the matched result of its need and the researcher
    the matched need of the result, each with its reason bar; the enterprise asks a broker to introduce
    the pair, and the researcher's page shows the request too."""
    need_id, result_id = needs(deal, "need_id", "result_id")
    ent = journey("enterprise-asks")
    ent.login(*ENTERPRISE)
    text = reload_until(ent, f"/needs/{need_id}", lambda t: RESULT_TITLE in t)
    section = ent.page.locator("#owner-suggestions")
    assert "平台推荐" in section.inner_text() and RESULT_TITLE in section.inner_text(), text
    assert section.locator(".reason-bar").count() >= 1
    terms = section.locator(".reason-term").all_inner_texts()
    assert any(t in " ".join(terms) for t in SHARED_TERMS), terms
    shown = section.inner_text()
    assert LAB_SHOWN[1] not in shown and LAB_CONTACT[1] not in shown  # no contacts before an introduction
    ent.shot("own-matches")
    section.locator("button:has-text('请经纪人牵线')").first.click()
    ent.page.wait_for_selector("text=已请技术经纪人牵线")
    assert "已请经纪人牵线" in ent.page.locator("#owner-suggestions").inner_text()

    lab = journey("researcher-sees")
    lab.login(*RESEARCHER)
    reload_until(lab, f"/results/{result_id}", lambda t: NEED_TITLE in t)
    card = lab.page.locator("#owner-suggestions .card", has_text=NEED_TITLE)
    assert card.locator(".reason-bar").count() == 1 and "已请经纪人牵线" in card.inner_text()
    lab.shot("asked")
    deal["owner_asked"] = True


def test_broker_accepts_and_introduces(journey, deal):
    """The admin creates a broker, who finds the suggestion with its reasons, accepts and introduces."""
    needs(deal, "need_id", "result_id")
    admin = journey("admin-creates-broker")
    admin.login(*ADMIN)
    admin.go("/admin/users/new")
    admin.page.select_option("#role", "broker")
    admin.page.fill("#name", "经纪人孙丽")
    admin.page.fill("#email", BROKER[0])
    admin.page.fill("#password", BROKER[1])
    admin.page.click("main form button[type=submit]")
    assert f"已创建账号 {BROKER[0]}" in body(admin)

    j = journey("broker-introduces")
    j.login(*BROKER)
    assert "技术经纪人" in j.page.inner_text("nav")
    text = reload_until(j, "/broker/", lambda t: NEED_TITLE in t and RESULT_TITLE in t)
    assert "审核队列" in text
    row = j.page.locator(".pair-row", has_text=NEED_TITLE).filter(has_text=RESULT_TITLE)
    assert row.count() == 1, text
    chips = " ".join(row.locator(".reason-term").all_inner_texts())
    shared = [t for t in SHARED_TERMS if t in chips]
    assert len(shared) >= 2, f"reasons shown: {chips}"
    assert row.locator(".reason-bar .reason-seg").count() >= 2  # the contribution bar
    if "owner_asked" in deal:  # the enterprise's request leads the queue, marked
        assert "需求方请求牵线" in row.inner_text()
        assert "请求牵线" in j.page.locator(".pair-row").first.inner_text()
    score = int(re.search(r"匹配度\s*(\d+)%", row.inner_text())[1])  # a percent, as the owners see it
    assert score >= 35
    j.shot("queue")

    row.locator("a", has_text="详情").click()
    j.page.wait_for_url(re.compile(r"/broker/suggestions/\d+$"))
    deal["suggestion_id"] = int(j.page.url.rsplit("/", 1)[1])
    text = body(j)
    assert "各部分合计即匹配度" in text
    assert NEED_TITLE in text and RESULT_TITLE in text
    assert "待审核" in text or "系统推荐" in text
    assert LAB_SHOWN[1] in text  # brokers see contacts before the introduction

    j.page.click("main button:has-text('采纳推荐')")
    j.page.wait_for_load_state()
    assert "已采纳该推荐" in body(j)
    j.page.fill("#intro-note", "双方技术方向一致，建议尽快面谈。")
    j.page.once("dialog", lambda d: d.accept())  # 确定引荐吗？
    j.page.click("main button:has-text('引荐双方')")
    j.page.wait_for_selector("text=已引荐，双方已收到通知")
    text = body(j)
    assert "已引荐" in text
    assert "登记技术合同" in text


def test_enterprise_sees_introduction_and_responds(journey, deal):
    """The enterprise user gets the notification, sees the researcher's contacts and answers 有意向."""
    sid, need_id = needs(deal, "suggestion_id", "need_id")
    j = journey("enterprise-responds")
    j.login(*ENTERPRISE)
    badge = j.page.locator("#unread-count")
    assert badge.is_visible() and int(badge.inner_text().split()[0]) >= 1  # "3 条未读" (the words for screen readers)
    j.page.click("nav a[title=通知]")
    j.page.wait_for_url("**/notifications/")
    assert f"技术经纪人为您的需求「{NEED_TITLE}」推荐了科技成果「{RESULT_TITLE}」" in body(j)  # the acceptance
    item = j.page.locator(".list-group-item", has_text="技术经纪人已为您引荐").first
    assert NEED_TITLE in item.inner_text() and RESULT_TITLE in item.inner_text()
    item.locator("button:has-text('查看')").click()
    j.page.wait_for_url(re.compile(r"/broker/mine"))
    card = j.page.locator(f"#s{sid}")
    text = card.inner_text()
    assert RESULT_TITLE in text and LAB_ORG in text
    assert "已引荐" in text
    for value in LAB_SHOWN:
        assert value in text, f"{value} missing from {text}"
    assert "尚未反馈" in text
    j.shot("mine")
    card.locator("button:has-text('有意向')").click()
    j.page.wait_for_selector("text=反馈已提交")
    assert "我的意向：有意向" in j.page.locator(f"#s{sid}").inner_text()

    j.go(f"/needs/{need_id}")
    section = j.page.locator("#owner-suggestions")
    assert "平台匹配与经纪人推荐" in section.inner_text()
    assert LAB_CONTACT[2] in section.inner_text()


def test_broker_records_contract(journey, deal):
    """From the pair page the broker records the signed contract (85.5 万元)."""
    (sid,) = needs(deal, "suggestion_id")
    j = journey("broker-contract")
    j.login(*BROKER)
    j.go(f"/broker/suggestions/{sid}")
    assert "需求方：" in body(j) and "有意向" in body(j)
    j.page.click("a:has-text('登记技术合同')")
    j.page.wait_for_url(re.compile(rf"/contracts/new\?suggestion_id={sid}"))
    p = j.page
    assert f"此合同来自推荐 #{sid}" in body(j)
    assert p.input_value("#buyer_name") == ENT_ORG
    assert p.input_value("#seller_name") == LAB_ORG
    assert p.input_value("#title") == NEED_TITLE
    p.fill("#contract_no", CONTRACT_NO)
    p.select_option("#type", "development")
    p.select_option("#unit", "wan")
    p.fill("#amount", "85.5")
    p.fill("#transaction_amount", "80")
    p.fill("#signed_on", clock.today().isoformat())
    p.select_option("#channel", "online")
    j.shot("form")
    p.click("main form button[type=submit]:has-text('保存')")
    p.wait_for_url(re.compile(r"/contracts/\d+$"))
    text = body(j)
    assert f"已登记技术合同 {CONTRACT_NO}" in text
    assert p.inner_text("#amount-wan") == "85.50"
    assert "855,000.00 元" in text

    j.go(f"/broker/suggestions/{sid}")
    assert "已签约" in body(j)
    deal["contract"] = True


def test_admin_report_and_excel(journey, deal, tmp_path):
    """The admin's report shows the headline and a chart, and the Excel export holds 85.5."""
    needs(deal, "contract")
    import openpyxl

    j = journey("admin-report")
    j.login(*ADMIN)
    today = clock.today()
    j.go(f"/reports/?from={today.year}-01-01&to={today.isoformat()}")
    headline = j.page.inner_text("#headline")
    assert headline == "平台线上签订技术交易合同 1 项，合同金额 85.50 万元"
    j.page.wait_for_selector(".report-chart canvas")
    assert j.page.locator(".report-chart canvas").count() >= 1

    with j.page.expect_download() as info:
        j.page.click("a:has-text('导出 Excel')")
    download = info.value
    assert download.suggested_filename.endswith(".xlsx")
    path = tmp_path / "report.xlsx"
    download.save_as(path)
    SHOTS.mkdir(parents=True, exist_ok=True)
    j.page.screenshot(path=str(SHOTS / f"{j.name}-top.png"))  # the first screen, readable at full size
    wb = openpyxl.load_workbook(path)
    ws = wb["概要"]
    figures = [r for r in ws.iter_rows(values_only=True) if r[0] == "线上签约" and isinstance(r[1], int)]
    assert len(figures) == 1, figures
    assert figures[0][1] == 1
    assert figures[0][2] == 85.5
    assert any(isinstance(c, str) and "合同金额 85.50 万元" in c for r in ws.iter_rows(values_only=True) for c in r)
