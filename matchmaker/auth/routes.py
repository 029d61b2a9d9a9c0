"""Login, logout, registration, password change and one's own profile pages."""

from flask import Blueprint, current_app, flash, redirect, render_template, request, session, url_for
from flask_login import current_user, login_user, logout_user

from ..extensions import limiter
from ..models import Role
from ..utils import once
from ..utils.urls import safe_next
from ..utils.versions import EditConflict, refuse_stale
from . import profile as profiles
from . import recent, registration, reset, services
from .decorators import login_required, public, role_required
from .forms import (
    ChangePasswordForm,
    ForgotPasswordForm,
    LoginForm,
    OrganizationContactsForm,
    ProfileForm,
    RegisterForm,
    ResetPasswordForm,
)

bp = Blueprint("auth", __name__)


@bp.route("/login", methods=["GET", "POST"])
@limiter.limit("60 per minute", methods=["POST"])
@public
def login():
    """Log in with e-mail and password; failures are throttled per account and address."""
    if current_user.is_authenticated:
        return redirect(url_for("main.dashboard"))
    form = LoginForm()
    if form.validate_on_submit():
        try:
            user = services.log_in(form.email.data, form.password.data, request.remote_addr)
        except services.LoginRefused as exc:
            form[exc.field].errors.append(str(exc))
            headers = {"Retry-After": str(exc.retry_after)} if exc.retry_after else {}
            return render_template("auth/login.html", form=form), exc.status, headers
        _log_in(user, remember=form.remember.data)  # only now: a login whose commit failed logs nobody in
        recent.stamp(user)
        flash(f"欢迎回来，{user.name}", "success")
        return redirect(safe_next(request.args.get("next")) or url_for("main.dashboard"))
    return render_template("auth/login.html", form=form)


def _log_in(user, remember=False):
    """Log ``user`` in on a new session: nothing the browser's session held before carries over (a CSRF secret
    planted in it or seen by someone else, another account's keys: session fixation)."""
    session.clear()
    login_user(user, remember=remember)
    if not remember and current_app.config.get("REMEMBER_COOKIE_NAME", "remember_token") in request.cookies:
        # A remember-me cookie left in the browser (dead: ended by a logout elsewhere) goes: a password change
        # made in this login would take it for 记住我 and remember this device, which the user declined.
        session["_remember"] = "clear"


@bp.route("/logout", methods=["POST"])
@login_required
def logout():
    """Log out (POST only, so a link elsewhere cannot log a user out); copies of the cookies die too."""
    services.logout(current_user._get_current_object())
    session.clear()  # nothing of this login (its CSRF secret, its password stamp) is left to whoever comes next
    logout_user()  # after the clear: it marks the remember-me cookie for deletion in the session
    flash("您已退出登录", "info")
    return redirect(url_for("main.index"))


def _fill_register_choices(form):
    from ..main.services import choice_list

    form.town.choices = [("", "请选择")] + [(t, t) for t in choice_list("town")]
    form.industry.choices = [("", "请选择")] + [(t, t) for t in choice_list("industry")]


@bp.route("/register", methods=["GET", "POST"])
@limiter.limit("20 per hour", methods=["POST"])
@public
def register():
    """Self-registration for enterprise users and researchers: a link is mailed to confirm the address.

    The answer is the same whether or not the address has an account (no enumeration)."""
    if current_user.is_authenticated:
        return redirect(url_for("main.dashboard"))
    form = RegisterForm()
    _fill_register_choices(form)
    if form.validate_on_submit():
        fields = {k: getattr(form, k).data for k in registration.FIELDS}
        registration.start(fields, form.password.data, request.host_url)
        return render_template("auth/register_sent.html", email=form.email.data.strip().lower())
    return render_template("auth/register.html", form=form, roles=Role), 400 if form.errors else 200


@bp.route("/register/confirm", methods=["GET", "POST"])
@public
def register_confirm():
    """Open the mailed link (GET shows what will be created), confirm with POST: the account exists."""
    token = request.values.get("token", "")
    try:
        data = registration.read(token)
    except registration.LinkError as exc:
        return render_template("auth/register_confirm.html", error=str(exc)), 400
    if request.method == "GET":  # a used link (opened again, or Back after confirming) offers no second confirm
        done = registration.registered(data)
        return render_template("auth/register_confirm.html", data=data, token=token, done=done)
    try:
        user = registration.finish(token)
    except services.EmailTaken:
        flash("该邮箱已完成注册，请直接登录", "warning")
        return redirect(url_for("auth.login"))
    except services.AccountError as exc:  # e.g. the organisation named now clashes with one registered since
        return render_template("auth/register_confirm.html", error=f"无法完成注册：{exc}"), 409
    _log_in(user)
    if user.requested_organization:
        what = "科技成果" if user.role == Role.RESEARCHER else "技术需求"  # a researcher posts no needs
        flash(f"注册成功。您申请加入的「{user.requested_organization.name}」已在平台登记，"
              f"平台管理员核实后您即可代表该单位发布和管理{what}", "info")  # fmt: skip
    else:
        flash("注册成功，欢迎使用平台", "success")
    return redirect(url_for("main.dashboard"))


@bp.route("/password", methods=["GET", "POST"])
@login_required
def change_password():
    """Change one's own password; other sessions end."""
    form = ChangePasswordForm()
    if form.validate_on_submit():
        try:
            revoked = services.change_password(current_user, form.current.data, form.password.data)
        except services.AccountError as exc:
            form.current.errors.append(str(exc))
        else:
            # keep this session under the new token, and this device remembered if it was
            remembered = current_app.config.get("REMEMBER_COOKIE_NAME", "remember_token") in request.cookies
            _log_in(current_user._get_current_object(), remember=remembered)
            recent.stamp(current_user)
            tokens = f"，您的 {revoked} 个 API 令牌已撤销（如仍需要请重新创建）" if revoked else ""
            flash(f"密码已修改，其他设备上的登录已失效{tokens}", "success")
            return redirect(url_for("main.dashboard"))
    return render_template("auth/password.html", form=form), 400 if form.errors else 200


@bp.route("/forgot", methods=["GET", "POST"])
@limiter.limit("10 per hour", methods=["POST"])
@public
def forgot_password():
    """Ask for a reset link by e-mail; the answer is the same whether or not the address has an account."""
    if current_user.is_authenticated:
        return redirect(url_for("auth.change_password"))
    form = ForgotPasswordForm()
    if form.validate_on_submit():
        reset.request_reset(form.email.data, request.host_url)
        return render_template("auth/forgot_sent.html", email=form.email.data.strip().lower())
    return render_template("auth/forgot.html", form=form), 400 if form.errors else 200


@bp.route("/reset", methods=["GET", "POST"])
@limiter.limit("30 per hour", methods=["POST"])
@public
def reset_password():
    """Set a new password through a mailed link (works once, for PASSWORD_RESET_HOURS); every session
    of the account ends, and the login throttle forgets the account's failures."""
    form = ResetPasswordForm()
    token = request.args.get("token", "")
    account_id = reset.account_id(token)  # a key used on another account's link is not a repeat here
    if request.method == "POST" and once.done(form.submission_key.data, "user_password", target=account_id):
        return once.see_other(url_for("auth.login"))  # a repeated submit: the first one set the password
    try:
        user = reset.read(token)
    except reset.LinkError as exc:
        return render_template("auth/reset.html", error=str(exc)), 400
    if form.validate_on_submit():
        try:
            services.reset_own_password(user, form.password.data, key=form.submission_key.data)
        except once.Repeat:
            return once.see_other(url_for("auth.login"))
        except services.AccountError as exc:  # the link was spent by another tab at the same moment
            return render_template("auth/reset.html", error=str(exc)), 400
        if current_user.is_authenticated:
            logout_user()
        flash("密码已重置，所有设备上的登录均已失效，请使用新密码登录", "success")
        return redirect(url_for("auth.login"))
    return render_template("auth/reset.html", form=form, user=user, token=token), 400 if form.errors else 200


@bp.route("/profile", methods=["GET", "POST"])
@login_required
def profile():
    """One's own name and phone (个人资料); the e-mail, role and organisation are shown, an admin changes them."""
    user = current_user._get_current_object()
    form = ProfileForm(obj=user)
    if request.method == "GET":
        form.version.data = profiles.profile_version(user)
    code = None
    if form.validate_on_submit():
        try:
            profiles.save_profile(user, form.data, version=form.version.data)
        except EditConflict as exc:
            saved = ProfileForm(formdata=None, obj=user)
            code = refuse_stale(form, exc, profiles.profile_version(user), saved)
        except profiles.NoLongerActive as exc:  # deactivated meanwhile: no form to save from
            flash(str(exc), "danger")
            return render_template("auth/profile.html", form=None, user=user), 403
        else:
            flash("个人资料已保存", "success")
            return redirect(url_for("auth.profile"))
    return render_template("auth/profile.html", form=form, user=user), code or (400 if form.errors else 200)


@bp.route("/organization")
@login_required
def organization():
    """One's organisation as registered (本单位信息), with a form for its contact details to those who keep them
    (Organization.can_edit_contacts), read-only to everyone else."""
    org = current_user.organization
    form = None
    if org is not None and org.can_edit_contacts(current_user):
        form = OrganizationContactsForm(obj=org)
        form.version.data = profiles.contacts_version(org)
    return render_template("auth/organization.html", org=org, form=form)


@bp.route("/organization", methods=["POST"])
@role_required(Role.ENTERPRISE)
def organization_save():
    """Save the contact details of one's own enterprise (a member's, its request to join approved)."""
    org = current_user.organization
    if org is None or not org.can_edit_contacts(current_user):
        # A request to join still pending (say, a tab left open): the page saying why nothing can be changed yet.
        return render_template("auth/organization.html", org=org, form=None), 403
    form = OrganizationContactsForm(obj=org)
    code = None
    if form.validate_on_submit():
        try:
            profiles.save_contacts(org, form.data, current_user, version=form.version.data)
        except EditConflict as exc:
            saved = OrganizationContactsForm(formdata=None, obj=org)
            code = refuse_stale(form, exc, profiles.contacts_version(org), saved)
        except profiles.NoLongerKeeper as exc:  # deactivated or moved meanwhile: no form to save from
            flash(str(exc), "danger")
            return render_template("auth/organization.html", org=org, form=None), 403
        else:
            flash("本单位联系方式已保存", "success")
            return redirect(url_for("auth.organization"))
    return render_template("auth/organization.html", org=org, form=form), code or (400 if form.errors else 200)
