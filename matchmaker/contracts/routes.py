"""Views of the contracts area: list, record, detail, edit, void, audit log."""

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user

from ..auth.decorators import get_or_404, role_required
from ..extensions import db
from ..models import Channel, Contract, ContractType, MatchSuggestion, RegistrationStatus, Role
from ..utils import once
from ..utils.bounds import id_or_none
from ..utils.inputs import flash_errors
from ..utils.money import wan_input
from . import lifecycle, services
from .forms import ContractForm, VoidForm

bp = Blueprint("contracts", __name__)


@bp.context_processor
def _audit_labels():
    """The audit history's words for actions and objects (the audit page and a contract's own history), and why
    a pair's contract shows its need and result read-only (the edit form)."""
    return {
        "action_labels": services.ACTION_LABELS,
        "entity_labels": services.ENTITY_LABELS,
        "pair_note": services.pair_note,
    }


staff = role_required(Role.BROKER, Role.ADMIN)
admin_only = role_required(Role.ADMIN)


def _choices(form):
    form.broker_id.choices = services.broker_choices()
    form.event_id.choices = services.event_choices()
    form.zone_id.choices = services.zone_choices()


def _render_form(form, contract=None, stale=None, status=200):
    return render_template("contracts/form.html", form=form, contract=contract, stale=stale), status


def _load(contract_id):
    contract = get_or_404(Contract, contract_id)
    if not contract.can_view(current_user):
        abort(404)
    return contract


@bp.route("/")
@staff
def index():
    """Contracts: admins see all, brokers those credited to or recorded by them."""
    stmt = services.contract_query(current_user, request.args)
    for problem in services.date_filter_problems(request.args):
        flash(problem, "warning")
    page = db.paginate(stmt, per_page=20, error_out=False)
    brokers = services.broker_choices()[1:] if current_user.is_admin else []
    return render_template(
        "contracts/index.html", page=page, types=ContractType, channels=Channel,
        statuses=RegistrationStatus, brokers=brokers, awaiting=services.awaiting_ids(page.items),
        signing_choices=services.SIGNING_FILTER,
    )  # fmt: skip


@bp.route("/new", methods=["GET", "POST"])
@staff
def create():
    """Record a signed contract, optionally from a suggestion (?suggestion_id=)."""
    first = once.done(request.form.get(once.FIELD), "contract", current_user) if request.method == "POST" else None
    if first:  # a repeat: its registration number is taken by the first, so answer before validating
        return once.see_other(url_for("contracts.detail", contract_id=first))
    form = ContractForm()
    _choices(form)
    if request.method == "GET":
        form.broker_id.data = current_user.id if current_user.is_broker else None
        sid = request.args.get("suggestion_id", "")
        suggestion = db.session.get(MatchSuggestion, id_or_none(sid)) if id_or_none(sid) else None
        if sid and suggestion is None:
            flash("找不到该推荐，请直接填写合同信息", "warning")
        refusal = services.refusal_from_suggestion(current_user, suggestion) if suggestion else None
        if refusal:
            flash(refusal, "danger")
        elif suggestion is not None:
            for key, value in services.prefill_from_suggestion(suggestion).items():
                if value not in (None, ""):
                    getattr(form, key).data = value
    if form.validate_on_submit():
        sid = (form.suggestion_id.data or "").strip()
        try:
            contract = services.record_contract(
                current_user, form.cleaned, id_or_none(sid), key=form.submission_key.data
            )
        except once.Repeat as r:
            return once.see_other(url_for("contracts.detail", contract_id=r.entity_id))
        except services.ContractError as exc:
            flash(str(exc), "danger")
            return _render_form(form, status=400)
        else:
            flash(f"已登记技术合同 {contract.contract_no}", "success")
            return redirect(url_for("contracts.detail", contract_id=contract.id))
    elif request.method == "POST" and (first := once.done(request.form.get(once.FIELD), "contract", current_user)):
        return once.see_other(url_for("contracts.detail", contract_id=first))  # a twin committed meanwhile
    return _render_form(form, status=400 if form.errors else 200)


@bp.route("/<int:contract_id>")
@staff
def detail(contract_id):
    """One contract, with its history for admins."""
    contract = _load(contract_id)
    history = []
    if current_user.is_admin:
        rows = db.session.scalars(
            db.select(services.AuditLog)
            .filter_by(entity="contract", entity_id=contract.id)
            .order_by(services.AuditLog.id)
        ).all()
        history = services.describe_rows(rows)
    void_form = VoidForm(version=contract.version)
    state = lifecycle.state_of(contract)
    return render_template(
        "contracts/detail.html", c=contract, history=history, void_form=void_form, channels=Channel,
        signing_state=lifecycle.signing_state(contract), signing_labels=lifecycle.LABELS,
        can_send=lifecycle.AWAITING in lifecycle.ALLOWED_MOVES.get(state, ()),
    )  # fmt: skip


@bp.route("/<int:contract_id>/edit", methods=["GET", "POST"])
@staff
def edit(contract_id):
    """Edit a contract; a save based on a stale version is refused, showing what changed."""
    contract = _load(contract_id)
    if contract.voided:
        flash("已作废的合同不能修改", "warning")
        return redirect(url_for("contracts.detail", contract_id=contract.id))
    form = ContractForm(contract_id=contract.id, stored=contract)
    _choices(form)
    if request.method == "GET":
        _fill(form, contract)
    if form.validate_on_submit():
        try:
            services.update_contract(current_user, contract, form.cleaned, form.version.data)
        except services.StaleContract as exc:
            form.version.data = str(exc.contract.version)  # a deliberate resubmit overrides
            flash(str(exc), "danger")
            return _render_form(form, exc.contract, stale=exc.changes, status=409)
        except services.ContractError as exc:
            flash(str(exc), "danger")
            return _render_form(form, contract, status=400)
        else:
            flash("合同已保存", "success")
            return redirect(url_for("contracts.detail", contract_id=contract.id))
    return _render_form(form, contract, status=400 if form.errors else 200)


def _fill(form, c):
    """Show a stored contract in the form (amounts as exact 万元)."""
    form.process(
        data={
            "version": str(c.version), "contract_no": c.contract_no, "registration_no": c.registration_no or "",
            "type": c.type, "title": c.title, "buyer_name": c.buyer.name, "buyer_kind": c.buyer.kind,
            "seller_name": c.seller.name, "seller_kind": c.seller.kind, "unit": "wan",
            "amount": wan_input(c.amount), "transaction_amount": wan_input(c.transaction_amount),
            "signed_on": c.signed_on, "registration_status": c.registration_status,
            "registered_on": c.registered_on, "channel": c.channel, "event_id": c.event_id,
            "need_id": str(c.need_id or ""), "result_id": str(c.result_id or ""), "broker_id": c.broker_id,
            "zone_id": c.zone_id, "industry": c.industry or "", "town": c.town or "", "note": c.note or "",
            "suggestion_id": str(c.suggestion_id or ""),
        }
    )  # fmt: skip


@bp.route("/<int:contract_id>/void", methods=["POST"])
@staff
def void(contract_id):
    """Void a contract with a reason; it stays on record but leaves every total."""
    contract = _load(contract_id)
    form = VoidForm()
    if not form.validate_on_submit():
        flash_errors(form)
        return redirect(url_for("contracts.detail", contract_id=contract.id))
    try:
        services.void_contract(current_user, contract, form.reason.data, form.version.data)
    except services.ContractError as exc:
        flash(str(exc), "danger")
    else:
        flash(f"合同 {contract.contract_no} 已作废，不再计入统计", "success")
    return redirect(url_for("contracts.detail", contract_id=contract_id))


@bp.route("/audit")
@admin_only
def audit():
    """The audit log: who changed what, when, before and after."""
    page = db.paginate(services.audit_query(request.args), per_page=20, error_out=False)
    entries = services.describe_rows(page.items)
    return render_template("contracts/audit.html", page=page, entries=entries)
