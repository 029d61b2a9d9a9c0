"""Request-level wiring: login loading, error pages, security headers, template helpers."""

import functools
import re
from datetime import datetime

from flask import abort, current_app, render_template, request
from flask_login import AnonymousUserMixin, current_user
from flask_wtf.csrf import CSRFError
from sqlalchemy import func
from sqlalchemy.orm import Session

from .extensions import db, login_manager
from .models import Notification, User
from .models.enums import LabelledEnum
from .notifications.services import unread_count
from .utils import clock, money, once
from .utils.inputs import year_filter
from .utils.reasons import own_description
from .utils.text import typed_labels
from .utils.urls import answers_get, from_this_site, referrer_path

# A value a select or radio sent (public, self, technology_development): no words the user typed, nor shown with a label
# here (the form is not bound before its token is checked), so left out of what is shown to copy back.
_CHOICE = re.compile(r"[a-z][a-z0-9_]*")

CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; "
    "font-src 'self'; connect-src 'self'; object-src 'none'; base-uri 'self'; form-action 'self'; "
    "frame-ancestors 'none'"
)

NUL_IN_ADDRESS = "网址中含有空字符（NUL），无法处理：请检查链接或重新输入搜索条件"
NOT_A_FORM = "提交的内容不是表单，无法读取，没有保存任何更改：请刷新页面后重新填写提交"
FORM_TYPES = ("application/x-www-form-urlencoded", "multipart/form-data")


class Anonymous(AnonymousUserMixin):
    role = None
    is_admin = is_broker = is_staff = False
    organization_id = None
    id = None

    def has_role(self, *roles):
        return False


@functools.cache
def _user_with_unread():
    """The user and the unread count the header shows, in one round trip (a kept page is keyed on it);
    built once (building it took a millisecond of a kept page's few)."""
    unread = (
        db.select(func.count(Notification.id))
        .where(Notification.user_id == User.id, Notification.read_at.is_(None))
        .scalar_subquery()
    )
    return db.select(User, unread).where(User.id == db.bindparam("user_id"))


def _checked(row, session_token):
    if row is None or not row[0].active or row[0].session_token != session_token:
        return None
    user, user.unread_when_loaded = row
    return user


@login_manager.user_loader
def load_user(token):
    """Sessions carry "id:session_token"; a changed token ends the session."""
    user_id, _, session_token = (token or "").partition(":")
    if not user_id.isdigit():
        return None
    return _checked(db.session.execute(_user_with_unread(), {"user_id": int(user_id)}).first(), session_token)


def peek_user(token):
    """The user ``load_user`` would give, read outside the request's session on a connection without a
    transaction, and detached: on PostgreSQL no BEGIN and ROLLBACK around the one query (two round
    trips), for a request answered from a kept page with nothing else to read. None as load_user."""
    user_id, _, session_token = (token or "").partition(":")
    if not user_id.isdigit():
        return None
    with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        with Session(bind=conn) as reader:
            return _checked(reader.execute(_user_with_unread(), {"user_id": int(user_id)}).first(), session_token)


def header_unread_count():
    """The header's unread count: as read with the user at the start of the request (load_user)."""
    if not current_user.is_authenticated:
        return 0
    count = getattr(current_user, "unread_when_loaded", None)
    return unread_count(current_user) if count is None else count


def register_web(app):
    """Install handlers and helpers on the app."""
    login_manager.login_view = "auth.login"
    login_manager.login_message = "请先登录"
    login_manager.login_message_category = "warning"
    login_manager.anonymous_user = Anonymous
    login_manager.session_protection = "basic"

    @app.before_request
    def refuse_nul():
        """A NUL in a query argument is never meant (PostgreSQL refuses it in text): 400. Form fields are
        cleaned by the forms themselves (utils/text.py)."""
        if any("\x00" in k or "\x00" in v for k, v in request.args.items(multi=True)):
            abort(400, description=NUL_IN_ADDRESS)

    @app.before_request
    def refuse_what_is_not_a_form():
        """A write to a page (the API aside) whose body is not a form (another Content-Type, or a body without one):
        400. Finding no form data, a form validates the values it was filled with from the record, and an edit page
        flashed 已保存 while changing nothing (CSRF refuses it in production, where the token is in the form too).
        A bare POST of a button (no body, no type) is a form of no fields, as before."""
        if request.method not in ("POST", "PUT", "PATCH") or request.path.startswith("/api/"):
            return
        if request.mimetype in FORM_TYPES:
            # An empty form (the type, no body) passes: on the wire it is a form of no fields, what a button's form
            # sends with CSRF off (tests, a browser run without it), so it cannot be refused here. Nothing is harmed:
            # with CSRF on, every page's write wants the token in the body and refuses it (400 表单已失效) before
            # the view, edit pages included; the only page exempt, elder_mode, reads an absent field as "off"
            # (a display preference, its Origin checked). Pinned by tests/security/test_not_a_form.py.
            return
        if request.mimetype or (request.content_length or 0) > 0:
            abort(400, description=NOT_A_FORM)

    @app.after_request
    def security_headers(resp):
        resp.headers.setdefault("Content-Security-Policy", CSP)
        resp.headers.setdefault("X-Content-Type-Options", "nosniff")
        resp.headers.setdefault("X-Frame-Options", "DENY")
        resp.headers.setdefault("Referrer-Policy", "same-origin")
        if current_user.is_authenticated and request.endpoint != "static":
            resp.headers.setdefault("Cache-Control", "no-store")
        return resp

    def error_page(code, title, message):
        def handler(exc):
            if request.path.startswith("/api/"):  # an unknown API URL or method: JSON like the API's own errors
                from .api.errors import from_http_exception

                return from_http_exception(exc)
            if getattr(exc, "response", None) is not None:  # a page made for this refusal (a limit's on_breach)
                return exc.response
            if code == 500:  # a failed statement leaves the session unusable: the page's own queries need it
                db.session.rollback()
            shown = own_description(exc) or message
            return render_template("errors/error.html", code=code, title=title, message=shown), code

        return handler

    app.register_error_handler(400, error_page(400, "请求有误", "请求格式不正确，请返回重试。"))
    app.register_error_handler(403, error_page(403, "无权访问", "您没有权限访问此页面或执行此操作。"))
    app.register_error_handler(404, error_page(404, "页面不存在", "您访问的页面不存在，或已被删除。"))
    app.register_error_handler(405, error_page(405, "不支持的请求", "此页面不支持该请求方式。"))
    app.register_error_handler(413, error_page(413, "文件过大", "上传的文件超过了允许的大小，请拆分后重试。"))
    app.register_error_handler(429, error_page(429, "操作过于频繁", "您的操作过于频繁，请稍后再试。"))
    app.register_error_handler(
        500, error_page(500, "服务器错误", "服务器处理请求时出错，我们已记录此问题，请稍后再试。")
    )

    @app.errorhandler(once.Changed)
    def changed_form(exc):
        """A form sent back (后退) with other values and its used key, to a view that does not answer that itself:
        told as the views that do (此表单已提交过一次…本次改动未办理), nothing carried out, what was typed kept in a
        form to send again with a fresh key. It was answered as a plain repeat: the first submit's row, the change
        lost without a word."""
        db.session.rollback()
        typed = [(k, v) for k, v in request.form.items(multi=True) if k not in ("csrf_token", once.FIELD)]
        typed = [(k, v) for k, v in typed if "password" not in k]  # never written into a page
        shown = typed_labels(
            (k, v) for k, v in typed if k not in once.NOT_TYPED and k not in once.BUTTONS and v.strip()
        )
        back = referrer_path()
        back = back if back and answers_get(back) else None
        return render_template("errors/changed.html", message=exc.message, typed=typed, shown=shown, back=back), 409

    @app.errorhandler(CSRFError)
    def csrf_error(exc):
        """A form whose token is not this session's (a page left open over a logout and a login, or from before
        a restart of the session): nothing done. Sent from one of our pages, what was typed is shown to copy
        back (it was lost with the page), never as a form to send again (the login may be someone else's now);
        a post from another site gets the bare message (a page of ours would show its words)."""
        msg = "页面已过期或表单校验失败（CSRF），请刷新页面后重新提交。"
        typed = []
        if from_this_site():
            skip = once.NOT_TYPED | once.BUTTONS | {"version"}
            typed = [v for k, v in request.form.items(multi=True) if k not in skip and "password" not in k]
            typed = [v for v in typed if v.strip() and not _CHOICE.fullmatch(v)]
        back = referrer_path() if typed else None
        back = back if back and answers_get(back) else None
        page = render_template("errors/error.html", code=400, title="表单已失效", message=msg, typed=typed, back=back)
        return page, 400

    @app.context_processor
    def helpers():
        return {
            "has_endpoint": lambda ep: ep in current_app.view_functions,
            "today": clock.today(),
            "unread_count": header_unread_count(),
        }

    @app.template_filter("label")
    def label_filter(value, enum_cls: type[LabelledEnum]):
        return enum_cls.label_of(value)

    # Money, shown the same way on every page (utils/money.py).
    app.add_template_global(once.new_key, "submission_key")  # one-time key of a hand-written form
    app.add_template_global(lambda raw: year_filter(raw)[1], "year_notice")  # a 年度 box's unreadable text
    app.add_template_filter(money.format_wan, "wan")
    app.add_template_filter(money.format_listing_amount, "listing_amount")

    @app.template_filter("dt")
    def dt_filter(value, fmt="%Y-%m-%d %H:%M"):
        """A stored moment (naive UTC, or aware) in Beijing time; a date as it is."""
        if isinstance(value, datetime):
            value = clock.to_local(value)
        return value.strftime(fmt) if value else ""

    @app.template_filter("wall")
    def wall_filter(value, fmt="%Y-%m-%d %H:%M"):
        """A time typed in Beijing time and kept so (a class's or an event's start), as it is."""
        return value.strftime(fmt) if value else ""
