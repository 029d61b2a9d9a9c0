"""Views of online signing: prepare, review and sign, withdraw, download, verify."""

import math
import time
from io import BytesIO

from flask import abort, current_app, flash, g, make_response, redirect, render_template, request, send_file, url_for
from flask_login import current_user

from ..auth.decorators import get_or_404, login_required, public, role_required
from ..extensions import db, limiter
from ..models import Contract, Role
from ..utils import once
from ..utils.bounds import id_or_none
from ..utils.inputs import flash_errors
from . import signing_services as svc
from .routes import bp
from .signing_forms import PrepareForm, SignForm, VerifyForm, WithdrawForm
from .signing_keys import authority

staff = role_required(Role.BROKER, Role.ADMIN)


def _visible(contract_id):
    """The contract if the current user may see it (staff with access, its signers), else 404."""
    contract = get_or_404(Contract, contract_id)
    if not svc.can_view(current_user, contract):
        abort(404)
    return contract


def _to_page(contract):
    return redirect(url_for("contracts.signing", contract_id=contract.id), code=303)


@bp.route("/<int:contract_id>/signing/prepare", methods=["GET", "POST"])
@staff
def signing_prepare(contract_id):
    """Prepare the contract's text from a template and send it to both parties for signing."""
    contract = _visible(contract_id)
    if request.method == "POST" and once.done(request.form.get(once.FIELD), svc.prepare_form(contract), current_user):
        return _sent_already(contract)  # its twin sent the text: answered before the state check refuses it
    form = PrepareForm()
    form.buyer_signer_id.choices = [("", "（请选择）")] + svc.signer_choices(contract.buyer)
    form.seller_signer_id.choices = [("", "（请选择）")] + svc.signer_choices(contract.seller)
    if request.method == "GET":
        form.process(data=svc.prepare_defaults(contract))
    refused = False
    if form.validate_on_submit():
        try:
            svc.prepare(current_user, contract, form.data, key=form.submission_key.data)
        except once.Repeat:
            return _sent_already(contract)
        except svc.SigningError as exc:
            if once.done(form.submission_key.data, svc.prepare_form(contract), current_user):
                return _sent_already(contract)  # its twin's commit came between the check above and this one's
            flash(str(exc), "danger")
            refused = True
        else:
            flash("合同文本已生成，已通知甲乙双方签署人阅读并签署", "success")
            return _to_page(contract)
    state = svc.contract_state(contract)
    return render_template("contracts/signing/prepare.html", c=contract, form=form, state=state,
                           labels=svc.STATE_LABELS), 400 if refused or form.errors else 200  # fmt: skip


def _sent_already(contract):
    """A repeat of a prepare form whose first submit sent the text: the signing page, as it is now."""
    flash("该表单已提交过，未重复生成合同文本；以下为这份合同当前的签约情况", "info")
    return _to_page(contract)


@bp.route("/<int:contract_id>/signing")
@login_required
def signing(contract_id):
    """The contract's text to read, its signatures so far, and the signing form for its signer."""
    return _page(_visible(contract_id))


def _page(contract, typed=None, status=200):
    """The signing page; ``typed``, a refused SignForm, is shown again as it was sent (its 我已完整阅读
    ticked, its errors beside the fields) while the text is the one it was sent for."""
    doc = svc.latest_document(contract)
    party = doc.party_of(current_user) if doc else None
    sign_form = None
    if doc is not None and doc.is_awaiting and party and doc.signature_of(party) is None:
        same_text = typed is not None and typed.document_hash.data == doc.document_hash
        sign_form = typed if same_text else SignForm(document_hash=doc.document_hash, formdata=None)
    page = render_template(
        "contracts/signing/page.html", c=contract, doc=doc, text=svc.text_of(doc) if doc else None,
        party=party, sign_form=sign_form, withdraw_form=WithdrawForm(formdata=None),
        state=svc.contract_state(contract), labels=svc.STATE_LABELS, china_time=svc.china_time,
        can_manage=contract.can_edit(current_user),
    )  # fmt: skip
    return page, status


@bp.route("/<int:contract_id>/signing/sign", methods=["POST"])
@login_required
def signing_sign(contract_id):
    """Sign as the authorised signer of a party, after reading the text and re-entering the password."""
    contract = _visible(contract_id)
    form = SignForm()
    if not form.validate_on_submit():
        flash_errors(form)
        return _page(contract, form, 422)
    try:
        doc = svc.sign_as_party(current_user, contract, form.document_hash.data, form.password.data,
                                ip=request.remote_addr, user_agent=request.user_agent.string)  # fmt: skip
    except svc.NotASigner as exc:
        abort(403, str(exc))
    except svc.AlreadySigned as exc:
        flash(str(exc), "info")
    except svc.SigningLocked as exc:  # the account's login is locked (auth/throttle.py): signing waits too
        flash(str(exc), "danger")
        return *_page(contract, form, 429), {"Retry-After": str(exc.retry_after)}
    except svc.VerifierBusy as exc:  # no slot to verify the finished PDF: nothing saved, sign again later
        flash(str(exc), "danger")
        return *_page(contract, form, 503), {"Retry-After": str(exc.retry_after)}
    except svc.SigningError as exc:  # a wrong password, a text changed meanwhile: the page again, as sent
        flash(str(exc), "danger")
        if exc.field:  # beside its field too, where the page's script puts the focus (the flash is far above)
            form[exc.field].errors.append(str(exc))
        return _page(contract, form, exc.status)
    else:
        done = "合同已完成网上签约，平台已加盖数字签名" if doc.is_signed else "签署成功，等待对方签署"
        flash(done, "success")
    return _to_page(contract)


@bp.route("/<int:contract_id>/signing/withdraw", methods=["POST"])
@staff
def signing_withdraw(contract_id):
    """Withdraw the text awaiting signatures (to correct it and prepare it again)."""
    contract = _visible(contract_id)
    form = WithdrawForm()
    if not form.validate_on_submit():
        flash_errors(form)
        return _to_page(contract)
    try:
        svc.withdraw(current_user, contract, form.reason.data)
    except svc.SigningError as exc:
        flash(str(exc), "danger")
    else:
        flash("已撤回网上签约，合同恢复为已登记状态", "success")
    return _to_page(contract)


@bp.route("/<int:contract_id>/signing/pdf")
@login_required
def signing_pdf(contract_id):
    """Download the contract's PDF as it stands (?version=N for an earlier text)."""
    contract = _visible(contract_id)
    doc = svc.document_with_pdf(contract, id_or_none(request.args.get("version")))
    if doc is None:
        abort(404)
    return send_file(BytesIO(doc.pdf), mimetype="application/pdf", as_attachment=True,
                     download_name=svc.pdf_name(doc, contract), max_age=0)  # fmt: skip


def _user_key():
    # 验证签名 takes a verification slot as an upload does: counted per user (who may be behind any address)
    return f"user:{current_user.get_id()}"


@bp.route("/<int:contract_id>/verify")
@login_required
@limiter.limit(lambda: current_app.config["SIGNING_VERIFY_RATE_LIMIT"], key_func=_user_key)
def verify_contract(contract_id):
    """Check the stored PDF of a contract exactly as an uploaded one is checked."""
    contract = _visible(contract_id)
    doc = svc.document_with_pdf(contract)
    if doc is None:
        abort(404)
    result = error = None
    status, headers = 200, {}
    try:  # in a separate process bounded in time and memory, holding one of the machine's slots, as an upload
        result = svc.verify_document(doc)
    except svc.VerifierBusy as exc:
        error, status, headers = str(exc), 503, {"Retry-After": str(exc.retry_after)}
    except svc.DocumentUnverified as exc:
        error, status = str(exc), exc.status
    return render_template("contracts/signing/verify.html", form=VerifyForm(), result=result, error=error,
                           contract=contract, doc=doc, match=doc, match_visible=True, china_time=svc.china_time,
                           ca=authority()), status, headers  # fmt: skip


def _verify_page(form, status=200, headers=None, error=None, result=None, match=None):
    # A file identical to one the platform keeps: say so; link to it only for those who may see it. An error that
    # is the file's (not a PDF, unreadable, too large: 400, 413) marks the file field, which it describes.
    match_visible = match is not None and svc.can_view(current_user, match.contract)
    page = render_template("contracts/signing/verify.html", form=form, result=result, error=error, match=match,
                           match_visible=match_visible, contract=None, doc=None, china_time=svc.china_time,
                           ca=authority(), file_error=bool(error) and status in (400, 413))  # fmt: skip
    return page, status, headers or {}


def _verify_refused(limit):
    """The address's uploads exceed SIGNING_VERIFY_RATE_LIMIT: the verify page and its form again, with when to try
    again (the longest of the limits breached: each calls this, the last page made is the one sent)."""
    wait = max(1, math.ceil(limit.reset_at - time.time()), g.get("verify_retry_after", 0))
    g.verify_retry_after = wait
    when = f"{math.ceil(wait / 60)} 分钟" if wait >= 120 else f"{wait} 秒"
    error = f"操作过于频繁：此网络地址提交验证的文件过多，请约 {when}后重新选择文件再试"
    return make_response(_verify_page(VerifyForm(), 429, {"Retry-After": str(wait)}, error=error))


@bp.route("/verify", methods=["GET", "POST"])
@limiter.limit(lambda: current_app.config["SIGNING_VERIFY_RATE_LIMIT"], methods=["POST"], on_breach=_verify_refused)
@public
def verify():
    """Upload a signed PDF and see every signature: signer, time, integrity, and the chain to the platform CA."""
    form = VerifyForm()
    result = match = error = None
    status, headers = 200, {}
    if request.method == "POST":
        limit = current_app.config["SIGNING_VERIFY_MAX_BYTES"]
        if request.content_length is not None and request.content_length > limit + 64 * 1024:
            abort(413)
        if form.validate_on_submit():
            data = form.file.data.stream.read(limit + 1)
            if len(data) > limit:
                error, status = f"文件超过 {limit // (1024 * 1024)} MB，不予验证", 413
            else:
                try:
                    result, match = svc.verify_upload(data)
                except svc.NotAPdf as exc:
                    error, status = str(exc), 400
                except svc.VerifierBusy as exc:
                    error, status, headers = str(exc), 503, {"Retry-After": str(exc.retry_after)}
                except svc.VerifierCrashed as exc:  # not the file's fault, as far as anyone knows: 500, not 400
                    error, status = f"{exc}，请稍后重新选择文件再试", 500
                except svc.VerifierFailed:  # a bug of the verifier's (logged with its traceback), not the file's
                    error, status = svc.FAILED_UPLOAD, 500
        else:
            status = 400
    return _verify_page(form, status, headers, error=error, result=result, match=match)


@bp.route("/verify/ca.pem")
@public
def signing_ca():
    """The platform CA's certificate: what verifiers trust (pyhanko sign validate --trust ca.pem)."""
    return send_file(BytesIO(authority().root_pem), mimetype="application/x-pem-file", as_attachment=True,
                     download_name="platform-ca.pem", max_age=3600)  # fmt: skip


@bp.route("/signing/mine")
@login_required
def signing_mine():
    """The contracts the current user is asked to sign, or has signed, as an authorised signer."""
    awaiting = request.args.get("awaiting") == "1"
    page = db.paginate(svc.my_documents(current_user, awaiting), per_page=20, error_out=False)
    return render_template("contracts/signing/mine.html", page=page, china_time=svc.china_time, awaiting=awaiting,
                           awaiting_count=svc.awaiting_my_signature_count(current_user))  # fmt: skip
