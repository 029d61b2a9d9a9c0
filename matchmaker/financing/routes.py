"""Views of the financing area: apply, the list, a case with its steps, one route for every move."""

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user

from ..auth.decorators import get_or_404, role_required
from ..extensions import db
from ..models import FinancingCase, Role
from ..models.enums import FinancingStatus
from ..utils import once
from . import services, workflow
from .forms import ApplyForm, step_form
from .workflow import FinancingError

bp = Blueprint("financing", __name__)
users = role_required(Role.ENTERPRISE, Role.BROKER, Role.ADMIN)

# Fields each move's form shows.
FIELDS = {
    "appraise": ("partner_id", "appraised_value", "note"),
    "approve": ("partner_id", "loan_amount", "loan_rate", "loan_term_months", "note"),
    "insure": ("partner_id", "premium", "cover", "note"),
    "grant": ("loan_date", "note"),
    "subsidise": ("partner_id", "subsidy_kind", "subsidy_amount", "note"),
    "refuse": ("note",),
    "withdraw": ("note",),
}


def _case_or_404(case_id):
    case = get_or_404(FinancingCase, case_id)
    if not services.can_view(case, current_user):
        abort(403)
    return case


@bp.route("/")
@users
def index():
    """Cases: my enterprise's, or every case for brokers and admins."""
    page = db.paginate(services.case_query(request.args, current_user), per_page=20, error_out=False)
    return render_template("financing/index.html", page=page, statuses=FinancingStatus)


@bp.route("/new", methods=["GET", "POST"])
@role_required(Role.ENTERPRISE)
def new():
    """Apply with the patents to pledge and the amount and term wanted."""
    if not current_user.organization_id:  # told before the form is filled in (the submit was refused)
        pending = current_user.requested_organization
        flash(f"您申请加入「{pending.name}」尚待平台管理员核实，核实后即可申请质押融资" if pending is not None
              else "您的账号未关联企业，无法申请质押融资，请联系管理员", "warning")  # fmt: skip
        return redirect(url_for("financing.index"))
    form = ApplyForm()
    if form.validate_on_submit():
        try:
            case = services.apply_for(current_user, form.data, key=form.submission_key.data)
        except once.Repeat as r:
            return once.see_other(url_for("financing.detail", case_id=r.entity_id))
        except FinancingError as exc:
            form.patents.errors.append(str(exc))
        else:
            flash("融资申请已提交，平台将联系评估机构开展评估", "success")
            return redirect(url_for("financing.detail", case_id=case.id))
    return render_template("financing/new.html", form=form), 400 if form.errors else 200


def _forms(case, failed=None):
    forms = {}
    for action in workflow.allowed(case, current_user):
        if failed is not None and failed.action.data == action:
            forms[action] = _own_ids(failed, action)
            continue
        kind = services.PARTNER_KINDS.get(action)
        f = step_form(action, partners=services.partner_choices(kind) if kind else (), formdata=None)
        f.action.data, f.expected.data = action, case.status
        forms[action] = _own_ids(f, action)
    return forms


def _own_ids(form, action):
    """The page shows one form per possible step, several with the same fields (说明 in 登记评估结果 and in
    登记未通过): each field's id (its label's target, its error's id) is made its step's own, else the second
    说明's label named and focused the first form's field. The refusal's 说明 is its required reason, a text
    area (RefusalForm); the withdrawal's optional 说明 a text area too (WithdrawalForm); the other steps' optional
    说明 stay one line."""
    for f in form:
        f.id = f"{action}-{f.name}"
        f.label.field_id = f.id
    return form


def _show(form, action, problems):
    """Each problem beside its field, unless the form refused that field already (its message stands); one the
    step's form lacks (a stale case, a summary too long) beside 说明."""
    for name, message in problems.items():
        field = form[name if name in FIELDS[action] else "note"]
        if not field.errors:
            field.errors.append(message)


def _detail(case, failed=None, status=200):
    # A refused step is shown again at the address it was posted to (…/move); the page's script then puts the
    # case's own address in the address bar, so a refresh reloads the case instead of sending the step again.
    page_url = url_for("financing.detail", case_id=case.id) if request.method == "POST" else None
    return render_template("financing/detail.html", case=case, forms=_forms(case, failed), fields=FIELDS,
                           moves=workflow.MOVES, page_url=page_url), status  # fmt: skip


@bp.route("/<int:case_id>")
@users
def detail(case_id):
    """A case: the application, every partner's decision, the next step's form."""
    return _detail(_case_or_404(case_id))


@bp.route("/<int:case_id>/move", methods=["POST"])
@users
def move(case_id):
    """Record a step (brokers and admins for the partners) or withdraw (the enterprise, or an admin for it)."""
    case = _case_or_404(case_id)
    action = request.form.get("action", "")
    kind = services.PARTNER_KINDS.get(action)
    form = step_form(action, partners=services.partner_choices(kind) if kind else ())
    if action in workflow.MOVES and not workflow.may(workflow.MOVES[action], case, current_user):
        abort(403)  # whatever the case's state: a broker's crafted 撤回申请 was told the status instead
    if action not in workflow.allowed(case, current_user):
        return _moved_meanwhile(case)  # or recorded by its twin: then said so
    if form.validate_on_submit():
        try:
            services.move(case, action, current_user, form.data, form.expected.data or None,
                          key=form.submission_key.data)  # fmt: skip
        except once.Repeat:
            return _recorded_already(case)
        except FinancingError as exc:
            _show(form, action, exc.problems)
        else:
            label = workflow.MOVES[action].label
            # a summary opening with the step's name (未通过：…) is not said twice (已登记未通过：未通过：…)
            flash(f"已{label}：{case.steps[-1].summary.removeprefix(label.removeprefix('登记') + '：')}", "success")
            return redirect(url_for("financing.detail", case_id=case.id))
    else:
        # The step's own checks too, on what the form took: every problem of one submission at once (a 说明
        # too long and no 放款日期 were told one after the other).
        _show(form, action, workflow.problems(case, action, form.data))
    db.session.refresh(case)
    if action not in workflow.allowed(case, current_user):  # moved meanwhile: the refused form is not on the page
        return _moved_meanwhile(case)
    return _detail(case, form, 400)


def _moved_meanwhile(case):
    key = request.form.get(once.FIELD)
    if once.done(key, services.step_key(request.form.get("action", "")), current_user, target=case.id):  # its twin
        return _recorded_already(case)
    flash(f"案件当前状态为“{case.status_label}”，不能进行该操作（可能已被他人处理）", "warning")
    return redirect(url_for("financing.detail", case_id=case.id))


def _recorded_already(case):
    """A repeat of a step form whose first submit was recorded: the case as it is now."""
    flash("该操作已提交过，未重复登记；以下为案件当前的办理情况", "info")
    return redirect(url_for("financing.detail", case_id=case.id), code=303)
