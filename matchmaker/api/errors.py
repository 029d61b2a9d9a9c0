"""Errors of the JSON API as RFC 9457 problem details, with Chinese titles and a stable ``code``."""

from itertools import islice

from flask import jsonify
from werkzeug.exceptions import HTTPException

from ..utils.reasons import own_description

PROBLEM_TYPE = "application/problem+json"

# status: (code, Chinese title)
TITLES = {
    400: ("bad_request", "请求参数有误"),
    401: ("unauthorized", "未认证"),
    403: ("forbidden", "无权访问"),
    404: ("not_found", "资源不存在"),
    405: ("method_not_allowed", "不支持的请求方式"),
    409: ("conflict", "请求与当前状态冲突"),
    413: ("payload_too_large", "请求内容过大"),
    415: ("unsupported_media_type", "不支持的内容类型"),
    422: ("validation_error", "参数校验失败"),
    429: ("rate_limited", "请求过于频繁，请稍后再试"),
    500: ("server_error", "服务器错误"),
}
HANDLED = tuple(TITLES)

# An error names at most this many fields (a body of 100,000 unknown fields answered with all of them, megabytes),
# each name cut to MAX_NAME characters; ``detail`` counts the rest.
MAX_LISTED = 20
MAX_NAME = 100


class ApiError(Exception):
    """Raised by API views: becomes a problem response with this status, code and title."""

    def __init__(self, status, code=None, title=None, detail=None, headers=None, errors=None):
        super().__init__(title or TITLES.get(status, TITLES[400])[1])
        default_code, default_title = TITLES.get(status, ("error", "请求失败"))
        self.status, self.code = status, code or default_code
        self.title, self.detail, self.headers = title or default_title, detail, headers or {}
        self.errors = errors


def problem(status, code=None, title=None, detail=None, errors=None, headers=None):
    """A problem+json response."""
    default_code, default_title = TITLES.get(status, ("error", "请求失败"))
    body = {"type": "about:blank", "title": title or default_title, "status": status, "code": code or default_code}
    if errors:
        total, errors = len(errors), _listed(errors)
        if total > MAX_LISTED:
            note = f"共 {total} 项错误，仅列出前 {MAX_LISTED} 项，其余 {total - MAX_LISTED} 项未列出"
            detail = f"{detail}；{note}" if detail else note
        body["errors"] = errors
    if detail:
        body["detail"] = detail
    resp = jsonify(body)
    resp.status_code = status
    resp.mimetype = PROBLEM_TYPE
    for k, v in (headers or {}).items():
        resp.headers[k] = v
    if status == 401:
        resp.headers.setdefault("WWW-Authenticate", 'Bearer realm="matchmaker"')
    return resp


def _listed(errors):
    """The first MAX_LISTED entries of ``errors``, names longer than MAX_NAME cut (an unknown field's name is the
    client's text, up to the body's size)."""
    cut = lambda name: name if not isinstance(name, str) or len(name) <= MAX_NAME else name[:MAX_NAME] + "…"  # noqa: E731
    return {cut(k): v for k, v in islice(errors.items(), MAX_LISTED)}


def from_http_exception(exc: HTTPException):
    """Any HTTPException raised inside the API (abort, webargs validation, rate limits) as a problem."""
    status = exc.code or 500
    errors = None
    data = getattr(exc, "data", None) or {}
    if isinstance(data, dict) and data.get("messages"):
        # webargs: {"query": {"limit": ["..."]}} -> {"limit": ["..."]}
        messages = data["messages"]
        errors = {}
        for part in messages.values() if isinstance(messages, dict) else []:
            if isinstance(part, dict):
                errors.update(part)
        errors = errors or None
    detail = own_description(exc)
    if status == 429:
        detail = "已超过该令牌的请求频率限制"
    elif status == 405:
        detail = "此接口不支持该请求方式"
    headers = {}
    if status == 405 and getattr(exc, "valid_methods", None):
        headers["Allow"] = ", ".join(exc.valid_methods)
    if status == 429:
        headers["Retry-After"] = str(_retry_after())
    return problem(status, errors=errors, detail=detail, headers=headers)


def _retry_after():
    """Seconds until the breached rate limit's window resets (60 when unknown)."""
    import time

    from ..extensions import limiter

    current = getattr(limiter, "current_limit", None)
    return max(1, int(current.reset_at - time.time())) if current else 60


def from_api_error(exc: ApiError):
    return problem(exc.status, exc.code, exc.title, exc.detail, errors=exc.errors, headers=exc.headers)
