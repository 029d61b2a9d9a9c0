"""Recording, editing, voiding contracts: exact money, optimistic locking, the audit log."""

import functools
from datetime import date, timedelta
from decimal import Decimal

import pytest
from sqlalchemy.orm.attributes import set_committed_value

from matchmaker.contracts import services
from matchmaker.extensions import db
from matchmaker.models import AuditLog, Contract, MatchSuggestion, Organization, SuggestionMove
from matchmaker.utils import clock

from ..factories import make_contract, make_need, make_org, make_result, make_user

GOOD = {
    "contract_no": "HT-2020-001",
    "registration_no": "2020440001000123",
    "type": "transfer",
    "title": "一种锂电池隔膜涂覆工艺的专利转让",
    "buyer_name": "绿能储能科技有限公司",
    "buyer_kind": "enterprise",
    "seller_name": "南方理工大学",
    "seller_kind": "university",
    "unit": "wan",
    "amount": "513.29",
    "transaction_amount": "500.000001",
    "signed_on": "2020-06-30",
    "registration_status": "unsubmitted",
    "registered_on": "",
    "channel": "online",
    "event_id": "",
    "broker_id": "",
    "zone_id": "",
}


def count(model):
    return db.session.scalar(db.select(db.func.count()).select_from(model))


def contracts():
    return db.session.scalars(db.select(Contract).order_by(Contract.id)).all()


def test_broker_records_contract_in_wan_stored_exactly_in_yuan(client, auth):
    """万元 with up to six decimals becomes exact yuan; the parties are created on the spot."""
    broker = auth.login("broker")
    resp = client.post("/contracts/new", data=GOOD)
    assert resp.status_code == 302, resp.get_data(as_text=True)[:2000]
    (c,) = contracts()
    assert c.amount == Decimal("5132900.00") and isinstance(c.amount, Decimal)
    assert c.transaction_amount == Decimal("5000000.01")
    assert c.created_by_id == broker.id
    assert c.buyer.name == "绿能储能科技有限公司" and c.seller.kind == "university"
    page = client.get(resp.headers["Location"]).get_data(as_text=True)
    assert "513.29" in page and "5,132,900.00 元" in page
    log = db.session.scalars(db.select(AuditLog)).one()
    assert log.action == "create" and log.actor_id == broker.id and log.before is None
    assert log.after["amount"] == "5132900.00" and log.after["signed_on"] == "2020-06-30"


def test_amount_in_yuan_and_existing_org(client, auth):
    """Amounts typed in 元 keep their cents; an existing organisation is reused."""
    make_org("enterprise", name="绿能储能科技有限公司")
    auth.login("admin")
    data = dict(GOOD, unit="yuan", amount="1,234,567.89", transaction_amount="0.01")
    assert client.post("/contracts/new", data=data).status_code == 302
    (c,) = contracts()
    assert (c.amount, c.transaction_amount) == (Decimal("1234567.89"), Decimal("0.01"))
    assert count(Organization) == 3  # the admin's own + existing buyer + new seller


def test_largest_amount_round_trips(client, auth):
    """99,999,999.99 万元 is stored and shown to the cent."""
    auth.login("admin")
    data = dict(GOOD, amount="99999999.99", transaction_amount="0.01")
    assert client.post("/contracts/new", data=data).status_code == 302
    (c,) = contracts()
    assert c.amount == Decimal("999999999900.00")
    assert "99,999,999.99" in client.get(f"/contracts/{c.id}").get_data(as_text=True)


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"amount": "-1"}, "合同金额不能为负数"),
        ({"unit": "yuan", "amount": "100.123", "transaction_amount": "1"}, "合同金额以元填写时最多保留两位小数"),
        ({"amount": "1.1234567"}, "合同金额以万元填写时最多保留六位小数"),
        ({"amount": "abc"}, "合同金额必须是数字"),
        ({"amount": "0", "transaction_amount": "0"}, "合同金额须大于 0"),
        ({"amount": "100", "transaction_amount": "100.01"}, "技术交易额不能大于合同金额"),
        ({"amount": "100000000", "transaction_amount": "1"}, "合同金额超出允许范围"),
        ({"signed_on": "TOMORROW"}, "签订日期不能晚于今天"),
        ({"signed_on": "2020-13-01"}, "日期格式不正确"),
        ({"signed_on": "0001-01-01"}, "签订日期不能早于 1985-01-01"),
        ({"signed_on": "1984-12-31", "registered_on": "1984-12-31"}, "登记日期不能早于 1985-01-01"),
        ({"type": "gift"}, "请选择有效的合同类型"),
        ({"channel": "event"}, "签订渠道为对接活动时，请选择活动"),
        ({"registration_status": "registered"}, "已登记的合同请填写登记日期"),
        ({"registered_on": "2020-06-01"}, "登记日期不能早于签订日期"),
        ({"seller_name": GOOD["buyer_name"]}, "买方和卖方不能是同一单位"),
        ({"need_id": "999999"}, "找不到编号为 999999 的技术需求"),
        ({"contract_no": ""}, "请填写合同编号"),
        ({"broker_id": "abc"}, "请选择有效的经纪人"),
    ],
)
def test_bad_input_is_refused_in_chinese_and_nothing_saved(client, auth, changes, message):
    """Every bad input gets a Chinese error; no contract, organisation or audit row is written."""
    auth.login("broker")
    orgs = count(Organization)
    if changes.get("signed_on") == "TOMORROW":  # computed when the test runs, not at collection (midnight)
        changes = dict(changes, signed_on=(clock.today() + timedelta(days=1)).isoformat())
    resp = client.post("/contracts/new", data=dict(GOOD, **changes))
    body = resp.get_data(as_text=True)
    assert resp.status_code == 400
    assert message in body
    assert GOOD["title"] in body  # what was typed is kept
    assert (count(Contract), count(AuditLog), count(Organization)) == (0, 0, orgs)


def test_duplicate_registration_number_refused(client, auth):
    """登记编号 is unique when present; blank ones may repeat."""
    make_contract(registration_no=GOOD["registration_no"])
    auth.login("admin")
    body = client.post("/contracts/new", data=GOOD).get_data(as_text=True)
    assert "该登记编号已被其他合同使用" in body
    assert count(Contract) == 1
    for no in ("A-1", "A-2"):
        data = dict(GOOD, registration_no="", contract_no=no)
        assert client.post("/contracts/new", data=data).status_code == 302
    assert count(Contract) == 3


def test_record_from_suggestion_signs_it_and_solves_the_need(client, auth):
    """?suggestion_id= prefills the parties; saving moves the suggestion to signed and the need to solved."""
    broker = auth.login("broker")
    need, result = make_need(), make_result()
    s = MatchSuggestion(need_id=need.id, result_id=result.id, status="negotiating", assigned_broker_id=broker.id)
    db.session.add(s)
    db.session.commit()
    page = client.get(f"/contracts/new?suggestion_id={s.id}").get_data(as_text=True)
    assert need.organization.name in page and result.organization.name in page
    data = dict(GOOD, buyer_name=need.organization.name, seller_name=result.organization.name,
                suggestion_id=str(s.id), need_id=str(need.id), result_id=str(result.id), broker_id=str(broker.id))  # fmt: skip
    assert client.post("/contracts/new", data=data).status_code == 302
    db.session.expire_all()
    c = contracts()[0]
    assert (c.suggestion_id, c.need_id, c.result_id, c.broker_id) == (s.id, need.id, result.id, broker.id)
    assert c.industry == need.industry
    assert db.session.get(MatchSuggestion, s.id).status == "signed"
    assert db.session.get(type(need), need.id).status == "solved"
    move = db.session.scalars(db.select(SuggestionMove)).one()
    assert (move.from_status, move.to_status, move.actor_id) == ("negotiating", "signed", broker.id)


def _recorded_from_a_pair(client, auth):
    """A broker records a contract from a pair in negotiation: (the broker, the need, the pair, the form sent)."""
    broker = auth.login("broker")
    need, result = make_need(), make_result()
    s = MatchSuggestion(need_id=need.id, result_id=result.id, status="negotiating", assigned_broker_id=broker.id)
    db.session.add(s)
    db.session.commit()
    data = dict(GOOD, buyer_name=need.organization.name, seller_name=result.organization.name,
                suggestion_id=str(s.id), need_id=str(need.id), result_id=str(result.id), broker_id=str(broker.id))  # fmt: skip
    assert client.post("/contracts/new", data=data).status_code == 302
    return broker, need, s, data


def test_voiding_a_pairs_contract_returns_the_pair_to_where_it_was_signed_from(client, auth):
    """Found 2026-12: a contract recorded from a pair and then voided (wrong amount, a duplicate) left the
    pair 已签约 for good: the funnel counted a signing no contract backed, and the broker could not record
    the corrected contract from the pair. The pair goes back to 洽谈中, a move records why, and the
    corrected contract can be recorded from it again."""
    broker, need, s, data = _recorded_from_a_pair(client, auth)
    c = contracts()[0]
    resp = client.post(f"/contracts/{c.id}/void", data={"reason": "金额录错", "version": str(c.version)})
    assert resp.status_code == 302
    db.session.expire_all()
    assert db.session.get(MatchSuggestion, s.id).status == "negotiating"
    move = db.session.scalars(db.select(SuggestionMove).order_by(SuggestionMove.id.desc())).first()
    assert (move.from_status, move.to_status, move.actor_id) == ("signed", "negotiating", broker.id)
    assert move.note == f"合同 {GOOD['contract_no']} 已作废"
    again = dict(data, contract_no="HT-2020-002", registration_no="2020440001000124", amount="531.29")
    assert client.post("/contracts/new", data=again).status_code == 302
    db.session.expire_all()
    assert db.session.get(MatchSuggestion, s.id).status == "signed"


def test_voiding_one_of_two_live_contracts_of_a_pair_keeps_it_signed(app):
    """A pair with another live contract stays signed when one is voided."""
    admin = make_user("admin")
    need, result = make_need(), make_result()
    s = MatchSuggestion(need_id=need.id, result_id=result.id, status="signed")
    db.session.add(s)
    db.session.commit()
    first = make_contract(suggestion_id=s.id, contract_no="P-1")
    make_contract(suggestion_id=s.id, contract_no="P-2")
    services.void_contract(admin, first, "重复登记", first.version)
    db.session.expire_all()
    assert db.session.get(MatchSuggestion, s.id).status == "signed"


def test_voiding_the_needs_last_live_contract_tells_its_enterprise_how_to_reopen(client, auth):
    """The void leaves the need 已解决 (reopening is its owner's move): its enterprise was not told, and the need
    stayed off the lists with no word why. Now the need's author is told, with the way back; while another live
    contract names the need, nobody is (the deal stands)."""
    from matchmaker.models import Notification

    broker, need, s, data = _recorded_from_a_pair(client, auth)
    first = contracts()[0]
    second = make_contract(need_id=need.id, broker_id=broker.id, contract_no="HT-2020-009")
    author, title = need.created_by_id, need.title

    def told():
        return db.session.scalars(db.select(Notification.text).filter_by(user_id=author, kind="contract")).all()

    for c in (second, first):
        resp = client.post(f"/contracts/{c.id}/void", data={"reason": "交易未成", "version": str(c.version)})
        assert resp.status_code == 302
        if c is second:
            assert told() == []
    db.session.expire_all()
    assert db.session.get(type(need), need.id).status == "solved"
    assert told() == [f"技术合同《{GOOD['title']}》（{GOOD['contract_no']}）已作废，您的技术需求「{title}」仍为已解决；"
                      "如交易未成，可在需求页面点击「重新开放」继续征集解决方案"]  # fmt: skip


def test_unknown_suggestion_gives_blank_form(client, auth):
    auth.login("broker")
    resp = client.get("/contracts/new?suggestion_id=999999")
    assert resp.status_code == 200 and "找不到该推荐" in resp.get_data(as_text=True)


def _form_of(contract, **changes):
    """What the edit page would post for a contract as loaded now."""
    data = dict(GOOD, contract_no=contract.contract_no, registration_no=contract.registration_no or "",
                title=contract.title, buyer_name=contract.buyer.name, seller_name=contract.seller.name,
                amount="10", transaction_amount="10", version=str(contract.version))  # fmt: skip
    data.update(changes)
    return data


def test_two_stale_forms_second_save_refused_nothing_lost(client, auth):
    """Two people edit version 1; the first save wins, the second is refused and shown what changed."""
    admin = auth.login("admin")
    c = make_contract(amount="100000.00", broker=None)
    first = _form_of(c, title="甲修改后的名称")
    second = _form_of(c, amount="88.8", transaction_amount="88.8")  # loaded before the first save
    assert client.post(f"/contracts/{c.id}/edit", data=first).status_code == 302
    resp = client.post(f"/contracts/{c.id}/edit", data=second)
    body = resp.get_data(as_text=True)
    assert resp.status_code == 409
    assert "保存被拒绝" in body and "甲修改后的名称" in body  # what the other person changed
    assert 'value="88.8"' in body  # the refused input is still in the form
    db.session.expire_all()
    c = db.session.get(Contract, c.id)
    assert c.title == "甲修改后的名称" and c.amount == Decimal("100000.00") and c.version == 2
    # Resubmitting on purpose (the form now carries version 2) saves.
    second["version"] = "2"
    assert client.post(f"/contracts/{c.id}/edit", data=second).status_code == 302
    db.session.expire_all()
    c = db.session.get(Contract, c.id)
    assert c.amount == Decimal("888000.00") and c.version == 3
    logs = db.session.scalars(db.select(AuditLog).order_by(AuditLog.id)).all()
    assert [entry.action for entry in logs] == ["update", "update"]
    assert logs[1].before["amount"] == "100000.00" and logs[1].after["amount"] == "888000.00"
    assert logs[0].actor_id == admin.id


def test_the_second_submit_of_a_double_clicked_save_is_not_a_conflict(client, auth):
    """Both submits carry version 1; the second finds its own first one saved: saved (nothing more), not 409."""
    auth.login("admin")
    c = make_contract(amount="100000.00", broker=None)
    data = _form_of(c, title="甲修改后的名称")
    assert client.post(f"/contracts/{c.id}/edit", data=data).status_code == 302
    resp = client.post(f"/contracts/{c.id}/edit", data=data)
    assert resp.status_code == 302 and "保存被拒绝" not in client.get(resp.headers["Location"]).get_data(as_text=True)
    db.session.expire_all()
    c = db.session.get(Contract, c.id)
    assert c.title == "甲修改后的名称" and c.version == 2
    assert [e.action for e in db.session.scalars(db.select(AuditLog))] == ["update"]


def test_race_between_check_and_write_is_refused(app):
    """If another transaction bumps the version after the check, the UPDATE matches nothing and is refused."""
    admin = make_user("admin")
    c = make_contract()
    data = {"contract_no": c.contract_no, "registration_no": None, "type": c.type, "title": "新名称",
            "buyer_name": c.buyer.name, "seller_name": c.seller.name, "amount": c.amount,
            "transaction_amount": c.transaction_amount, "signed_on": c.signed_on,
            "registration_status": "unsubmitted", "registered_on": None, "channel": "online", "event_id": None,
            "need_id": None, "result_id": None, "broker_id": None, "zone_id": None, "industry": None,
            "town": None, "note": ""}  # fmt: skip
    db.session.execute(
        db.text("UPDATE contract SET version = version + 1, title = '别人的名称' WHERE id = :i"), {"i": c.id}
    )
    db.session.commit()
    set_committed_value(c, "version", 1)  # as if loaded just before the other write
    set_committed_value(c, "title", c.title)
    with pytest.raises(services.StaleContract):
        services.update_contract(admin, c, data, base_version=1)
    db.session.expire_all()
    assert db.session.get(Contract, c.id).title == "别人的名称"


def test_void_keeps_the_row_and_logs_it(client, auth):
    """Voiding needs a reason, keeps the contract, hides it from the default list and logs before/after."""
    auth.login("admin")
    c = make_contract(title="要作废的合同")
    resp = client.post(f"/contracts/{c.id}/void", data={"reason": "", "version": "1"}, follow_redirects=True)
    assert "请填写作废原因" in resp.get_data(as_text=True)
    assert not db.session.get(Contract, c.id).voided
    resp = client.post(
        f"/contracts/{c.id}/void", data={"reason": "双方解除合同", "version": "1"}, follow_redirects=True
    )
    assert "已作废" in resp.get_data(as_text=True)
    db.session.expire_all()
    c = db.session.get(Contract, c.id)
    assert c.voided and c.void_reason == "双方解除合同"
    assert "要作废的合同" not in client.get("/contracts/").get_data(as_text=True)
    assert "要作废的合同" in client.get("/contracts/?state=voided").get_data(as_text=True)
    log = db.session.scalars(db.select(AuditLog)).one()
    assert log.action == "void" and log.before["voided"] is False and log.after["voided"] is True
    edit = client.get(f"/contracts/{c.id}/edit", follow_redirects=True).get_data(as_text=True)
    assert "已作废的合同不能修改" in edit


def test_audit_log_readable_by_admins_only(client, auth):
    """The audit page shows before and after to admins; brokers get 403."""
    auth.login("admin")
    c = make_contract()
    client.post(f"/contracts/{c.id}/edit", data=_form_of(c, title="改过的名称"))
    body = client.get("/contracts/audit").get_data(as_text=True)
    assert "改过的名称" in body and c.title in body and "修改" in body
    auth.logout()
    auth.login("broker")
    assert client.get("/contracts/audit").status_code == 403
    assert "变更记录" not in client.get("/contracts/").get_data(as_text=True)


def test_brokers_see_their_own_contracts_only(client, auth):
    """A broker lists and opens contracts credited to or recorded by them; others are 404."""
    broker = make_user("broker")
    mine = make_contract(title="我经手的合同", broker=broker)
    recorded = make_contract(title="我登记的合同", created_by=broker)
    other = make_contract(title="别人的合同", broker=make_user("broker"))
    auth.login(broker)
    body = client.get("/contracts/").get_data(as_text=True)
    assert "我经手的合同" in body and "我登记的合同" in body and "别人的合同" not in body
    assert client.get(f"/contracts/{mine.id}").status_code == 200
    assert client.get(f"/contracts/{recorded.id}/edit").status_code == 200
    assert client.get(f"/contracts/{other.id}").status_code == 404
    assert client.post(f"/contracts/{other.id}/void", data={"reason": "无权作废"}).status_code == 404
    assert not db.session.get(Contract, other.id).voided


@pytest.mark.parametrize("role", ["enterprise", "researcher"])
def test_other_roles_cannot_reach_contracts(client, auth, role):
    auth.login(role)
    assert client.get("/contracts/").status_code == 403
    assert client.post("/contracts/new", data=GOOD).status_code == 403
    assert count(Contract) == 0


def test_list_filters_and_paginates(client, auth):
    auth.login("admin")
    for i in range(25):
        make_contract(title=f"批量合同{i:02d}", type="service" if i % 5 == 0 else "development")
    body = client.get("/contracts/?type=service").get_data(as_text=True)
    assert body.count("批量合同") == 5
    body = client.get("/contracts/").get_data(as_text=True)
    assert "共 25 条" in body and "第 1 / 2 页" in body


def test_the_list_says_what_is_wrong_with_typed_dates(client, auth):
    """A malformed 签订自 (typed into the address) was left out without a word, and a period typed the wrong way
    round listed nothing as if no contract had been signed then: both are said above the list."""
    auth.login("admin")
    make_contract(title="三月的合同", signed_on=date(2026, 3, 5))
    body = client.get("/contracts/?from=2026-13-01").get_data(as_text=True)
    assert "签订日期“2026-13-01”格式不正确（应如 2026-01-31），已忽略" in body and "三月的合同" in body
    body = client.get("/contracts/?from=2026-04-01&to=2026-03-01").get_data(as_text=True)
    assert "签订起始日期晚于截止日期，没有符合条件的合同" in body and "三月的合同" not in body
    body = client.get("/contracts/?from=2026-03-01&to=2026-03-31").get_data(as_text=True)
    assert "三月的合同" in body and "格式不正确" not in body and "晚于截止日期" not in body


@pytest.mark.parametrize("typed", ["reg-case-1", " REG-CASE-1 ", "ＲＥＧ－ＣＡＳＥ－１", "REG- CASE-1"])
def test_a_registration_number_typed_differently_is_the_same_number(client, auth, typed):
    """reg-case-1 and ＲＥＧ－ＣＡＳＥ－１ were accepted beside REG-CASE-1."""
    make_contract(registration_no="REG-CASE-1")
    auth.login("admin")
    body = client.post("/contracts/new", data=dict(GOOD, registration_no=typed)).get_data(as_text=True)
    assert "该登记编号已被其他合同使用" in body
    assert count(Contract) == 1


def test_a_registration_number_is_stored_half_width_upper_case(client, auth):
    auth.login("admin")
    assert client.post("/contracts/new", data=dict(GOOD, registration_no="ｒｅｇ－２０２６－７")).status_code == 302
    assert db.session.scalar(db.select(Contract.registration_no)) == "REG-2026-7"


def test_audit_log_speaks_chinese_for_every_action_and_object(client, auth):
    """Moves of online signing, listings' status changes and accounts' password resets are named in words,
    not codes (sign_start, awaiting_signatures, tech_need #5)."""
    admin = auth.login("admin")
    c = make_contract()
    for entity, entity_id, action, before, after in (
        ("contract", c.id, "sign_start", {"state": "recorded"}, {"state": "awaiting_signatures"}),
        ("tech_need", 5, "status", None, None),
        ("user", admin.id, "reset_self", None, None),
    ):
        db.session.add(AuditLog(actor_id=admin.id, entity=entity, entity_id=entity_id, action=action,
                                before=before, after=after))  # fmt: skip
    db.session.commit()
    body = client.get("/contracts/audit").get_data(as_text=True)
    for words in (
        "发起网上签约",
        "合同状态",
        "已登记",
        "待网上签署",
        "技术需求 #5",
        "账号 #",
        "通过邮件重置密码",
        "状态变更",
    ):
        assert words in body, words
    for code in ("sign_start", ">awaiting_signatures<", "tech_need", "reset_self"):
        options = ('value="sign_start"', 'value="reset_self"', 'value="tech_need"')  # the filters' choices
        assert code not in functools.reduce(lambda b, o: b.replace(o, ""), options, body), code
    assert "发起网上签约" in client.get(f"/contracts/{c.id}").get_data(as_text=True)


def test_audit_log_shows_listing_rows_in_words_and_filters_by_object(client, auth):
    """A listing's status moves and a broker's view of its confidential parts read in the listing's own words
    (a result is 已转化, a need 已解决), not as status / action / fields codes; the page filters by object."""
    admin = auth.login("admin")
    for entity, action, before, after in (
        ("result", "status", {"status": "docking"}, {"status": "solved", "action": "solve"}),
        ("tech_need", "status", {"status": "published"}, {"status": "solved", "action": "contract"}),
        ("tech_need", "view", None, {"fields": ["contacts", "details"], "via": "suggestion", "suggestion_id": 9}),
    ):
        db.session.add(AuditLog(actor_id=admin.id, entity=entity, entity_id=7, action=action, before=before,
                                after=after))  # fmt: skip
    db.session.add(AuditLog(actor_id=admin.id, entity="user", entity_id=admin.id, action="reset_self"))
    db.session.commit()
    body = client.get("/contracts/audit").get_data(as_text=True)
    assert "合同、账号和 API 令牌" in body  # the heading says what the log holds, not contracts alone
    for words in ("科技成果 #7", "对接中", "已转化", "标记为已转化", "技术需求 #7", "已发布", "已解决",
                  "因签订合同标记为已解决", "查看的内容", "联系方式、详细内容", "推荐配对", "#9"):  # fmt: skip
        assert words in body, words
    for code in (">status<", ">action<", ">fields<", ">via<", ">docking<", ">solve<", ">contacts"):
        assert code not in body, code
    results_only = client.get("/contracts/audit?entity=result").get_data(as_text=True)
    assert "科技成果 #7" in results_only and "技术需求 #7" not in results_only and "账号 #" not in results_only
    assert 'value="result" selected' in results_only


def test_the_contract_form_suggests_parties_from_a_lookup_not_a_list_of_names(client, auth):
    """The form carried the first 1,000 organisation names by pinyin order as its suggestions (a party named
    later was never offered; 30 KB a page); now the parties' fields look names up as one types, any kind."""
    db.session.execute(
        db.insert(Organization), [{"name": f"批量单位{i:04d}", "kind": "enterprise"} for i in range(1500)]
    )
    make_org("university", name="南方理工大学")
    db.session.commit()
    auth.login("broker")
    page = client.get("/contracts/new").get_data(as_text=True)
    assert "批量单位" not in page and 'list="buyer-options"' in page and "organizations/lookup.json" in page
    found = client.get("/admin/organizations/lookup.json?q=批量单位1499").get_json()["items"]
    assert [o["name"] for o in found] == ["批量单位1499"]
    assert [o["name"] for o in client.get("/admin/organizations/lookup.json?q=南方理工").get_json()["items"]] == [
        "南方理工大学"
    ]


def test_a_party_typed_with_the_other_width_of_brackets_is_the_organisation_not_a_second_one(client, auth):
    """委托方 typed 华星(深圳)精密有限公司 for the enterprise 华星（深圳）精密有限公司 made a second organisation of that
    name, holding the contract (not in the enterprise's contracts, a second row in the reports by organisation);
    the same name as both parties, one spelling each, is refused as the same organisation."""
    org = make_org("enterprise", name="华星（深圳）精密有限公司")
    auth.login("broker")
    orgs = count(Organization)
    resp = client.post("/contracts/new", data=dict(GOOD, buyer_name="华星(深圳)精密有限公司"))
    assert resp.status_code == 302 and count(Organization) == orgs + 1  # only the seller, 南方理工大学, is new
    assert db.session.scalar(db.select(Contract)).buyer_id == org.id
    both = dict(GOOD, contract_no="HT-2020-002", registration_no="", seller_name="华星(深圳)精密有限公司",
                buyer_name="华星（深圳）精密有限公司")  # fmt: skip
    resp = client.post("/contracts/new", data=both)
    assert "买方和卖方不能是同一单位" in resp.get_data(as_text=True) and count(Contract) == 1
