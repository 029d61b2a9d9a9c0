"""Pages to create and revoke API tokens: each user's own, and the admins' service tokens."""

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user

from ..auth import recent
from ..auth.decorators import get_or_404, login_required, role_required
from ..extensions import db
from ..models import ApiToken, Role
from ..models.enums import ApiTokenKind
from ..utils import once
from . import services
from .forms import ServiceTokenForm, TokenForm

bp = Blueprint("tokens", __name__)


REPEATED = (
    "这是一次重复提交，没有再创建令牌：令牌“{name}”已在第一次提交时创建，令牌只显示那一次。"
    "如果没有保存它，请撤销该令牌后重新创建。"
)


def _repeated(token_id, back):
    """The answer to a repeated create: 303 to the list, naming the token the first submit made."""
    token = db.session.get(ApiToken, token_id) if token_id else None
    if token is not None:
        flash(REPEATED.format(name=token.name), "warning")
    return once.see_other(url_for(back))


def _mine_page(form, created=None, status=200, headers=None):
    page = db.paginate(services.tokens_of(current_user), per_page=20, error_out=False)
    return render_template("tokens/index.html", form=form, page=page, created=created), status, headers or {}


@bp.route("/", methods=["GET", "POST"])
@login_required
def index():
    """The user's API tokens; a new one is shown once, on the page that created it. Making one needs the
    password entered within PASSWORD_CONFIRM_MINUTES, or typed in the form (auth/recent.py)."""
    form, seen = TokenForm(), current_user.session_token  # as this request authenticated it
    form.ask_password = not recent.is_recent(current_user)
    answer = recent.refused(form) if form.is_submitted() else (200, {})  # the page to show instead of a new token
    if answer:
        return _mine_page(form, None, *answer)
    try:
        row, raw = services.issue(current_user, current_user, form.name.data, form.scopes, form.days.data,
                                  key=form.submission_key.data, password_reentered=form.password_reentered,
                                  session_seen=seen)  # fmt: skip
    except once.Repeat as r:
        return _repeated(r.entity_id, "tokens.index")
    except services.NameTaken as exc:
        form.name.errors = [*form.name.errors, str(exc)]
        return _mine_page(form, status=400)
    except services.TokenError as exc:
        flash(str(exc), "danger")
        return _mine_page(form, status=400)
    return _mine_page(TokenForm(formdata=None), created=(row, raw))


@bp.route("/<int:token_id>/revoke", methods=["POST"])
@login_required
def revoke(token_id):
    """Revoke one of the user's tokens (admins: anyone's)."""
    token = get_or_404(ApiToken, token_id)
    if not token.can_manage(current_user):
        abort(404)
    services.revoke(current_user, token)
    flash(f"令牌“{token.name}”已撤销，使用它的请求将被拒绝", "success")
    back = "tokens.manage" if request.form.get("back") == "manage" and current_user.is_admin else "tokens.index"
    return redirect(url_for(back))


@bp.route("/manage", methods=["GET", "POST"])
@role_required(Role.ADMIN)
def manage():
    """Every token; admins issue service tokens for the bureau's other systems here, with the password
    entered within PASSWORD_CONFIRM_MINUTES or typed in the form (auth/recent.py)."""
    form, seen = ServiceTokenForm(), current_user.session_token  # as this request authenticated it
    form.ask_password = not recent.is_recent(current_user)
    created, answer = None, recent.refused(form) if form.is_submitted() else (200, {})  # None: make the token
    status, headers = answer or (200, {})
    if not answer:
        try:
            created = services.issue(current_user, form.user, form.name.data, form.scopes, form.days.data,
                                     kind=ApiTokenKind.SERVICE.value, key=form.submission_key.data,
                                     password_reentered=form.password_reentered, session_seen=seen)  # fmt: skip
            form = ServiceTokenForm(formdata=None)
        except once.Repeat as r:
            return _repeated(r.entity_id, "tokens.manage")
        except services.NameTaken as exc:
            form.name.errors = [*form.name.errors, str(exc)]
            status = 400
        except services.TokenError as exc:
            flash(str(exc), "danger")
            status = 400
    state = request.args.get("state")
    page = db.paginate(services.all_tokens(state), per_page=30, error_out=False)
    html = render_template("tokens/manage.html", form=form, page=page, created=created, state=state)
    return html, status, headers
