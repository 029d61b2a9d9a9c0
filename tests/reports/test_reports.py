"""Reports: totals to the cent, periods, headline, funnel, exports, command, access."""

import csv
import io
import re
from collections import defaultdict
from datetime import date, datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal

import openpyxl
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from matchmaker.extensions import db
from matchmaker.models import Contract, MatchSuggestion, SuggestionMove
from matchmaker.reports import services
from matchmaker.reports.export import to_csv, to_xlsx
from matchmaker.utils.money import format_wan

from ..factories import make_contract, make_need, make_org, make_result, make_user

Y2020 = services.Period(date(2020, 1, 1), date(2020, 12, 31))


def wan(yuan):
    """Independent 万元 rounding: cents to 万元, half up."""
    return (Decimal(yuan) / Decimal(10000)).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)


CONTRACT = st.fixed_dictionaries(
    {
        "cents": st.one_of(st.integers(1, 99_999_999_999_900), st.sampled_from([1, 99_999_999_999_900, 50, 149])),
        "tx_permille": st.integers(0, 1000),
        "day": st.integers(-40, 400),
        "voided": st.booleans(),
        "channel": st.sampled_from(["online", "offline", "event"]),
        "type": st.sampled_from(["development", "transfer", "license", "consulting", "service"]),
    }
)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(CONTRACT, max_size=30))
def test_totals_to_the_cent_against_independent_computation(app, items):
    """Counts and sums per headline, type and month equal a Decimal computation in Python."""
    db.session.execute(db.delete(Contract))
    buyer = make_org("enterprise")
    seller = make_org("university")
    rows, expected = [], defaultdict(lambda: [0, Decimal(0), Decimal(0)])
    period = services.Period(date(2020, 1, 1), date(2020, 12, 31))
    for i, it in enumerate(items):
        amount = Decimal(it["cents"]) / 100
        tx = (Decimal(it["cents"] * it["tx_permille"] // 1000)) / 100
        signed = date(2020, 1, 1) + timedelta(days=it["day"])
        rows.append({"contract_no": f"P{i}", "type": it["type"], "title": "t", "buyer_id": buyer.id,
                     "seller_id": seller.id, "amount": amount, "transaction_amount": tx, "signed_on": signed,
                     "channel": it["channel"], "voided": it["voided"], "registration_status": "unsubmitted",
                     "note": "", "version": 1})  # fmt: skip
        if it["voided"] or not (period.start <= signed <= period.end):
            continue
        for key in (
            "all",
            it["channel"],
            it["type"],
            f"{signed:%Y-%m}",
            f"{signed.year}Q{(signed.month - 1) // 3 + 1}",
        ):
            e = expected[key]
            e[0], e[1], e[2] = e[0] + 1, e[1] + amount, e[2] + tx
    if rows:
        db.session.execute(db.insert(Contract), rows)
    db.session.commit()
    report = services.build_report(period)

    def check(got, key):
        e = expected.get(key, [0, Decimal(0), Decimal(0)])
        assert (got["count"], got["amount"], got["transaction_amount"]) == tuple(e), key

    check(report["headline_all"], "all")
    check(report["headline"], "online")
    assert (
        report["headline"]["text"]
        == f"平台线上签订技术交易合同 {expected['online'][0]} 项，合同金额 {wan(expected['online'][1]):,.2f} 万元"
    )
    by_type = {r["name"]: r for r in services.table_of(report, "by_type").rows}
    for t, label in [("development", "技术开发"), ("transfer", "技术转让"), ("service", "技术服务")]:
        if t in expected:
            check(by_type[label], t)
    months = {r["name"]: r for r in services.table_of(report, "by_month").rows}
    assert len(months) == 12
    for name, row in months.items():
        check(row, name)
    quarters = services.table_of(report, "by_quarter").rows
    assert [q["amount"] for q in quarters] == [expected.get(f"2020Q{n}", [0, Decimal(0)])[1] for n in (1, 2, 3, 4)]
    for t in report["tables"]:  # every grouped table adds up to the overall total
        if t.total and "amount" in t.total:
            check(t.total, "all")


def test_boundaries_and_voided(app):
    """Contracts on the first and last day count; the day before and after do not; voided never."""
    for d in (date(2019, 12, 31), date(2020, 1, 1), date(2020, 12, 31), date(2021, 1, 1)):
        make_contract(signed_on=d, amount="10000.00")
    make_contract(signed_on=date(2020, 6, 1), amount="99999.99", voided=True, void_reason="解除")
    h = services.build_report(Y2020)["headline"]
    assert (h["count"], h["amount"]) == (2, Decimal("20000.00"))
    assert h["text"] == "平台线上签订技术交易合同 2 项，合同金额 2.00 万元"
    assert h["full"] == "2020年1月1日至2020年12月31日，平台线上签订技术交易合同 2 项，合同金额 2.00 万元。"


def test_headline_reads_like_the_bureau_and_rounds_half_up(app):
    """Seven online contracts of 513.29 万元 in all; an offline one only in the all-channel line."""
    for yuan in ("1000000.00", "850000.00", "720000.00", "600000.00", "562900.00", "700000.00", "700000.00"):
        make_contract(amount=yuan)
    make_contract(amount="50.00", channel="offline")  # 0.005 万元 rounds half up to 0.01
    report = services.build_report(Y2020)
    assert report["headline"]["text"] == "平台线上签订技术交易合同 7 项，合同金额 513.29 万元"
    assert report["headline_all"]["text"] == "平台签订技术交易合同 8 项，合同金额 513.30 万元"
    offline = {r["name"]: r for r in services.table_of(report, "by_channel").rows}["线下"]
    assert format_wan(offline["amount"]) == "0.01"


def test_dimensions_group_by_snapshot_institution_broker_zone_event(app):
    """Industry and town come from the snapshot; institution is the university/institute seller."""
    from matchmaker.models import Event, Zone

    broker = make_user("broker", name="经纪人甲")
    zone = Zone(name="智能家电专区")
    event = Event(title="2020 春季对接会", starts_at=datetime(2020, 4, 1, 9))
    db.session.add_all([zone, event])
    db.session.commit()
    uni = make_org("university", name="南方理工大学")
    make_contract(seller=uni, amount="30000.00", industry="智能家电", town="翠湖镇", broker=broker, zone_id=zone.id,
                  event_id=event.id, channel="event")  # fmt: skip
    make_contract(seller=make_org("enterprise", name="某科技公司"), amount="10000.00")
    r = services.build_report(Y2020)
    rows = lambda key: {x["name"]: x for x in services.table_of(r, key).rows}  # noqa: E731
    assert rows("by_industry")["智能家电"]["amount"] == Decimal("30000.00")
    assert rows("by_town")["翠湖镇"]["count"] == 1 and rows("by_town")["（未填写）"]["count"] == 1
    assert rows("by_institution")["南方理工大学"]["count"] == 1
    assert rows("by_institution")["（非高校院所）"]["amount"] == Decimal("10000.00")
    assert rows("by_broker")["经纪人甲"]["count"] == 1
    assert rows("by_zone")["智能家电专区"]["count"] == 1
    assert rows("by_event")["2020 春季对接会"]["count"] == 1


def test_funnel_counts_needs_through_each_stage(app):
    """Published in period → with suggestions → accepted (status or move) → introduced → signed."""
    in_period = datetime(2020, 3, 1, 10)
    needs = [make_need(published_at=in_period) for _ in range(4)]
    make_need(published_at=datetime(2019, 3, 1))  # outside the period
    result = make_result()
    s0 = MatchSuggestion(need_id=needs[0].id, result_id=result.id, status="suggested")
    s1 = MatchSuggestion(need_id=needs[1].id, result_id=result.id, status="failed")
    s2 = MatchSuggestion(need_id=needs[2].id, result_id=result.id, status="signed", introduced_at=in_period)
    db.session.add_all([s0, s1, s2])
    db.session.flush()
    db.session.add(SuggestionMove(suggestion_id=s1.id, from_status="suggested", to_status="accepted"))
    db.session.commit()
    make_contract(need_id=needs[2].id)
    rows = services.funnel(Y2020).rows
    assert [r["count"] for r in rows] == [4, 3, 2, 1, 1]
    assert rows[1]["step_rate"] == Decimal("75.0") and rows[4]["overall_rate"] == Decimal("25.0")


def test_listing_states(app):
    make_need(status="published")
    make_need(status="solved")
    make_result(status="draft")
    r = services.build_report(Y2020)
    needs = {x["name"]: x["count"] for x in services.table_of(r, "needs_by_state").rows}
    assert needs["已发布"] == 1 and needs["已解决"] == 1 and needs["草稿"] == 0
    results = {x["name"]: x["count"] for x in services.table_of(r, "results_by_state").rows}
    assert services.table_of(r, "results_by_state").total["count"] == 1
    assert "已转化" in results and "已解决" not in results  # a result is transferred, not solved


def _page_wan_cells(html, section):
    """The 万元 cells of one table on the page, as Decimals."""
    part = html.split(f'id="{section}"', 1)[1].split("</section>", 1)[0]
    return [Decimal(v.replace(",", "")) for v in re.findall(r"<td class=\"text-end\" data-wan>([^<]+)</td>", part)]


def test_page_and_excel_export_agree(client, auth):
    """The page shows the headline and charts; the .xlsx has a sheet per table with the page's numbers."""
    auth.login("admin")
    make_contract(amount="5132900.00", transaction_amount="5000000.00", type="transfer")
    make_contract(amount="0.01", type="service", signed_on=date(2020, 11, 5))
    make_contract(amount="999999999900.00", type="service", channel="offline")
    html = client.get("/reports/?from=2020-01-01&to=2020-12-31").get_data(as_text=True)
    assert "平台线上签订技术交易合同 2 项，合同金额 513.29 万元" in html
    assert 'id="report-charts"' in html and "echarts.min.js" in html and "<script>" not in html
    resp = client.get("/reports/export?format=xlsx&from=2020-01-01&to=2020-12-31")
    assert resp.status_code == 200 and "attachment" in resp.headers["Content-Disposition"]
    wb = openpyxl.load_workbook(io.BytesIO(resp.data))
    assert "按合同类型统计" in wb.sheetnames and "按月统计" in wb.sheetnames and "对接漏斗" in wb.sheetnames
    ws = wb["按合同类型统计"]
    assert [c.value for c in ws[1]] == ["合同类型", "合同数（项）", "合同金额（万元）", "技术交易额（万元）"]
    sheet_numbers = [Decimal(str(c.value)) for row in ws.iter_rows(min_row=2) for c in row[2:]]
    page_numbers = _page_wan_cells(html, "by_type")
    assert sheet_numbers == page_numbers
    assert Decimal("99999999.99") in page_numbers and Decimal("513.29") in page_numbers
    assert isinstance(ws.cell(2, 3).value, int | float) and "万元" in ws.cell(2, 3).number_format
    assert wb["概要"]["B3"].value == "平台线上签订技术交易合同 2 项，合同金额 513.29 万元"


def test_csv_round_trips_with_bom(client, auth):
    """One table as CSV: UTF-8 with BOM, parses back to the same values."""
    auth.login("admin")
    make_contract(amount="1234567.89", transaction_amount="1000000.00")
    resp = client.get("/reports/export?format=csv&table=by_type&from=2020-01-01&to=2020-12-31")
    assert resp.data.startswith("\ufeff".encode())
    rows = list(csv.reader(io.StringIO(resp.data.decode("utf-8-sig"))))
    assert rows[0] == ["合同类型", "合同数（项）", "合同金额（万元）", "技术交易额（万元）"]
    assert rows[1] == ["技术开发", "1", "123.46", "100.00"]
    assert rows[-1] == ["合计", "1", "123.46", "100.00"]
    whole = client.get("/reports/export?format=csv&from=2020-01-01&to=2020-12-31").data.decode("utf-8-sig")
    assert "按月统计" in whole and "对接漏斗" in whole


def test_formula_party_name_is_neutralised_everywhere(app):
    """A seller called =HYPERLINK("x") is text in the .xlsx and CSV, never a formula.

    The .xlsx shows the name as typed (a quote-prefixed string cell, no visible apostrophe); the CSV,
    which has no cell types, keeps its leading apostrophe."""
    names = ('=HYPERLINK("x")', "+1", "-2", "@SUM(A1)")
    for name in names:
        make_contract(seller=make_org("institute", name=name))
    report = services.build_report(Y2020)
    wb = openpyxl.load_workbook(io.BytesIO(to_xlsx(report)))
    cells = {c.value: c for row in wb["按高校院所（卖方）统计"].iter_rows() for c in row if isinstance(c.value, str)}
    for name in names:
        assert name in cells, name  # exactly what was typed
        assert cells[name].data_type == "s" and cells[name].quotePrefix, name  # text, never a formula
    assert not [v for v in cells if v.startswith("'")]
    rows = list(csv.reader(io.StringIO(to_csv(report).decode("utf-8-sig"))))
    cells = [c for r in rows for c in r]
    assert '\'=HYPERLINK("x")' in cells and "'+1" in cells and "'-2" in cells and "'@SUM(A1)" in cells
    assert not any(c.startswith(("=", "+", "-", "@")) for c in cells)


def test_bad_period_gives_chinese_message(client, auth):
    auth.login("admin")
    body = client.get("/reports/?from=2020-12-31&to=2020-01-01").get_data(as_text=True)
    assert "开始日期不能晚于结束日期" in body
    assert 'aria-describedby="period-error"' in body and 'id="period-error" role="alert"' in body  # announced
    assert "日期格式不正确" in client.get("/reports/?from=abc").get_data(as_text=True)
    assert "开始日期不能晚于结束日期" in client.get("/reports/services?from=2020-12-31&to=2020-01-01").get_data(
        as_text=True
    )
    resp = client.get("/reports/export?from=abc")
    assert resp.status_code == 400
    assert client.get("/reports/export?format=pdf").status_code == 400
    assert client.get("/reports/export?format=csv&table=nope").status_code == 404


@pytest.mark.parametrize("role", ["broker", "enterprise", "researcher"])
def test_only_admins_reach_reports(client, auth, role):
    auth.login(role)
    assert client.get("/reports/").status_code == 403
    assert client.get("/reports/export?format=xlsx").status_code == 403


def test_report_command_text_xlsx_csv(runner, tmp_path):
    """`report` prints the same headline and writes the same files."""
    make_contract(amount="5132900.00")
    out = runner.invoke(args=["report", "--from", "2020-01-01", "--to", "2020-12-31"])
    assert out.exit_code == 0, out.output
    assert "平台线上签订技术交易合同 1 项，合同金额 513.29 万元" in out.output and "【按月统计】" in out.output
    path = tmp_path / "r.xlsx"
    out = runner.invoke(
        args=["report", "--from", "2020-01-01", "--to", "2020-12-31", "--format", "xlsx", "-o", str(path)]
    )
    assert out.exit_code == 0 and openpyxl.load_workbook(path)["按年度统计"]["C2"].value == pytest.approx(513.29)
    path = tmp_path / "r.csv"
    runner.invoke(args=["report", "--from", "2020-01-01", "--to", "2020-12-31", "--format", "csv", "-o", str(path)])
    assert path.read_bytes().startswith("\ufeff".encode()) and "513.29" in path.read_text("utf-8-sig")
    bad = runner.invoke(args=["report", "--from", "2021-01-01", "--to", "2020-01-01"])
    assert bad.exit_code != 0 and "开始日期不能晚于结束日期" in bad.output


def test_rows_rounded_each_on_its_own_say_so_under_the_table(client, auth):
    """Three contracts of 12,345.67 元: each row reads 1.23 万元 (its own figure, as on the contract's page) and
    the total 3.70; the page and the workbook say why the rows may miss the total by 0.01."""
    import io

    from openpyxl import load_workbook

    auth.login("admin")
    for _ in range(3):
        make_contract(amount="12345.67", signed_on=date(2021, 3, 3), type="development")
    page = client.get("/reports/?from=2021-01-01&to=2021-12-31").get_data(as_text=True)
    assert "1.23" in page and "3.70" in page and "分项之和与合计可能相差 0.01 万元" in page
    wb = load_workbook(io.BytesIO(client.get("/reports/export?format=xlsx&from=2021-01-01&to=2021-12-31").data))
    assert "分项之和与合计可能相差" in wb["概要"]["B2"].value


@pytest.mark.parametrize("rows_current", [True, False])
def test_quick_periods_are_the_years_with_contracts(client, auth, rows_current):
    """快捷区间 offers this year, this quarter and the latest years that have valid contracts: with contracts of 2019
    and of this year it offered the six years up to this one (four of them empty) and not 2019. A year with only a
    voided contract is no handy period. Read from the kept monthly rows, or from the contracts when those are
    not current (a database from before them)."""
    from matchmaker.models import ContractMonthTotal, DataGeneration
    from matchmaker.reports import summary
    from matchmaker.utils import clock

    this_year = clock.today().year
    make_contract(signed_on=date(2019, 3, 1))
    make_contract(signed_on=date(this_year, 1, 2))
    make_contract(signed_on=date(2016, 5, 5), voided=True, void_reason="重复录入")
    if not rows_current:
        db.session.execute(db.delete(ContractMonthTotal))
        db.session.get(DataGeneration, summary.SUMMARY).counter = 0
        db.session.commit()
        assert not summary.is_current()
    auth.login("admin")
    for path in ("/reports/", "/reports/services"):
        body = client.get(path).get_data(as_text=True)
        quick = re.search(r"快捷区间：(.*?)</div>", body, re.S).group(1)
        assert re.findall(r">([^<]+)</a>", quick) == ["本年", "本季度", f"{this_year}年", "2019年"], path


def test_a_refused_export_says_why(client, auth):
    """A hand-made export URL with a reversed period, a bad date or format answers 400 with the reason, not a
    generic "请求格式不正确"."""
    auth.login("admin")
    for url, reason in (
        ("/reports/export?from=2026-12-31&to=2026-01-01", "开始日期不能晚于结束日期"),
        ("/reports/export?format=csv&from=2026-02-30", "日期格式不正确"),
        ("/reports/services/export?from=1990-01-01&to=2026-12-31", "统计区间不能超过 30 年"),
        ("/reports/export?format=pdf", "导出格式应为 xlsx 或 csv"),
    ):
        resp = client.get(url)
        assert resp.status_code == 400 and reason in resp.get_data(as_text=True), url
    resp = client.get("/reports/export?format=csv&table=by_townn")
    assert resp.status_code == 404 and "没有这张报表（table=by_townn），可选：" in resp.get_data(as_text=True)
    assert "by_town" in resp.get_data(as_text=True)


def test_a_date_that_looks_like_a_huge_number_is_told_not_ignored(client, auth):
    """?from=99999999999999999999 is a malformed date (said so), not silently the default period."""
    auth.login("admin")
    assert "日期格式不正确" in client.get("/reports/?from=99999999999999999999").get_data(as_text=True)
    assert "日期格式不正确" in client.get("/reports/services?to=20260101000000").get_data(as_text=True)
    assert client.get("/reports/export?to=99999999999999999999").status_code == 400


def test_a_period_given_by_one_end_reaches_the_other_from_it(app, client, auth):
    """Only ?from= after the default period (the latest year with contracts) was "开始日期不能晚于结束日期", an end
    the user never gave; only ?to= before it the same. The missing end follows the one given: to today, from that
    year's first day. Both given and reversed is still refused."""
    today = services.today()
    make_contract(signed_on=date(2020, 6, 30))  # the default period: 2020
    assert services.default_period() == services.Period(date(2020, 1, 1), date(2020, 12, 31))
    start = date(today.year, 1, 1)
    assert services.parse_period(start.isoformat(), "") == services.Period(start, today)
    assert services.parse_period("", "2018-05-01") == services.Period(date(2018, 1, 1), date(2018, 5, 1))
    assert services.parse_period("2020-03-01", "") == services.Period(date(2020, 3, 1), date(2020, 12, 31))
    assert services.parse_period("", "2020-03-01") == services.Period(date(2020, 1, 1), date(2020, 3, 1))
    auth.login("admin")
    body = client.get(f"/reports/?from={start.isoformat()}").get_data(as_text=True)
    assert "开始日期不能晚于结束日期" not in body and "已显示默认区间" not in body
    assert client.get("/reports/export?format=csv&to=2018-05-01").status_code == 200
    with pytest.raises(services.PeriodError, match="开始日期不能晚于结束日期"):
        services.parse_period("2020-03-01", "2020-02-01")
