"""Contracts (brokers and admins, as the contracts page): with their online-signing state."""

import hashlib
import json

from flask import url_for
from flask_login import current_user
from werkzeug.datastructures import MultiDict

from ..contracts import services
from ..contracts.forms import ContractForm
from ..contracts.signing_services import contract_state
from ..extensions import db
from ..models import ApiIdempotencyKey, Channel, Contract, ContractDocument, DocumentStatus, MatchSuggestion, Role
from ..models.enums import ApiScope
from . import pagination, schemas
from .errors import ApiError
from .lookup import get_or_404
from .routes import bp, requires

SIGNING = {DocumentStatus.SIGNED.value: "signed_online", DocumentStatus.AWAITING.value: "awaiting_signatures"}


def signing_states(ids):
    """{contract id: "signed_online" / "awaiting_signatures"}; contracts absent were recorded by a broker."""
    if not ids:
        return {}
    rows = db.session.execute(
        db.select(ContractDocument.contract_id, ContractDocument.status).where(
            ContractDocument.contract_id.in_(ids), ContractDocument.status.in_(SIGNING)
        )
    )
    out = {}
    for cid, status in rows:
        if out.get(cid) != "signed_online":
            out[cid] = SIGNING[status]
    return out


def dump(c, signing):
    ref = lambda o: {"id": o.id, "name": o.name} if o else None  # noqa: E731
    return {
        "id": c.id, "url": url_for("contracts.detail", contract_id=c.id, _external=True),
        "contract_no": c.contract_no, "registration_no": c.registration_no, "type": c.type, "title": c.title,
        "buyer": ref(c.buyer), "seller": ref(c.seller), "amount": c.amount, "transaction_amount": c.transaction_amount,
        "signed_on": c.signed_on, "registration_status": c.registration_status, "registered_on": c.registered_on,
        "channel": c.channel, "signing": signing.get(c.id, "recorded"), "broker": ref(c.broker),
        "need_id": c.need_id, "result_id": c.result_id, "suggestion_id": c.suggestion_id, "event_id": c.event_id,
        "zone_id": c.zone_id, "industry": c.industry, "town": c.town, "voided": c.voided,
        "void_reason": c.void_reason, "created_at": c.created_at, "updated_at": c.updated_at, "version": c.version,
    }  # fmt: skip


ContractPage = schemas.page_of(schemas.Contract, "ContractPage")
staff = requires(Role.BROKER, Role.ADMIN)


@bp.route("/contracts")
@staff
@bp.arguments(schemas.ContractArgs, location="query")
@bp.response(200, ContractPage)
@bp.doc(summary="技术合同列表", description="经纪人看到记在自己名下或由自己登记的合同，管理员看到全部；签订日期新者在前。"
        "signing 给出网上签约状态。金额以元为单位的字符串给出。")  # fmt: skip
def contracts_list(args):
    """Contracts the token's user may see, filtered like the contracts page."""
    filters = {k: v for k, v in args.items() if k not in ("limit", "cursor")}
    if args.get("broker") is not None and not current_user.is_admin:
        # the page's query drops it for brokers; their own contracts would come back as the other broker's
        raise ApiError(422, errors={"broker": ["仅管理员可按经纪人筛选"]})
    start, end = args.get("signed_from"), args.get("signed_to")
    if start is not None and end is not None and start > end:  # else an empty list, as if none was signed then
        raise ApiError(422, errors={"to": ["不能早于 from"]})
    page_args = {k: str(v) for k, v in filters.items() if k not in ("signed_from", "signed_to")}
    page_args |= {"from": str(args.get("signed_from") or ""), "to": str(args.get("signed_to") or "")}
    stmt = services.contract_query(current_user, page_args)  # signing too, as the page filters it
    keyset = pagination.by_date_and_id(Contract.signed_on, Contract.id)  # contract_query's order
    page = pagination.page(stmt, None, "contracts", filters, args["limit"], args.get("cursor"), keyset)
    states = signing_states([c.id for c in page["items"]])
    page["items"] = [dump(c, states) for c in page["items"]]
    return page


@bp.route("/contracts/<int:contract_id>")
@staff
@bp.response(200, schemas.Contract)
@bp.doc(summary="技术合同详情")
def contracts_detail(contract_id):
    """One contract the token's user may see (others: 404, as on the page)."""
    contract = get_or_404(Contract, contract_id)
    if not contract.can_view(current_user):
        raise ApiError(404)
    return dump(contract, {contract.id: contract_state(contract)})


# Recording a contract ----------------------------------------------------------------------------


def _form_data(body, user):
    """The API body as the contract form's fields (amounts in yuan)."""
    data = {k: ("" if v is None else v.isoformat() if hasattr(v, "isoformat") else str(v)) for k, v in body.items()}
    data.pop("suggestion_id", None)
    data["unit"] = "yuan"
    # The API's own default, as before: the page's form has none (a broker chooses the channel each time).
    data.setdefault("channel", Channel.ONLINE.value)
    if "broker_id" not in body and user.is_broker:
        data["broker_id"] = str(user.id)
    return MultiDict(data)


def _body_hash(body):
    text = json.dumps(body, sort_keys=True, ensure_ascii=False, default=str)
    return hashlib.sha256(text.encode()).hexdigest()


def _replay(key_row, digest):
    """The answer to a repeated key: the first request's contract, or 422 if the body differs."""
    if key_row.request_hash != digest:
        raise ApiError(422, "idempotency_key_reused", "幂等键已用于另一请求", "同一 Idempotency-Key 的请求内容必须相同")
    contract = db.session.get(Contract, key_row.contract_id)
    # the first answer's headers too: a client retrying after a lost response reads Location from this one
    headers = {"Location": url_for("api.contracts_detail", contract_id=contract.id), "Idempotent-Replayed": "true"}
    return dump(contract, {contract.id: contract_state(contract)}), 201, headers


def _existing_key(user, key):
    return db.session.scalar(db.select(ApiIdempotencyKey).filter_by(user_id=user.id, key=key))


@bp.route("/contracts", methods=["POST"])
@requires(Role.BROKER, Role.ADMIN, scope=ApiScope.WRITE.value)
@bp.arguments(schemas.IdempotencyHeader, location="headers", as_kwargs=True)
@bp.arguments(schemas.ContractCreate, location="json")
@bp.response(201, schemas.Contract)
@bp.alt_response(409, response="CONFLICT")
@bp.alt_response(415, response="UNSUPPORTED_MEDIA_TYPE")
@bp.doc(summary="登记技术合同", description="与“登记技术合同”页面相同的校验与规则（需要“写入”权限）。必须带 Idempotency-Key："
        "同一键、同一内容的重复请求返回第一次登记的合同（响应头 Idempotent-Replayed: true），不会重复登记；"
        "同一键、不同内容返回 422。金额以元为单位的字符串给出。")  # fmt: skip
def contracts_create(body, idempotency_key):
    """Record a contract, exactly once per Idempotency-Key."""
    digest = _body_hash(body)
    found = _existing_key(current_user, idempotency_key)
    if found is not None:
        return _replay(found, digest)
    form = ContractForm(formdata=_form_data(body, current_user), meta={"csrf": False})
    form.broker_id.choices = services.broker_choices()
    form.event_id.choices = services.event_choices()
    form.zone_id.choices = services.zone_choices()
    suggestion_id = body.get("suggestion_id")
    errors = {}
    if suggestion_id is not None and db.session.get(MatchSuggestion, suggestion_id) is None:
        errors["suggestion_id"] = ["找不到该推荐"]
    if not form.validate() or errors:
        errors |= {name: list(msgs) for name, msgs in form.errors.items() if name not in ("unit", "version")}
        raise ApiError(422, "validation_error", "参数校验失败", errors=errors)

    def remember(contract):
        db.session.add(ApiIdempotencyKey(user_id=current_user.id, key=idempotency_key, request_hash=digest,
                                         contract_id=contract.id))  # fmt: skip

    try:
        contract = services.record_contract(current_user, form.cleaned, suggestion_id, with_contract=remember)
    except services.ContractError as exc:
        found = _existing_key(current_user, idempotency_key)  # a concurrent request with the same key won
        if found is not None:
            return _replay(found, digest)
        raise ApiError(409, "conflict", "请求与当前状态冲突", str(exc)) from None
    headers = {"Location": url_for("api.contracts_detail", contract_id=contract.id)}
    return dump(contract, {contract.id: contract_state(contract)}), 201, headers
