"""IP-pledge financing: an application with checked patent numbers, every partner's step in order, a
refused case, withdrawal, stale and out-of-order moves, notifications, permissions, figures."""

from datetime import date, datetime
from decimal import Decimal

from matchmaker.extensions import db
from matchmaker.financing import services, workflow
from matchmaker.models import FinancingCase, FinancingStep, Notification

from ..factories import make_org, make_user


def _valid_patent(serial="201910123456"):
    from matchmaker.listings.validation import patent_error

    for d in "0123456789X":
        if not patent_error(f"ZL{serial}.{d}"):
            return f"ZL{serial}.{d}"
    raise AssertionError("no valid check digit")


def _partners():
    return {k: make_org(k, name=n) for k, n in (("appraiser", "中评资产评估公司"), ("bank", "城市商业银行"),
                                                 ("insurer", "人保财险分公司"), ("government", "市科学技术局"))}  # fmt: skip


def test_financing_case_from_application_to_loan_and_subsidy(client, auth):
    """Applied by the enterprise, then appraisal, bank, insurance, loan and subsidy recorded by a broker."""
    p, patent = _partners(), _valid_patent()
    ent = auth.login("enterprise")
    resp = client.post("/financing/new", data={"patents": f"{patent}\n{patent}", "amount_wanted": "500",
                                                "term_months": "12", "purpose": "购买检测设备"})  # fmt: skip
    assert resp.status_code == 302, resp.get_data(as_text=True)[:1500]
    case = db.session.scalar(db.select(FinancingCase))
    assert case.patent_list == [patent] and case.amount_wanted == Decimal("5000000.00")
    case.applied_at = datetime(2020, 3, 1, 2)  # applied in 2020, before the loan below
    db.session.commit()
    auth.logout()
    broker = auth.login("broker")
    steps = [
        {"action": "appraise", "partner_id": p["appraiser"].id, "appraised_value": "800"},
        {"action": "approve", "partner_id": p["bank"].id, "loan_amount": "400", "loan_rate": "4.35",
         "loan_term_months": "12"},
        {"action": "insure", "partner_id": p["insurer"].id, "premium": "6", "cover": "400"},
        {"action": "grant", "loan_date": "2020-08-20"},
        {"action": "subsidise", "partner_id": p["government"].id, "subsidy_kind": "interest", "subsidy_amount": "8.7"},
    ]  # fmt: skip
    for step in steps:
        resp = client.post(f"/financing/{case.id}/move", data=step)
        assert resp.status_code == 302, (step["action"], resp.get_data(as_text=True)[:2000])
    db.session.expire_all()
    case = db.session.get(FinancingCase, case.id)
    assert case.status == "subsidised" and case.loan_amount == Decimal("4000000.00")
    assert case.loan_rate == Decimal("4.35") and case.loan_date == date(2020, 8, 20)
    assert [s.action for s in case.steps] == ["appraise", "approve", "insure", "grant", "subsidise"]
    assert all(s.actor_id == broker.id for s in case.steps)
    notes = db.session.scalars(
        db.select(Notification).filter_by(user_id=ent.id, kind="financing").order_by(Notification.id)
    ).all()
    assert len(notes) == 5 and "评估价值 800.00 万元" in notes[0].text
    page = client.get(f"/financing/{case.id}").get_data(as_text=True)
    assert "城市商业银行：400.00 万元，年利率 4.35%" in page and "贴息 8.70 万元" in page
    c = services.counts(date(2020, 1, 1), date(2020, 12, 31))
    assert (c["loans"], c["loan_amount"], c["subsidy_amount"]) == (1, Decimal("4000000.00"), Decimal("87000.00"))


def test_refused_case_and_moves_out_of_order(app):
    """A bank step before appraisal is refused; a refusal needs a reason; a refused case moves no more."""
    p = _partners()
    ent, broker = make_user("enterprise"), make_user("broker")
    case = services.apply_for(ent, {"patents": _valid_patent(), "amount_wanted": Decimal("1000000"),
                                    "term_months": 6})  # fmt: skip
    for action, data, message in (
        ("approve", {"partner_id": p["bank"].id, "loan_amount": Decimal(1), "loan_rate": Decimal(4),
                     "loan_term_months": 6}, "不能登记银行审批"),
        ("appraise", {"partner_id": p["bank"].id, "appraised_value": Decimal(1)}, "请选择评估机构"),
        ("refuse", {"note": ""}, "请填写未通过的原因"),
        ("withdraw", {}, "您无权进行此操作"),
    ):  # fmt: skip
        try:
            services.move(case, action, broker, data)
        except workflow.FinancingError as exc:
            assert message in str(exc), (action, str(exc))
        else:
            raise AssertionError(f"{action} accepted")
    services.move(case, "appraise", broker, {"partner_id": p["appraiser"].id, "appraised_value": Decimal(500000)})
    services.move(case, "refuse", broker, {"note": "评估价值不足以覆盖融资额度", "partner_id": p["bank"].id})
    assert case.status == "refused" and case.refused_reason == "评估价值不足以覆盖融资额度"
    assert workflow.allowed(case, broker) == []
    assert db.session.scalar(db.select(db.func.count(FinancingStep.id))) == 2


def test_bank_cannot_lend_more_than_the_appraisal_and_a_stale_form_is_refused(app):
    """Figures are checked against each other; a form made for an older state does not apply."""
    p = _partners()
    ent, broker = make_user("enterprise"), make_user("broker")
    case = services.apply_for(ent, {"patents": _valid_patent(), "amount_wanted": Decimal(100), "term_months": 6})
    services.move(case, "appraise", broker, {"partner_id": p["appraiser"].id, "appraised_value": Decimal(100)})
    try:
        services.move(case, "approve", broker, {"partner_id": p["bank"].id, "loan_amount": Decimal(101),
                                                "loan_rate": Decimal(4), "loan_term_months": 6})  # fmt: skip
    except workflow.FinancingError as exc:
        assert "不能超过评估价值" in str(exc)
    try:
        services.move(case, "refuse", broker, {"note": "重复提交"}, expected="applied")
    except workflow.FinancingError as exc:
        assert "可能已被他人处理" in str(exc)
    db.session.expire_all()
    assert db.session.get(FinancingCase, case.id).status == "appraised"


def test_bad_application_is_explained_and_kept(client, auth):
    """A wrong check digit, no amount, a term too long: Chinese errors, nothing saved, typed text kept."""
    good = _valid_patent()
    bad = good[:-1] + ("0" if good[-1] != "0" else "1")
    auth.login("enterprise")
    resp = client.post("/financing/new", data={"patents": bad, "amount_wanted": "", "term_months": "999",
                                                "purpose": "保留的用途说明"})  # fmt: skip
    page = resp.get_data(as_text=True)
    assert resp.status_code == 400
    assert "校验" in page and "请填写拟融资金额" in page and "拟融资期限（月）应在 1–120 之间" in page
    assert bad in page and "保留的用途说明" in page
    assert db.session.scalar(db.select(db.func.count(FinancingCase.id))) == 0


def test_permissions(client, auth):
    """Another enterprise cannot see or move a case; the applicant withdraws but cannot record steps."""
    p = _partners()
    ent = make_user("enterprise")
    case = services.apply_for(ent, {"patents": _valid_patent(), "amount_wanted": Decimal(100), "term_months": 6})
    auth.login("enterprise")
    assert client.get(f"/financing/{case.id}").status_code == 403
    assert client.post(f"/financing/{case.id}/move", data={"action": "withdraw"}).status_code == 403
    assert client.get("/financing/").status_code == 200
    auth.logout()
    auth.login(ent)
    resp = client.post(f"/financing/{case.id}/move", data={"action": "appraise", "partner_id": p["appraiser"].id,
                                                           "appraised_value": "1"})  # fmt: skip
    assert resp.status_code == 403
    assert client.post(f"/financing/{case.id}/move", data={"action": "withdraw", "note": "暂不需要"}).status_code == 302
    db.session.expire_all()
    assert db.session.get(FinancingCase, case.id).status == "withdrawn"


def test_figures_and_dates_that_make_no_sense_are_refused(app):
    """A premium of 500 万元 for 1 万元 of cover, and a loan on 0001-01-01, were saved."""
    import pytest

    p = _partners()
    ent, broker = make_user("enterprise"), make_user("broker")
    case = services.apply_for(ent, {"patents": _valid_patent(), "amount_wanted": Decimal(100), "term_months": 6})
    services.move(case, "appraise", broker, {"partner_id": p["appraiser"].id, "appraised_value": Decimal(100)})
    services.move(case, "approve", broker, {"partner_id": p["bank"].id, "loan_amount": Decimal(80),
                                            "loan_rate": Decimal(4), "loan_term_months": 6})  # fmt: skip
    with pytest.raises(workflow.FinancingError, match="保费不能超过保险金额"):
        services.move(case, "insure", broker, {"partner_id": p["insurer"].id, "premium": Decimal(500),
                                               "cover": Decimal(1)})  # fmt: skip
    services.move(case, "insure", broker, {"partner_id": p["insurer"].id, "premium": Decimal(1), "cover": Decimal(80)})
    for day, message in ((date(1, 1, 1), "不能早于 2000 年"), (date(2999, 1, 1), "不能晚于今天")):
        with pytest.raises(workflow.FinancingError, match=message):
            services.move(case, "grant", broker, {"loan_date": day})
    db.session.expire_all()
    case = db.session.get(FinancingCase, case.id)
    assert case.status == "insured" and case.loan_date is None and case.premium == Decimal(1)


def test_a_year_typed_in_superscript_digits_is_ignored(client, auth):
    """/financing/?year=²⁰²⁰: the list unfiltered, not a server error."""
    auth.login("broker")
    assert client.get("/financing/?year=²²²²").status_code == 200


def test_a_subsidy_larger_than_the_loan_is_refused_and_kept(client, auth):
    """贴息 of 99,999,999.99 万元 on a 400 万元 loan: refused in Chinese, the typed amount kept, nothing saved."""
    p = _partners()
    ent, broker = make_user("enterprise"), make_user("broker")
    case = services.apply_for(ent, {"patents": _valid_patent(), "amount_wanted": Decimal(5000000), "term_months": 12})
    case.applied_at = datetime(2020, 3, 1, 2)
    for action, data in (
        ("appraise", {"partner_id": p["appraiser"].id, "appraised_value": Decimal(8000000)}),
        ("approve", {"partner_id": p["bank"].id, "loan_amount": Decimal(4000000), "loan_rate": Decimal("4.35"),
                     "loan_term_months": 12}),
        ("insure", {"partner_id": p["insurer"].id, "premium": Decimal(60000), "cover": Decimal(4000000)}),
        ("grant", {"loan_date": date(2020, 8, 20)}),
    ):  # fmt: skip
        services.move(case, action, broker, data)
    auth.login(broker)
    resp = client.post(f"/financing/{case.id}/move", data={"action": "subsidise", "expected": "loan_granted",
                       "partner_id": p["government"].id, "subsidy_kind": "interest", "subsidy_amount": "99999999.99"})  # fmt: skip
    page = resp.get_data(as_text=True)
    assert resp.status_code == 400 and "补偿/贴息金额不能超过放款金额（400.00 万元）" in page and "99999999.99" in page
    db.session.expire_all()
    case = db.session.get(FinancingCase, case.id)
    assert case.status == "loan_granted" and case.subsidy_amount is None


def _insured_cases(applied_at, n=1):
    """``n`` cases applied at ``applied_at`` (stored UTC), appraised, approved and insured: ready for the loan."""
    p, broker = _partners(), make_user("broker")
    return [_insured_case(applied_at, p, broker) for _ in range(n)], broker


def _insured_case(applied_at, p, broker):
    ent = make_user("enterprise")
    case = services.apply_for(ent, {"patents": _valid_patent(), "amount_wanted": Decimal(100), "term_months": 6})
    case.applied_at = applied_at
    services.move(case, "appraise", broker, {"partner_id": p["appraiser"].id, "appraised_value": Decimal(100)})
    services.move(case, "approve", broker, {"partner_id": p["bank"].id, "loan_amount": Decimal(80),
                                            "loan_rate": Decimal(4), "loan_term_months": 6})  # fmt: skip
    services.move(case, "insure", broker, {"partner_id": p["insurer"].id, "premium": Decimal(1), "cover": Decimal(80)})
    return case


def test_a_loan_dated_before_the_application_is_refused_beside_its_field(client, auth):
    """Applied 2020-03-10 (Beijing): a loan dated 2020-03-09 is refused next to 放款日期, the typed date kept,
    nothing saved."""
    (case,), broker = _insured_cases(datetime(2020, 3, 9, 17))  # 01:00 on 10 March in Beijing
    auth.login(broker)
    resp = client.post(f"/financing/{case.id}/move", data={"action": "grant", "expected": "insured",
                                                            "loan_date": "2020-03-09", "note": "补录"})  # fmt: skip
    page = resp.get_data(as_text=True)
    assert resp.status_code == 400
    message = "放款日期不能早于申请日期（2020-03-10），请核对"
    assert f'<div class="invalid-feedback d-block" id="grant-loan_date-error"><div>{message}</div>' in page
    assert 'aria-describedby="grant-loan_date-error"' in page and 'value="2020-03-09"' in page and "补录" in page
    db.session.expire_all()
    case = db.session.get(FinancingCase, case.id)
    assert case.status == "insured" and case.loan_date is None
    assert [s.action for s in case.steps] == ["appraise", "approve", "insure"]


def test_a_loan_on_or_after_the_application_day_is_saved(client, auth):
    """A loan paid out on the (Beijing) day of the application is saved, through the page and the service."""
    (case, other), broker = _insured_cases(datetime(2020, 3, 9, 17), n=2)
    auth.login(broker)
    resp = client.post(f"/financing/{case.id}/move", data={"action": "grant", "expected": "insured",
                                                            "loan_date": "2020-03-10"})  # fmt: skip
    assert resp.status_code == 302, resp.get_data(as_text=True)[:2000]
    db.session.expire_all()
    case = db.session.get(FinancingCase, case.id)
    assert case.status == "loan_granted" and case.loan_date == date(2020, 3, 10)
    try:
        services.move(other, "grant", broker, {"loan_date": date(2020, 3, 9)})
    except workflow.FinancingError as exc:
        assert exc.field == "loan_date" and "不能早于申请日期" in str(exc)
    else:
        raise AssertionError("a loan before the application was accepted by the service")
    assert db.session.get(FinancingCase, other.id).loan_date is None


def test_the_same_patent_applied_for_again_while_a_case_is_open_is_refused(client, auth):
    """The form refilled by the Back button and sent again (a new one-time key) made a second application pledging
    the same patent; now it is refused with what to do, the form kept, until the first case is withdrawn."""
    patent = _valid_patent()
    auth.login("enterprise")
    form = {"patents": patent, "amount_wanted": "300", "term_months": "12", "purpose": "购置设备"}
    assert client.post("/financing/new", data=form | {"submission_key": "a" * 20}).status_code == 302
    resp = client.post("/financing/new", data=form | {"submission_key": "b" * 20})
    body = resp.get_data(as_text=True)
    assert resp.status_code == 400 and f"专利 {patent} 已在本单位" in body and "请勿重复申请" in body
    assert "购置设备" in body  # what was typed is kept
    assert db.session.scalar(db.select(db.func.count(FinancingCase.id))) == 1
    first = db.session.scalar(db.select(FinancingCase))
    client.post(f"/financing/{first.id}/move", data={"action": "withdraw", "expected": "applied", "note": "重填"})
    db.session.refresh(first)
    assert first.status == "withdrawn"
    assert client.post("/financing/new", data=form | {"submission_key": "b" * 20}).status_code == 302


def test_an_enterprise_user_waiting_to_join_is_told_before_filling_the_form(client, auth):
    """A registrant whose enterprise an admin has yet to confirm filled the application, and only the submit said
    仅已关联企业的企业用户可以申请; now the form is not offered and the page says what is awaited."""
    ent = make_org("enterprise", name="待核实的企业")
    user = make_user("enterprise")
    user.organization, user.requested_organization = None, ent
    db.session.commit()
    auth.login(user)
    resp = client.get("/financing/new", follow_redirects=True)
    body = resp.get_data(as_text=True)
    assert (
        "您申请加入「待核实的企业」尚待平台管理员核实，核实后即可申请质押融资" in body and 'name="patents"' not in body
    )
