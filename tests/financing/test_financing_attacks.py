"""Attacks on financing (2026-12-04): yuan typed into the 万元 amount of an application."""

from decimal import Decimal

from matchmaker.extensions import db
from matchmaker.models import FinancingCase

from .test_financing import _valid_patent


def test_yuan_typed_as_wan_is_asked_about_before_it_is_saved(client, auth):
    """拟融资金额（万元） typed as 5000000 (the enterprise meant 500 万元 in yuan): the form asks, showing 500 亿元
    and the 万元 figure to type, keeps what was typed and saves nothing; ticked, it saves exactly that. It was
    saved at once as 5,000,000.00 万元."""
    auth.login("enterprise")
    data = {"patents": _valid_patent(), "amount_wanted": "5000000", "term_months": "12", "purpose": "购买设备"}
    resp = client.post("/financing/new", data=data)
    page = resp.get_data(as_text=True)
    assert resp.status_code == 400 and "即 500.00 亿元" in page and "请改为 500.00（万元）" in page
    assert 'value="5000000"' in page and db.session.scalar(db.select(db.func.count(FinancingCase.id))) == 0
    resp = client.post("/financing/new", data=dict(data, amount_wanted_confirm="5000000.00 万元"))
    assert resp.status_code == 302
    assert db.session.scalar(db.select(FinancingCase.amount_wanted)) == Decimal("50000000000.00")
    another = _valid_patent("201910123457")  # the first case, still open, pledges the first patent
    assert client.post("/financing/new", data=dict(data, amount_wanted="500", patents=another)).status_code == 302


def _appraised_case(auth):
    """An enterprise's case for 500 万元 appraised at 800 万元, a broker logged in; (case, partners)."""
    from matchmaker.financing import services
    from matchmaker.models import User

    from ..factories import make_user
    from .test_financing import _partners

    p = _partners()
    ent = make_user("enterprise")
    case = services.apply_for(ent, {"patents": _valid_patent(), "amount_wanted": Decimal(5_000_000), "term_months": 12})
    broker = auth.login("broker")
    services.move(case, "appraise", db.session.get(User, broker.id), {"partner_id": p["appraiser"].id,
                                                                       "appraised_value": Decimal(8_000_000)})  # fmt: skip
    return case, p


def test_a_missing_or_inconsistent_figure_is_shown_beside_its_own_field(client, auth):
    """The bank's approval sent without a rate, or above the appraisal; the insurance with a premium above the cover:
    the message stood under 说明 while the figure's own field showed nothing wrong. Now it is shown beside that
    field, with the figures typed kept."""
    case, p = _appraised_case(auth)
    approve = {"action": "approve", "partner_id": p["bank"].id, "loan_amount": "400", "loan_rate": "",
               "loan_term_months": "12", "note": ""}  # fmt: skip
    cases = [(approve, "loan_rate", "请填写年利率"), (dict(approve, loan_rate="4.35", loan_term_months=""),
             "loan_term_months", "请填写贷款期限"), (dict(approve, loan_rate="4.35", loan_amount="900"), "loan_amount",
             "审批金额不能超过评估价值"), (dict(approve, partner_id=""), "partner_id", "请选择")]  # fmt: skip
    for data, name, message in cases:
        page = client.post(f"/financing/{case.id}/move", data=data).get_data(as_text=True)
        error = page.split(f'id="{data["action"]}-{name}-error"', 1)
        assert len(error) == 2 and message in error[1].split("</div></div>", 1)[0], (name, message)
        assert 'value="400"' in page or 'value="900"' in page
    assert db.session.get(FinancingCase, case.id).status == "appraised"


def test_a_rate_with_an_underscore_or_other_signs_is_refused_and_full_width_digits_are_asked_about(client, auth):
    """年利率 was read by Decimal(): "0_5" was saved as 5%, "4.3e1" as 43% and "４.３５" silently. Now only
    half-width digits with one decimal point (and an optional %) are read; other text is refused beside the
    field, kept as typed; full-width digits are asked about as the amount fields do, and saved once confirmed."""
    case, p = _appraised_case(auth)
    approve = {"action": "approve", "expected": "appraised", "partner_id": p["bank"].id, "loan_amount": "400",
               "loan_term_months": "12", "note": ""}  # fmt: skip
    for typed in ("0_5", "4.3e1", "+4.35", "4..35", "4.35%%", " 4 .35"):
        resp = client.post(f"/financing/{case.id}/move", data=dict(approve, loan_rate=typed))
        page = resp.get_data(as_text=True)
        assert resp.status_code == 400, typed
        error = page.split('id="approve-loan_rate-error"', 1)
        assert len(error) == 2, typed
        assert "年利率只能填写半角阿拉伯数字和一个小数点（可带 %），如 4.35" in error[1].split("</div></div>", 1)[0]
        assert f'value="{typed.strip()}"' in page
        db.session.expire_all()
        assert db.session.get(FinancingCase, case.id).status == "appraised"
    resp = client.post(f"/financing/{case.id}/move", data=dict(approve, loan_rate="４.３５"))
    page = resp.get_data(as_text=True)
    assert resp.status_code == 400 and "将按 4.35% 保存，请确认" in page and 'value="４.３５"' in page
    db.session.expire_all()
    assert db.session.get(FinancingCase, case.id).status == "appraised"
    resp = client.post(f"/financing/{case.id}/move", data=dict(approve, loan_rate="４.３５", loan_rate_confirm="4.35%"))
    assert resp.status_code == 302
    db.session.expire_all()
    assert db.session.get(FinancingCase, case.id).loan_rate == Decimal("4.35")


def test_a_plain_rate_with_a_percent_sign_of_either_width_is_saved_at_once(client, auth):
    """ "4.35%" and "4.35％" (the Chinese keyboard's sign) are a plain rate: saved without a question."""
    from matchmaker.financing import services
    from matchmaker.models import User

    from ..factories import make_user
    from .test_financing import _partners

    p = _partners()
    ent = make_user("enterprise")
    for typed, serial in (("4.35％", "201910123456"), ("5%", "201910123457")):  # one open case a patent
        data = {"patents": _valid_patent(serial), "amount_wanted": Decimal(100), "term_months": 6}
        case = services.apply_for(ent, data)
        broker = db.session.get(User, auth.login("broker").id)
        services.move(case, "appraise", broker, {"partner_id": p["appraiser"].id, "appraised_value": Decimal(100)})
        data = {"action": "approve", "expected": "appraised", "partner_id": p["bank"].id, "loan_amount": "0.01",
                "loan_rate": typed, "loan_term_months": "12"}  # fmt: skip
        assert client.post(f"/financing/{case.id}/move", data=data).status_code == 302, typed
        auth.logout()
    db.session.expire_all()
    assert db.session.scalars(db.select(FinancingCase.loan_rate).order_by(FinancingCase.id)).all() == [
        Decimal("4.35"),
        Decimal("5.00"),
    ]


def test_full_width_digits_alone_are_asked_about_not_called_an_error(client, auth):
    """登记审批 with 年利率 "４.３５" only: the card says 尚未保存 (a question), not 提交的内容有误 in red; a real
    error beside it still says 提交的内容有误."""
    case, p = _appraised_case(auth)
    approve = {"action": "approve", "expected": "appraised", "partner_id": p["bank"].id, "loan_amount": "400",
               "loan_term_months": "12", "note": "", "loan_rate": "４.３５"}  # fmt: skip
    page = client.post(f"/financing/{case.id}/move", data=approve).get_data(as_text=True)
    assert "尚未保存：年利率（%）中含全角数字或符号，请核对系统读取的数值" in page and "提交的内容有误" not in page
    page = client.post(f"/financing/{case.id}/move", data=dict(approve, loan_amount="abc")).get_data(as_text=True)
    assert "提交的内容有误" in page


def test_a_term_typed_in_full_width_digits_is_read_as_the_amounts_are(client, auth):
    """拟融资期限 typed １２ (a Chinese input method's digits) while 拟融资金额 was typed ５００: both are read and
    asked about once, then saved as 12 months and 500 万元. The term was refused (只能填写半角阿拉伯数字)."""
    auth.login("enterprise")
    data = {"patents": _valid_patent(), "amount_wanted": "５００", "term_months": "１２", "purpose": "购买设备"}
    resp = client.post("/financing/new", data=data)
    page = resp.get_data(as_text=True)
    assert resp.status_code == 400 and "只能填写半角阿拉伯数字" not in page
    assert "您填写的“１２”含全角或特殊字符，将按 12 保存，请确认" in page and 'value="１２"' in page
    assert "尚未保存：拟融资金额（万元）、拟融资期限（月）中含全角数字或符号" in page  # both named, not 金额 alone
    assert db.session.scalar(db.select(db.func.count(FinancingCase.id))) == 0
    resp = client.post("/financing/new", data=dict(data, amount_wanted_confirm="500.00 万元", term_months_confirm="12"))
    assert resp.status_code == 302
    case = db.session.scalar(db.select(FinancingCase))
    assert (case.term_months, case.amount_wanted) == (12, Decimal("5000000.00"))


def test_a_loan_term_typed_in_full_width_digits_is_asked_about_then_saved(client, auth):
    """The bank's 贷款期限 typed １２ on the case page: asked about beside its field, then saved as 12 months."""
    case, p = _appraised_case(auth)
    approve = {"action": "approve", "partner_id": p["bank"].id, "loan_amount": "400", "loan_rate": "4.35",
               "loan_term_months": "１２", "note": ""}  # fmt: skip
    page = client.post(f"/financing/{case.id}/move", data=approve).get_data(as_text=True)
    assert "您填写的“１２”含全角或特殊字符，将按 12 保存，请确认" in page and 'name="loan_term_months_confirm"' in page
    assert db.session.get(FinancingCase, case.id).status == "appraised"
    client.post(f"/financing/{case.id}/move", data=dict(approve, loan_term_months_confirm="12"))
    assert db.session.get(FinancingCase, case.id).loan_term_months == 12
