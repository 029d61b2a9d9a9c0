"""发起网上签约 takes a recorded contract out of the reports until it is signed (README, 网上签约 → Reports): the
broker is told so before sending, and the contract's page says so while its text awaits signatures."""

from matchmaker.reports.services import build_report

from .test_signing import YEAR, as_user, prepare, setup_parties


def test_the_prepare_page_says_before_its_button_that_the_contract_leaves_the_totals_until_signed(client, auth):
    """Found 2026-12-07: a recorded 50.50 万元 contract vanished from the month's headline once sent for signing,
    and no page had said it would. The prepare page now says so above its button, with the amount and date as
    recorded; once sent, the contract's page and the list say it is not counted until signed, and the report agrees."""
    s = setup_parties(amount="505000.00", channel="online")
    as_user(client, auth, s.broker)
    assert build_report(YEAR)["headline"]["text"] == "平台线上签订技术交易合同 1 项，合同金额 50.50 万元"
    page = client.get(f"/contracts/{s.contract.id}/signing/prepare").get_data(as_text=True)
    told = page.find("该合同将在双方签署、平台加盖数字签名后才计入统计")
    assert 0 < told < page.find("生成合同文本并发送签署</button>")
    assert "发起签约前已登记的合同金额（50.50 万元，签订日期 2020-06-30）暂不计入统计报表和经纪人业绩" in page
    detail = client.get(f"/contracts/{s.contract.id}").get_data(as_text=True)
    assert "暂不计入统计报表" not in detail  # recorded: counted
    prepare(client, auth, s)
    detail = client.get(f"/contracts/{s.contract.id}").get_data(as_text=True)
    assert "待双方签署：该合同（50.50 万元）暂不计入统计报表和经纪人业绩" in detail
    assert build_report(YEAR)["headline"]["text"] == "平台线上签订技术交易合同 0 项，合同金额 0.00 万元"
    listed = client.get("/contracts/").get_data(as_text=True)
    assert (
        '高效光伏组件低温封装工艺开发</a> <span class="badge text-bg-warning text-wrap text-start">待网上签署·暂不计入统计</span>'
        in listed
    )
