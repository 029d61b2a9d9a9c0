"""Contracts (brokers and admins, as the contracts page): with their online-signing state."""

from flask import url_for
from flask_login import current_user
from sqlalchemy import not_

from ..contracts import services
from ..extensions import db
from ..models import Contract, ContractDocument, DocumentStatus, Role
from ..models.signing import contract_awaiting_signatures, contract_signed_online
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
    page_args = {k: str(v) for k, v in filters.items() if k not in ("signed_from", "signed_to", "signing")}
    page_args |= {"from": str(args.get("signed_from") or ""), "to": str(args.get("signed_to") or "")}
    stmt = services.contract_query(current_user, page_args)
    signing = args.get("signing")
    if signing == "signed_online":
        stmt = stmt.where(contract_signed_online())
    elif signing == "awaiting_signatures":
        stmt = stmt.where(contract_awaiting_signatures())
    elif signing == "recorded":
        stmt = stmt.where(not_(contract_signed_online()), not_(contract_awaiting_signatures()))
    page = pagination.page(stmt, None, "contracts", filters, args["limit"], args.get("cursor"))
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
    return dump(contract, signing_states([contract.id]))
