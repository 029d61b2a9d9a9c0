"""Admin pages: console, accounts, organisations."""

from flask import Blueprint, flash, jsonify, redirect, render_template, request, url_for
from flask_login import current_user

from ..auth import profile as profiles
from ..auth import recent
from ..auth import services as accounts
from ..auth.decorators import get_or_404, role_required
from ..auth.forms import ProfileForm
from ..extensions import db
from ..models import Organization, OrgKind, Role, User
from ..utils import once
from ..utils.urls import referrer_path
from ..utils.versions import EditConflict, refuse_stale
from . import services
from .forms import ActivateForm, OrganizationForm, ResetPasswordForm, StaffUserForm

bp = Blueprint("admin", __name__)

admin_only = role_required(Role.ADMIN)
# Accounts whose creation needs the admin's password lately: they see confidential details, or everything.
STAFF_ROLES = (Role.BROKER.value, Role.ADMIN.value)


@bp.route("/")
@admin_only
def index():
    """The admin console."""
    return render_template("admin/index.html")


@bp.route("/users")
@admin_only
def users():
    """All accounts, filtered and paginated."""
    args = request.args
    stmt = services.user_query(args.get("role"), args.get("q"), args.get("active"), args.get("pending"))
    page = db.paginate(stmt, per_page=20, error_out=False)
    return render_template("admin/users.html", page=page, roles=Role, password_recent=recent.is_recent(current_user))


@bp.route("/users/new", methods=["GET", "POST"])
@admin_only
def user_new():
    """Create an account of any role (the only way to create brokers and admins); a broker or admin needs the
    password entered within PASSWORD_CONFIRM_MINUTES, or typed in the form."""
    form = StaffUserForm()
    if form.is_submitted() and (made := once.done(form.submission_key.data, "user", current_user)):
        return _account_made_before(made)  # checked before the form, whose address rule the first account fails
    form.ask_password = not recent.is_recent(current_user)
    answer = recent.refused(form, needed=form.role.data in STAFF_ROLES) if form.is_submitted() else (200, {})
    if not answer:
        try:
            user = accounts.create_user(
                role=form.role.data, name=form.name.data, email=form.email.data,
                password=form.password.data, organization=form.org, phone=form.phone.data or None,
                actor=current_user, password_reentered=form.password_reentered, key=form.submission_key.data,
            )  # fmt: skip
        except once.Repeat as r:
            return _account_made_before(r.entity_id)
        except accounts.AccountError as exc:
            getattr(form, exc.field or "email").errors.append(str(exc))
            answer = (400, {})
        else:
            flash(f"已创建账号 {user.email}（{user.role_label}）", "success")
            return redirect(url_for("admin.users"))
    if form.errors and (made := once.done(form.submission_key.data, "user", current_user)):
        return _account_made_before(made)  # a twin that checked the address while the first was being saved
    # Sent back: the organisations nearest to what was typed, as suggestions that work without scripts too.
    typed = (form.organization.data or "").strip()
    options = services.org_lookup(typed, form.role.data)[0] if typed else []
    return render_template("admin/user_form.html", form=form, org_options=options), *answer


def _account_made_before(user_id):
    """The answer to a repeated create: 303 to the accounts, saying the first submit made it."""
    made = db.session.get(User, user_id) if user_id else None
    if made is not None:
        flash(f"已创建账号 {made.email}（{made.role_label}）", "success")
    return once.see_other(url_for("admin.users"))


@bp.route("/organizations/lookup.json")
@role_required(Role.BROKER, Role.ADMIN)
def organization_lookup():
    """Organisations whose name contains ?q= (at most 20; ?role=enterprise: enterprises, ?role=researcher: the
    others), for the organisation fields of staff forms: 新建账号, 登记走访, the contract's parties."""
    rows, more = services.org_lookup(request.args.get("q"), request.args.get("role"))
    return jsonify({"items": rows, "more": more})


@bp.route("/users/<int:user_id>/active", methods=["GET", "POST"])
@admin_only
def user_active(user_id):
    """Deactivate or reactivate an account. Reactivating hands an account back, so it needs the password
    entered within PASSWORD_CONFIRM_MINUTES, or typed on this page (GET: the page asking for it)."""
    user = get_or_404(User, user_id)
    wanted = request.form.get("active")
    if request.method == "POST" and wanted not in ("0", "1"):  # none or tampered: was taken as 停用, tokens revoked
        flash("请选择停用或启用该账号", "warning")
        return redirect(url_for("admin.users", q=user.email))
    if request.method == "POST" and wanted == "0":
        if user.id == current_user.id:
            flash("不能停用自己的账号", "danger")
        else:
            _set_active(user, False, None)  # taking an account away asks for nothing
        return redirect(referrer_path("/admin/") or url_for("admin.users"))  # the filtered list it was sent from
    if user.active:
        return redirect(url_for("admin.users", q=user.email))
    form = ActivateForm()
    form.ask_password = not recent.is_recent(current_user)
    answer = recent.refused(form) if request.method == "POST" else (200, {})
    if answer:
        return render_template("admin/user_active.html", form=form, user=user), *answer
    _set_active(user, True, form.password_reentered)
    return redirect(url_for("admin.users", q=user.email))


def _set_active(user, active, password_reentered):
    try:
        released = accounts.set_active(user, active, current_user, password_reentered=password_reentered)
    except accounts.AccountError as exc:
        flash(str(exc), "danger")
    else:
        pairs = f"；其 {released} 条进行中的对接已退回未分配，其他经纪人可以认领" if released else ""
        flash(f"已{'启用' if active else '停用'}账号 {user.email}{pairs}", "success")


@bp.route("/users/<int:user_id>/edit", methods=["GET", "POST"])
@admin_only
def user_edit(user_id):
    """Correct an account's name and phone (the user's own 个人资料 form and rules); the e-mail, role and organisation
    are shown. Audited as the admin's change."""
    user = get_or_404(User, user_id)
    form = ProfileForm(obj=user)
    if request.method == "GET":
        form.version.data = profiles.profile_version(user)
    code = None
    if form.validate_on_submit():
        try:
            profiles.save_profile(user, form.data, version=form.version.data, actor=current_user)
        except EditConflict as exc:
            saved = ProfileForm(formdata=None, obj=user)
            code = refuse_stale(form, exc, profiles.profile_version(user), saved)
        except profiles.NoLongerActive as exc:  # deactivated meanwhile: no form to save from
            flash(str(exc), "danger")
            return render_template("admin/user_edit.html", form=None, user=user), 403
        else:
            flash(f"已保存 {user.email} 的姓名和手机", "success")
            return redirect(url_for("admin.users", q=user.email))
    return render_template("admin/user_edit.html", form=form, user=user), code or (400 if form.errors else 200)


@bp.route("/users/<int:user_id>/password", methods=["GET", "POST"])
@admin_only
def user_password(user_id):
    """Set a new password for a user who forgot theirs; the account's sessions end. It hands the account over,
    so it needs the admin's password entered within PASSWORD_CONFIRM_MINUTES, or typed in the form."""
    user = get_or_404(User, user_id)
    if user.id == current_user.id:
        flash("不能在此修改自己的密码，请在「修改密码」页面修改", "warning")
        return redirect(url_for("auth.change_password"))
    form = ResetPasswordForm()
    form.ask_password = not recent.is_recent(current_user)
    answer = recent.refused(form) if form.is_submitted() else (200, {})
    if not answer:
        try:
            accounts.reset_password(user, form.password.data, current_user, key=form.submission_key.data,
                                    password_reentered=form.password_reentered)  # fmt: skip
        except once.Repeat:
            return once.see_other(url_for("admin.users", q=user.email))
        except accounts.AccountError as exc:
            form.password.errors.append(str(exc))
            answer = (400, {})
        else:
            flash(f"已为 {user.name}（{user.email}）设置新密码，其所有登录和个人 API 令牌已失效；请告知本人登录后修改",
                  "success")  # fmt: skip
            return redirect(url_for("admin.users", q=user.email))
    return render_template("admin/user_password.html", form=form, user=user), *answer


@bp.route("/users/<int:user_id>/membership", methods=["POST"])
@admin_only
def user_membership(user_id):
    """Approve or refuse a self-registered user's request to join an organisation."""
    user = get_or_404(User, user_id)
    decision = request.form.get("decision")
    if decision not in ("approve", "refuse"):  # anything else (none, a tampered value) was taken as a refusal
        flash("请选择批准或拒绝该加入申请", "warning")
        return redirect(url_for("admin.users", pending=1))
    approve = decision == "approve"
    try:
        org = accounts.decide_membership(user, approve)
    except accounts.AccountError as exc:
        flash(str(exc), "warning")
    else:
        flash(f"已{'批准' if approve else '拒绝'} {user.name} 加入「{org.name}」", "success")
    return redirect(url_for("admin.users", pending=1))


@bp.route("/organizations")
@admin_only
def organizations():
    """All organisations, filtered and paginated."""
    stmt = services.org_query(request.args.get("kind"), request.args.get("q"))
    page = db.paginate(stmt, per_page=20, error_out=False)
    return render_template("admin/organizations.html", page=page, kinds=OrgKind)


@bp.route("/organizations/new", methods=["GET", "POST"])
@admin_only
def organization_new():
    """Create an organisation, once per form shown."""
    form = OrganizationForm()
    if form.validate_on_submit():
        try:
            org = services.save_organization(Organization(), form.data, key=form.submission_key.data,
                                             actor=current_user)  # fmt: skip
        except once.Repeat as r:
            return _organization_made_before(r.entity_id)
        except services.OrganizationTaken as exc:
            form[exc.field].errors.append(str(exc))
        else:
            flash(f"已创建单位 {org.name}", "success")
            return redirect(url_for("admin.organizations"))
    # A double click's twin, refused by the name rule because the first one's organisation exists now
    if form.errors and (made := once.done(form.submission_key.data, "organization", current_user)):
        return _organization_made_before(made)
    return render_template("admin/organization_form.html", form=form, org=None), 400 if form.errors else 200


def _organization_made_before(org_id):
    """The answer to a repeated create: 303 to the organisations, saying the first submit made it."""
    made = db.session.get(Organization, org_id) if org_id else None
    if made is not None:
        flash(f"已创建单位 {made.name}", "success")
    return once.see_other(url_for("admin.organizations"))


@bp.route("/organizations/<int:org_id>/edit", methods=["GET", "POST"])
@admin_only
def organization_edit(org_id):
    """Edit an organisation."""
    org = get_or_404(Organization, org_id)
    form = OrganizationForm(obj=org, org_id=org.id)
    if request.method == "GET":
        form.version.data = services.organization_version(org)
    code = None
    if form.validate_on_submit():
        try:
            services.save_organization(org, form.data, version=form.version.data)
        except services.OrganizationTaken as exc:
            form[exc.field].errors.append(str(exc))
        except services.OrganizationKindClash as exc:
            form.kind.errors.append(str(exc))
        except EditConflict as exc:
            saved = OrganizationForm(formdata=None, obj=org, org_id=org.id)
            code = refuse_stale(form, exc, services.organization_version(org), saved)
        else:
            flash("单位信息已保存", "success")
            return redirect(url_for("admin.organizations"))
    return render_template("admin/organization_form.html", form=form, org=org), code or (400 if form.errors else 200)
