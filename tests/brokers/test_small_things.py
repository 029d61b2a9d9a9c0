"""Issue 10, small things seen in the browser: no raw codes, no developer commands, honest counts."""

import re

from matchmaker.extensions import db

from ..factories import make_need, make_result, make_suggestion, make_user
from ..needs.conftest import lists  # noqa: F401


def test_reject_reason_shown_as_words_on_the_result_page(client, auth):
    result = make_result(title="石墨烯导热膜")
    make_suggestion(result=result, status="rejected", reject_reason="off_topic")
    auth.login("broker")
    body = client.get(f"/results/{result.id}").get_data(as_text=True)
    assert "off_topic" not in body


def test_manual_pair_shows_neither_engine_nor_score(client, auth):
    broker = auth.login("broker")
    s = make_suggestion(manual=True, score=0.0, engine_version="manual", broker=broker, status="accepted")
    body = client.get(f"/broker/suggestions/{s.id}").get_data(as_text=True)
    assert "引擎 manual" not in body and "匹配度 <strong>0.00" not in body and "手动配对" in body
    pipeline = client.get("/broker/pipeline").get_data(as_text=True)
    assert "0.00</strong>" not in pipeline


def test_a_suggestion_says_the_system_suggested_it_and_names_its_index_to_admins_only(client, auth):
    """A broker read 索引版本 20261205T232650-3a79b8 (a code meaning nothing to them): 系统推荐; admins, who
    manage the index versions, still see which one."""
    broker = auth.login("broker")
    s = make_suggestion(broker=broker, engine_version="20261205T232650-3a79b8")
    body = client.get(f"/broker/suggestions/{s.id}").get_data(as_text=True)
    assert "系统推荐" in body and "20261205T232650-3a79b8" not in body and "索引版本" not in body
    auth.logout()
    auth.login("admin")
    body = client.get(f"/broker/suggestions/{s.id}").get_data(as_text=True)
    assert "系统推荐（索引版本 20261205T232650-3a79b8）" in body


def test_stats_count_in_progress_apart_from_pending_and_show_no_command(client, auth):
    broker = auth.login("broker")
    make_suggestion(broker=broker, status="suggested")
    make_suggestion(broker=broker, status="accepted")
    body = client.get("/broker/stats").get_data(as_text=True)
    assert "flask --app" not in body and "feedback-export" not in body
    import re

    row = re.search(
        r'<td class="text-start">' + re.escape(broker.name) + r".*?<td>(\d+)</td><td>(\d+)</td>", body, re.S
    )
    assert row.groups() == ("1", "1")  # 待审核 1, 进行中 1 (not 2)


def test_one_term_search_with_nothing_found_has_no_partial_note(client):
    make_need(title="注塑件视觉检测")
    db.session.commit()
    body = client.get("/needs/?q=区块链").get_data(as_text=True)
    assert "部分检索词" not in body


def test_report_headline_formats_every_amount_alike(client, auth):
    """Amounts over a thousand 万元 carry separators in every headline sentence (page)."""
    import re

    from ..contracts.test_contracts import GOOD

    auth.login("admin")
    make_user("broker")
    for i, amount in enumerate(["1694.69", "1344.66"]):
        data = dict(GOOD, contract_no=f"HT-{i}", registration_no=f"20204400010{i:05d}", amount=amount,
                    transaction_amount=amount, signed_on="2020-06-30")  # fmt: skip
        assert client.post("/contracts/new", data=data).status_code == 302
    body = client.get("/reports/?period=year&year=2020").get_data(as_text=True).split("<script")[0]  # text only
    amounts = re.findall(r"合同金额 ([\d,.]+) 万元", body)
    assert "3,039.35" in amounts and "3039.35" not in body, amounts


def test_stats_count_contracts_as_the_reports_do(client, auth):
    """A contract still awaiting its online signatures is not yet a contract in the reports; the broker's
    stats counted it (19 contracts and 1,103.45 万元 beside the report's 18 and 1,084.95)."""
    from ..factories import make_contract, make_signing_document

    broker = auth.login("broker")
    make_contract(broker_id=broker.id, amount="100000.00")
    waiting = make_contract(broker_id=broker.id, amount="185000.00")
    make_signing_document(waiting, make_user("enterprise"), make_user("researcher"), prepared_by=broker)
    make_contract(broker_id=broker.id, amount="50000.00", voided=True)
    body = client.get("/broker/stats").get_data(as_text=True)
    row = re.search(r'<td class="text-start">' + re.escape(broker.name) + r"(.*?)</tr>", body, re.S).group(1)
    cells = re.findall(r"<td[^>]*>([^<]*)</td>", row)
    assert cells[-2:] == ["1", "10.00"], cells  # contracts, 万元: the signed one alone (not 2 and 28.50)


def test_stats_say_how_many_contracts_await_signatures_and_link_to_them(client, auth):
    """The contracts left out while awaiting online signatures are told beside the totals, with their amount, and
    the note opens the contract list showing exactly those (not the signed one, nor a colleague's recorded by the
    broker); an admin's row of that broker links to the same list; a broker with none has no note."""
    from html import unescape

    from ..factories import make_contract, make_signing_document

    broker = auth.login("broker")
    make_contract(broker_id=broker.id, amount="100000.00", title="已签订的合同")
    colleague = make_user("broker")
    for who, amount, title in ((broker, "185000.00", "待签署的合同甲"), (broker, "15000.00", "待签署的合同乙"),
                               (colleague, "30000.00", "代同事登记的待签署合同")):  # fmt: skip
        c = make_contract(broker_id=who.id, created_by_id=broker.id, amount=amount, title=title)
        make_signing_document(c, make_user("enterprise"), make_user("researcher"), prepared_by=broker)
    body = client.get("/broker/stats").get_data(as_text=True)
    assert "另有 2 项待网上签署，未计入</a>（合同金额 20.00 万元）" in body
    link = unescape(re.search(r'<a href="([^"]+)">另有 2 项待网上签署', body).group(1))
    listed = client.get(link).get_data(as_text=True)
    assert "待签署的合同甲" in listed and "待签署的合同乙" in listed
    assert "已签订的合同" not in listed and "代同事登记的待签署合同" not in listed
    assert "代同事登记的待签署合同" in client.get("/contracts/?signing=awaiting_signatures").get_data(as_text=True)
    auth.logout()
    auth.login("admin")
    page = client.get(f"/broker/stats/{broker.id}").get_data(as_text=True)
    assert unescape(re.search(r'<a href="([^"]+)">另有 2 项待网上签署', page).group(1)) == link
    assert "待网上签署" not in client.get(f"/broker/stats/{make_user('broker').id}").get_data(as_text=True)


def test_broker_pages_show_match_score_as_a_percent_like_the_owners_see(client, auth):
    broker = auth.login("broker")
    s = make_suggestion(score=0.74, broker=broker, status="suggested")
    detail = client.get(f"/broker/suggestions/{s.id}").get_data(as_text=True)
    queue = client.get("/broker/").get_data(as_text=True)
    for body in (detail, queue):
        assert "匹配度 <strong" in body and "74%</strong>" in body and "0.74</strong>" not in body
    assert "高（≥40%）" in queue and "≥0.40" not in queue


def test_broker_pages_write_amounts_with_thousands_separators_like_the_listing_pages(client, auth):
    broker = auth.login("broker")
    need = make_need(budget_wan=1200)
    result = make_result(price_wan=35000)
    s = make_suggestion(need=need, result=result, broker=broker, status="suggested")
    for url in (f"/broker/suggestions/{s.id}", "/broker/"):
        body = client.get(url).get_data(as_text=True)
        assert "1,200.00 万元" in body and "35,000.00 万元" in body and "1200.00 万元" not in body, url


def test_follow_up_and_contract_selects_look_like_selects(client, auth):
    """跟进方式 and 相关活动 (and the contract form's lists) were drawn as text boxes, no drop-down arrow."""
    broker = auth.login("broker")
    s = make_suggestion(broker=broker, status="introduced")
    for url in (f"/broker/suggestions/{s.id}", "/contracts/new"):
        body = client.get(url).get_data(as_text=True)
        assert '<select class="form-control' not in body, url
    body = client.get(f"/broker/suggestions/{s.id}").get_data(as_text=True)
    assert re.search(r'<select class="form-select[^"]*" id="kind"', body)


def test_my_pairs_page_says_which_of_my_needs_or_results_each_pair_is_for(client, auth):
    """我的对接 listed "推荐的科技成果 X" for all of an enterprise's needs without saying for which need."""
    ent, res = make_user("enterprise"), make_user("researcher")
    need = make_need(user=ent, title="陶瓷阀芯耐磨涂层工艺")
    result = make_result(user=res, title="激光熔覆耐磨涂层技术")
    make_suggestion(need=need, result=result, status="accepted")
    auth.login(ent)
    body = client.get("/broker/mine").get_data(as_text=True)
    assert f'我的需求：<a href="/needs/{need.id}">陶瓷阀芯耐磨涂层工艺</a>' in body
    # the need's own page lists its pairs and does not repeat its own title on each
    assert "我的需求：" not in client.get(f"/needs/{need.id}").get_data(as_text=True)
    auth.logout()
    auth.login(res)
    body = client.get("/broker/mine").get_data(as_text=True)
    assert f'我的成果：<a href="/results/{result.id}">激光熔覆耐磨涂层技术</a>' in body
