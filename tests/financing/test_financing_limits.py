"""Financing limits (2026-12-06): who may post a move, and a step's 说明 held to its column by the page, the
form and the workflow, never cut."""

from decimal import Decimal

import pytest

from matchmaker.extensions import db
from matchmaker.financing import services, workflow
from matchmaker.models import FinancingCase, FinancingStep, Organization

from ..factories import make_user
from .test_financing import _partners, _valid_patent


def _case():
    return services.apply_for(make_user("enterprise"), {"patents": _valid_patent(), "amount_wanted": Decimal(100),
                                                        "term_months": 6})  # fmt: skip


def _state(case):
    db.session.expire_all()
    stored = db.session.get(FinancingCase, case.id)
    return stored.status, [s.action for s in stored.steps]


def test_a_broker_posting_a_withdrawal_is_refused_for_permission_whatever_the_status(client, auth):
    """撤回申请 is the enterprise's (or an admin's for it); a broker posting it by hand was told 案件当前状态为…,
    as if only the moment were wrong. Now it is 403 无权访问 in every state, the case unchanged; an admin posting
    it too late still hears about the status."""
    p, broker = _partners(), make_user("broker")
    case, refused = _case(), _case()
    services.move(refused, "refuse", broker, {"note": "材料不全"})
    auth.login(broker)
    for status, step in (("applied", None), ("appraised", ("appraise", {"partner_id": p["appraiser"].id,
                         "appraised_value": Decimal(100)})), ("bank_approved", ("approve", {"partner_id": p["bank"].id,
                         "loan_amount": Decimal(80), "loan_rate": Decimal(4), "loan_term_months": 6}))):  # fmt: skip
        if step:
            services.move(db.session.get(FinancingCase, case.id), step[0], broker, step[1])
        before = _state(case)
        assert before[0] == status
        for data in ({"action": "withdraw", "expected": status}, {"action": "withdraw"}):
            resp = client.post(f"/financing/{case.id}/move", data=data)
            assert resp.status_code == 403 and "无权访问" in resp.get_data(as_text=True), (status, data)
            assert "案件当前状态" not in resp.get_data(as_text=True)
            assert _state(case) == before
    resp = client.post(f"/financing/{refused.id}/move", data={"action": "withdraw"})
    assert resp.status_code == 403 and _state(refused) == ("refused", ["refuse"])
    auth.logout()
    auth.login("admin")
    resp = client.post(f"/financing/{case.id}/move", data={"action": "withdraw"}, follow_redirects=True)
    assert resp.status_code == 200 and "案件当前状态为“银行已审批”" in resp.get_data(as_text=True)
    assert _state(case)[0] == "bank_approved"


def test_each_text_box_allows_what_the_server_keeps(client, auth):
    """The refusal's 未通过原因 allowed 500 characters in the page while 300 are kept (the rest was typed to be
    refused); every other 说明 allows its column's 500; the list's search box the 50 characters it searches."""
    _partners()
    case = _case()
    auth.login("broker")
    page = client.get(f"/financing/{case.id}").get_data(as_text=True)
    assert 'id="refuse-note" maxlength="300"' in page and 'id="appraise-note" maxlength="500"' in page
    auth.logout()
    auth.login(case.applicant)
    assert 'id="withdraw-note" maxlength="500"' in client.get(f"/financing/{case.id}").get_data(as_text=True)
    assert 'name="q" maxlength="50"' in client.get("/financing/").get_data(as_text=True)
    assert 'id="purpose" maxlength="2000"' in client.get("/financing/new").get_data(as_text=True)


def test_a_note_longer_than_its_column_is_refused_beside_it_not_cut(client, auth):
    """A 说明 of 501 characters was saved cut to 500 by the workflow. The form refuses it beside the field with
    the limit and the count, keeping what was typed; the workflow, called directly, refuses it too; nothing
    is saved either way."""
    p = _partners()
    case = _case()
    broker = auth.login("broker")
    note = "评估报告" * 125 + "尾"  # 501 characters
    appraise = {"action": "appraise", "expected": "applied", "partner_id": p["appraiser"].id, "appraised_value": "100"}
    resp = client.post(f"/financing/{case.id}/move", data=dict(appraise, note=note))
    page = resp.get_data(as_text=True)
    assert resp.status_code == 400
    assert 'id="appraise-note-error"><div>说明不能超过 500 个字符（现 501 个）</div>' in page and note in page
    assert _state(case) == ("applied", [])
    data = {"partner_id": p["appraiser"].id, "appraised_value": Decimal(100), "note": note}
    with pytest.raises(workflow.FinancingError, match=r"说明不能超过 500 个字符（现 501 个）") as exc:
        services.move(db.session.get(FinancingCase, case.id), "appraise", broker, data)
    assert exc.value.field == "note"
    assert _state(case) == ("applied", [])
    assert client.post(f"/financing/{case.id}/move", data=dict(appraise, note=note[:500])).status_code == 302
    assert db.session.scalar(db.select(FinancingStep.note)) == note[:500]


def test_a_long_refusal_reason_is_kept_whole_and_its_summary_says_it_is_shortened(app):
    """The refusal's summary (its line in 办理记录 and the enterprise's notification) quotes the reason's first
    characters: it ended mid-word with no sign of more; it now ends with …, the reason kept whole."""
    _partners()
    case, broker = _case(), make_user("broker")
    reason = "评估价值不足以覆盖融资额度" * 12  # 156 characters
    services.move(case, "refuse", broker, {"note": reason})
    step = db.session.scalar(db.select(FinancingStep))
    assert step.summary == "未通过：" + reason[:99] + "…" and len(step.summary) == 104
    assert db.session.get(FinancingCase, case.id).refused_reason == reason == step.note


def test_every_problem_of_one_submission_is_told_at_once_beside_its_field(client, auth):
    """登记放款 sent with a 说明 over its 500 characters and no 放款日期 was told only of the 说明; once it was cut,
    the missing date came next. Both are now told in one answer, each beside its own field, the typed 说明 kept
    and nothing saved; so are the bank's missing amount and rate together."""
    from datetime import datetime

    from .test_financing import _insured_cases

    (case,), broker = _insured_cases(datetime(2020, 3, 9, 17))
    auth.login(broker)
    note = "放款凭证" * 125 + "尾"  # 501 characters
    resp = client.post(f"/financing/{case.id}/move", data={"action": "grant", "expected": "insured",
                                                            "loan_date": "", "note": note})  # fmt: skip
    page = resp.get_data(as_text=True)
    assert resp.status_code == 400
    assert 'id="grant-note-error"><div>说明不能超过 500 个字符（现 501 个）</div></div>' in page
    assert 'id="grant-loan_date-error"><div>请填写放款日期</div></div>' in page
    assert 'aria-describedby="grant-loan_date-error"' in page and 'aria-describedby="grant-note-error"' in page
    assert f'value="{note}"' in page
    assert _state(case) == ("insured", ["appraise", "approve", "insure"])
    assert db.session.get(FinancingCase, case.id).loan_date is None
    # the step's own checks are told together too: no bank, amount, rate nor term, beside a 说明 too long
    appraised = _case()
    appraiser = db.session.scalar(db.select(Organization).filter_by(kind="appraiser"))
    services.move(appraised, "appraise", broker, {"partner_id": appraiser.id, "appraised_value": Decimal(100)})
    resp = client.post(f"/financing/{appraised.id}/move", data={"action": "approve", "expected": "appraised",
                       "partner_id": "", "loan_amount": "", "loan_rate": "", "loan_term_months": "", "note": note})  # fmt: skip
    page = resp.get_data(as_text=True)
    assert resp.status_code == 400
    for name, message in (("partner_id", "请选择银行"), ("loan_amount", "请填写审批金额（大于 0）"),
                          ("loan_rate", "请填写年利率（大于 0）"), ("loan_term_months", "请填写贷款期限（月）"),
                          ("note", "说明不能超过 500 个字符（现 501 个）")):  # fmt: skip
        assert f'id="approve-{name}-error"><div>{message}</div></div>' in page, name
    assert _state(appraised) == ("appraised", ["appraise"])
