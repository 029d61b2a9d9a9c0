"""The financing case page as a broker met it in the browser (2026-12-06): two step forms on one page."""

import re
from collections import Counter
from decimal import Decimal
from pathlib import Path

from matchmaker.financing import services

from ..factories import make_user
from .test_financing import _partners, _valid_patent

ROOT = Path(__file__).resolve().parents[2]


def _applied_case():
    _partners()
    ent = make_user("enterprise")
    return services.apply_for(ent, {"patents": _valid_patent(), "amount_wanted": Decimal(100), "term_months": 6})


def test_each_step_form_on_a_case_has_its_own_fields(client, auth):
    """A new case shows 登记评估结果 and 登记未通过, both with a 说明 field: both had id="note", so the second
    说明's label named (and a click on it focused) the first form's field. Every id on the page is now
    unique, each label points into its own form, and the refusal's field says it is the required reason."""
    case = _applied_case()
    auth.login("broker")
    page = client.get(f"/financing/{case.id}").get_data(as_text=True)
    ids = Counter(re.findall(r'\bid="([^"]+)"', page))
    assert [i for i, n in ids.items() if n > 1] == []
    forms = re.findall(r'<form method="post" action="/financing/\d+/move".*?</form>', page, re.S)
    assert len(forms) == 2
    for form in forms:
        for target in re.findall(r'<label[^>]*for="([^"]+)"', form):
            assert f'id="{target}"' in form
    refuse = next(f for f in forms if 'value="refuse"' in f)
    assert re.search(
        r'<label class="form-label" for="refuse-note">未通过原因</label> <span class="text-danger"', refuse
    )


def test_a_refusal_without_its_reason_is_said_beside_that_form_s_field(client, auth):
    """登记未通过 sent without a reason: the message is tied to the refusal's own field, which keeps what was
    typed, not to the 说明 of the appraisal form above it."""
    case = _applied_case()
    auth.login("broker")
    resp = client.post(f"/financing/{case.id}/move", data={"action": "refuse", "expected": "applied", "note": "x"})
    page = resp.get_data(as_text=True)
    assert resp.status_code == 400
    field = re.search(r'<textarea[^>]*aria-invalid="true"[^>]*>([^<]*)</textarea>', page)  # the one marked wrong
    assert 'id="refuse-note"' in field.group(0) and 'aria-describedby="refuse-note-error"' in field.group(0)
    assert field.group(1).strip() == "x"
    assert 'id="refuse-note-error"><div>请填写未通过的原因</div>' in page


def test_the_refusal_reason_is_a_text_area_and_other_notes_stay_one_line(client, auth):
    """未通过原因 (up to 300 characters, told to the enterprise) was a one-line input where a reason of a few
    sentences could not be read back before sending. It is now a text area of a few rows, required, limited to
    300 and named by its label, its line breaks kept; the appraisal's optional 说明 stays a one-line input."""
    from matchmaker.extensions import db
    from matchmaker.models import FinancingCase

    case = _applied_case()
    auth.login("broker")
    page = client.get(f"/financing/{case.id}").get_data(as_text=True)
    refuse = next(f for f in re.findall(r"<form .*?</form>", page, re.S) if 'value="refuse"' in f)
    area = re.search(r'<textarea[^>]*id="refuse-note"[^>]*>', refuse).group(0)
    assert re.search(r'\brows="[34]"', area) and 'maxlength="300"' in area and re.search(r"\brequired\b", area)
    assert 'name="note"' in area and '<label class="form-label" for="refuse-note">未通过原因</label>' in refuse
    assert re.search(r'<input[^>]*id="appraise-note"[^>]*maxlength="500"', page)
    assert 'id="appraise-note"' not in "".join(re.findall(r"<textarea[^>]*>", page))
    # a reason typed on several lines (a browser sends CRLF) is kept and shown on them
    reason = "评估价值不足\n建议补充同族专利后再申请"
    data = {"action": "refuse", "expected": "applied", "note": reason.replace("\n", "\r\n")}
    assert client.post(f"/financing/{case.id}/move", data=data).status_code == 302
    assert db.session.get(FinancingCase, case.id).refused_reason == reason
    page = client.get(f"/financing/{case.id}").get_data(as_text=True)
    assert f'<dt class="col-sm-4">未通过原因</dt><dd class="col-sm-8 text-pre text-break">{reason}</dd>' in page


def test_a_case_page_has_a_breadcrumb_back_to_the_list(client, auth):
    """A case page offered only 返回列表 below the steps record; like the other detail pages it now opens with a
    breadcrumb to 知识产权质押融资, for the enterprise and the broker alike."""
    case = _applied_case()
    for user in (case.applicant, make_user("broker")):
        auth.login(user)
        page = client.get(f"/financing/{case.id}").get_data(as_text=True)
        crumb = re.search(r'<nav aria-label="当前位置">(.*?)</nav>', page, re.S).group(1)
        assert '<a href="/financing/">知识产权质押融资</a>' in crumb
        assert f'aria-current="page">{case.organization.name}</li>' in crumb
        assert page.index(crumb) < page.index("<h1")
        auth.logout()


def test_a_refusal_reason_longer_than_what_is_kept_is_refused_beside_its_field(client, auth):
    """The refusal's 说明 took 500 characters while the case keeps 300 (refused_reason): a 400-character
    reason was silently cut. It is now refused beside the field with the limit, kept as typed, nothing saved."""
    from matchmaker.extensions import db
    from matchmaker.models import FinancingCase, FinancingStep

    case = _applied_case()
    auth.login("broker")
    reason = "评估价值不足" * 60 + "尾"  # 361 characters
    resp = client.post(f"/financing/{case.id}/move", data={"action": "refuse", "expected": "applied", "note": reason})
    page = resp.get_data(as_text=True)
    assert resp.status_code == 400
    assert 'id="refuse-note-error"><div>未通过原因不能超过 300 个字符（现 361 个）</div>' in page
    assert reason in page
    db.session.expire_all()
    stored = db.session.get(FinancingCase, case.id)
    assert (stored.status, stored.refused_reason) == ("applied", None)
    assert db.session.scalar(db.select(db.func.count(FinancingStep.id))) == 0
    exact = "原" * 300
    resp = client.post(f"/financing/{case.id}/move", data={"action": "refuse", "expected": "applied", "note": exact})
    assert resp.status_code == 302
    db.session.expire_all()
    assert db.session.get(FinancingCase, case.id).refused_reason == exact


def test_an_admin_is_offered_and_can_withdraw_an_application_for_the_enterprise(client, auth):
    """The workflow lets an admin withdraw for the enterprise, but the page offered no 撤回申请 and a posted
    withdrawal came back with 不能进行该操作. Now the admin sees the form and the case is withdrawn, recorded
    as done by the admin; a broker is still neither offered it nor able to."""
    from matchmaker.extensions import db
    from matchmaker.models import FinancingCase, FinancingStep

    case = _applied_case()
    auth.login("broker")
    assert 'value="withdraw"' not in client.get(f"/financing/{case.id}").get_data(as_text=True)
    client.post(f"/financing/{case.id}/move", data={"action": "withdraw", "expected": "applied"})
    db.session.expire_all()
    assert db.session.get(FinancingCase, case.id).status == "applied"
    auth.logout()
    admin = auth.login("admin")
    assert 'value="withdraw"' in client.get(f"/financing/{case.id}").get_data(as_text=True)
    resp = client.post(f"/financing/{case.id}/move", data={"action": "withdraw", "expected": "applied",
                                                           "note": "企业电话告知暂不融资"}, follow_redirects=True)  # fmt: skip
    page = resp.get_data(as_text=True)
    assert resp.status_code == 200 and "已撤回申请：平台管理员代企业撤回申请" in page and "不能进行该操作" not in page
    db.session.expire_all()
    assert db.session.get(FinancingCase, case.id).status == "withdrawn"
    step = db.session.scalar(db.select(FinancingStep))
    assert (step.action, step.actor_id, step.note) == ("withdraw", admin.id, "企业电话告知暂不融资")


def test_the_moves_that_end_a_case_are_asked_first_and_an_admins_withdrawal_says_for_whom(client, auth):
    """登记未通过 and 撤回申请 end a case for good, yet one click sent them (under the step forms, the same look);
    each form now asks first, the step forms do not. An admin's 撤回申请 card says 代企业撤回申请, as it is recorded;
    the enterprise's says 撤回申请."""
    import re

    case = _applied_case()
    auth.login("admin")
    page = client.get(f"/financing/{case.id}").get_data(as_text=True)
    forms = {re.search(r'name="action" type="hidden" value="(\w+)"', f).group(1): f
             for f in re.findall(r'<form method="post" action="/financing/\d+/move".*?</form>', page, re.S)}  # fmt: skip
    assert set(forms) == {"appraise", "refuse", "withdraw"}
    assert 'data-confirm="登记未通过后案件即结束，不能再办理后续环节。确定登记未通过吗？"' in forms["refuse"]
    assert 'data-confirm="撤回后案件即结束，不能再办理后续环节。确定撤回该融资申请吗？"' in forms["withdraw"]
    assert "data-confirm" not in forms["appraise"]
    assert '<h2 class="h6">代企业撤回申请</h2>' in page
    auth.logout()
    auth.login(case.applicant)
    page = client.get(f"/financing/{case.id}").get_data(as_text=True)
    assert '<h2 class="h6">撤回申请</h2>' in page and "data-confirm=" in page


def test_a_long_unbroken_reason_wraps_in_the_flash_and_the_record(client, auth):
    """A reason quoting a link (no space for 150 characters) ran off a phone's screen in the flash and in 办理记录,
    the page scrolling sideways to four times its width; both, and the case's 未通过原因, now break inside it."""
    case = _applied_case()
    auth.login("broker")
    reason = "见评估报告 https://example.com/reports/" + "a" * 150
    page = client.post(f"/financing/{case.id}/move", data={"action": "refuse", "expected": "applied",
                                                           "note": reason}, follow_redirects=True).get_data(as_text=True)  # fmt: skip
    assert 'alert-dismissible fade show text-break" role="alert">\n        已登记未通过：见评估报告' in page
    assert (
        '<li class="list-group-item small text-break">' in page
        and f'<dd class="col-sm-8 text-pre text-break">{reason}' in page
    )


def test_the_withdrawal_note_is_a_text_area_whose_line_breaks_are_kept_and_shown(client, auth):
    """撤回申请's optional 说明 was a one-line input: an enterprise's few lines on why it withdraws ran together.
    It is now a text area like the refusal's reason, named by its label, limited to the 500 characters kept;
    line breaks (sent as CRLF, counted once) are kept and shown in 办理记录; one character more is refused
    beside it, kept as typed, nothing saved."""
    from matchmaker.extensions import db
    from matchmaker.models import FinancingCase, FinancingStep

    case = _applied_case()
    auth.login(case.applicant)
    page = client.get(f"/financing/{case.id}").get_data(as_text=True)
    withdraw = next(f for f in re.findall(r"<form .*?</form>", page, re.S) if 'value="withdraw"' in f)
    area = re.search(r'<textarea[^>]*id="withdraw-note"[^>]*>', withdraw).group(0)
    assert 'maxlength="500"' in area and 'name="note"' in area and re.search(r'\brows="[34]"', area)
    assert not re.search(r"\brequired\b", area)
    assert '<label class="form-label" for="withdraw-note">说明</label>' in withdraw
    note = "\n".join(["企业暂不需要融资" * 10] * 6) + "尾" * 15  # 500 characters, 5 of them line breaks
    assert len(note) == 500
    data = {"action": "withdraw", "expected": "applied", "note": note.replace("\n", "\r\n") + "多"}
    resp = client.post(f"/financing/{case.id}/move", data=data)
    page = resp.get_data(as_text=True)
    assert resp.status_code == 400
    field = re.search(r'<textarea[^>]*id="withdraw-note"[^>]*>([^<]*)</textarea>', page)
    assert 'aria-describedby="withdraw-note-error"' in field.group(0) and field.group(1).strip() == note + "多"
    assert 'id="withdraw-note-error"><div>说明不能超过 500 个字符（现 501 个）</div>' in page
    db.session.expire_all()
    assert db.session.get(FinancingCase, case.id).status == "applied"
    data["note"] = note.replace("\n", "\r\n")
    assert client.post(f"/financing/{case.id}/move", data=data).status_code == 302
    db.session.expire_all()
    assert db.session.get(FinancingCase, case.id).status == "withdrawn"
    assert db.session.scalar(db.select(FinancingStep.note)) == note
    page = client.get(f"/financing/{case.id}").get_data(as_text=True)
    assert f'<div class="text-muted text-pre">{note}</div>' in page


def test_a_refused_step_names_the_case_s_address_for_the_address_bar(client, auth):
    """登记未通过 refused (no reason) is shown again at …/move, where a refresh sent it again: the page names the
    case's own address and loads the script that puts it in the address bar (app.js, on every page), as the pair page does."""
    case = _applied_case()
    auth.login("broker")
    url = f"/financing/{case.id}"
    assert 'id="page-url"' not in client.get(url).get_data(as_text=True)  # the case's own page needs none
    resp = client.post(f"{url}/move", data={"action": "refuse", "expected": "applied", "note": ""})
    page = resp.get_data(as_text=True)
    assert resp.status_code == 400 and "请填写未通过的原因" in page
    assert f'<span hidden id="page-url" data-url="{url}"></span>' in page
    assert re.search(r'<script src="[^"]*js/app[^"]*\.js"', page)
    assert 'getElementById("page-url")' in (ROOT / "static" / "js" / "app.js").read_text(encoding="utf-8")
