"""The /api/v1 blueprint: authentication hook, error handlers, the OpenAPI document and its page."""

import json
from collections.abc import Mapping

import flask
from flask import current_app, g, jsonify, render_template, url_for
from flask_login import current_user
from flask_smorest import Blueprint
from marshmallow import fields, missing
from webargs.flaskparser import FlaskParser, is_json_request
from werkzeug.exceptions import HTTPException

from ..extensions import csrf, limiter
from ..models.enums import ApiScope
from . import errors, schemas
from .auth import address_rate, authenticate_request, mark, public, rate_key, token_rate


class ApiParser(FlaskParser):
    """webargs' parser with the API's rules: an unknown query argument is refused like an unknown body field
    (the schemas' own ``unknown``, RAISE: a misspelt filter must not answer with the unfiltered list)."""

    DEFAULT_UNKNOWN_BY_LOCATION = FlaskParser.DEFAULT_UNKNOWN_BY_LOCATION | {"query": None, "querystring": None}

    def load_querystring(self, req, schema):
        """The query arguments; one given twice (``?zone=1&zone=2``) is refused: the first alone was read, and
        the answer passed for the list filtered by both."""
        repeated = sorted({k for k, v in req.args.lists() if len(v) > 1 and _is_single(schema, k)})
        if repeated:
            raise errors.ApiError(422, "validation_error", "参数校验失败",
                                  errors={k: ["此参数只能出现一次"] for k in repeated})  # fmt: skip
        return super().load_querystring(req, schema)

    def _raw_load_json(self, req):
        """The JSON body. Another content type is 415 (not "缺少此参数" on every field that was sent), and a
        body Python's decoder will not read (nested too deeply, a number too long) is invalid JSON (400), not a 500."""
        if not is_json_request(req) and req.get_data(cache=True):
            raise errors.ApiError(415, detail="请求体应为 JSON（Content-Type: application/json）")
        try:
            data = super()._raw_load_json(req)
        except json.JSONDecodeError:
            raise
        except (RecursionError, ValueError):  # nested too deeply; an integer past Python's 4300 digits
            raise json.JSONDecodeError("not readable", "-", 0) from None
        try:  # JSON may spell a lone surrogate ("\ud800"), which no UTF-8 text (a hash, the database) can hold
            if data is not missing:
                json.dumps(data, ensure_ascii=False).encode()
        except UnicodeEncodeError:
            raise errors.ApiError(400, detail="请求体含有无效的 Unicode 字符（单独的代理项，如 \\ud800）") from None
        return data

    def handle_error(self, error, req, schema, *, error_status_code, error_headers):
        """webargs' 422 with the schema's own fields first, then unknown names in the order they were sent
        (marshmallow lists them in a set's order), as the problem lists only the first errors.MAX_LISTED. One pass
        over the names: a body of 100,000 unknown fields costs what reading it costs."""
        sent = error.data if isinstance(error.data, Mapping) else {}
        known = {f.data_key or name for name, f in schema.fields.items()}
        for location, messages in error.messages.items():
            if isinstance(messages, dict) and len(messages) > errors.MAX_LISTED:
                first = {k: v for k, v in messages.items() if k in known}
                first |= {k: messages[k] for k in sent if k in messages and k not in first}
                first |= {k: v for k, v in messages.items() if k not in first}  # "_schema", if any
                error.messages[location] = first
        super().handle_error(error, req, schema, error_status_code=error_status_code, error_headers=error_headers)

    def _handle_invalid_json_error(self, error, req, *args, **kwargs):
        raise errors.ApiError(400, detail="请求体不是有效的 JSON")


def _is_single(schema, key):
    """Whether the query argument ``key`` takes one value (every argument but a list field's)."""
    field = next((f for f in schema.fields.values() if (f.data_key or f.name) == key), None)
    return not isinstance(field, fields.List)


class ApiBlueprint(Blueprint):
    ARGUMENTS_PARSER = ApiParser()


bp = ApiBlueprint("api", __name__, url_prefix="/api/v1", description="平台数据接口（只读为主）")
csrf.exempt(bp)  # no cookie authenticates an API call, so there is nothing for CSRF to forge
limiter.limit(token_rate, key_func=rate_key)(bp)
limiter.limit(address_rate)(bp)
bp.before_request(authenticate_request)

for _status in errors.HANDLED:
    bp.register_error_handler(_status, errors.from_http_exception)
bp.register_error_handler(HTTPException, errors.from_http_exception)
bp.register_error_handler(errors.ApiError, errors.from_api_error)

# Documented on every guarded operation (components registered by flask-smorest, as problem+json).
GUARD_RESPONSES = {400: "BAD_REQUEST", 401: "UNAUTHORIZED", 403: "FORBIDDEN", 404: "NOT_FOUND",
                   429: "TOO_MANY_REQUESTS"}  # fmt: skip


def requires(*roles, scope=ApiScope.READ.value):
    """Guard and document an API view: a bearer token with ``scope`` whose user has one of ``roles``."""

    def decorator(view):
        for status, name in GUARD_RESPONSES.items():
            view = bp.alt_response(status, response=name)(view)
        view = bp.doc(security=[{"bearerAuth": []}])(view)
        return mark(view, roles, scope)

    return decorator


@public
def openapi_json():
    """The OpenAPI 3 document of this API, generated from the code."""
    return jsonify(current_app.extensions["matchmaker-api"].spec.to_dict())


@public
def docs():
    """A browsable page of the OpenAPI document (Swagger UI, served from static/vendor)."""
    return render_template("api/docs.html", spec_url=url_for("api.openapi_json"))


@public
def index():
    """/api/v1/ (and /api/, which redirects here): a short Chinese page naming the docs and the document."""
    return render_template("api/index.html", docs_url=url_for("api.docs"), spec_url=url_for("api.openapi_json"))


# Plain Flask routes: the document and its page are not operations of the API they describe.
flask.Blueprint.add_url_rule(bp, "/", view_func=index)
flask.Blueprint.add_url_rule(bp, "/openapi.json", view_func=openapi_json)
flask.Blueprint.add_url_rule(bp, "/docs", view_func=docs)


@bp.route("/me")
@requires()
@bp.response(200, schemas.Me)
@bp.doc(summary="令牌所属账号", description="调用者的账号、角色、单位与令牌信息，用于检查令牌是否可用。")
def me():
    """The token's account."""
    user, token = current_user, g.api_token
    org = user.organization
    return {
        "id": user.id, "name": user.name, "role": user.role,
        "organization": {"id": org.id, "name": org.name} if org else None,
        "token": {"name": token.name, "kind": token.kind, "scopes": sorted(token.scope_set),
                  "expires_at": token.expires_at},
    }  # fmt: skip
