"""Needs and results: the same search, filters, order and confidentiality rule as the pages."""

from decimal import Decimal

from flask import url_for
from flask_login import current_user
from sqlalchemy.orm import defer, joinedload

from ..brokers.services import contacts_of
from ..extensions import db
from ..listings import access, services
from ..listings.kinds import NEED, RESULT
from ..models.enums import ACTIVE_STATUSES
from ..utils.money import WAN
from ..zones.services import shown_zones
from . import pagination, schemas
from .errors import ApiError
from .lookup import get_or_404
from .routes import bp, requires

RESTRICTED = ("id", "url", "title", "industry", "summary", "confidentiality", "restricted")


def _yuan(wan):
    return None if wan is None else Decimal(wan) * WAN


def _query_args(kind, args):
    """API arguments to the pages' query args (amounts: yuan to 万元)."""
    out = {k: str(v) for k, v in args.items() if k not in ("limit", "cursor", "min_amount", "max_amount")}
    for name, key in (("min_amount", "min"), ("max_amount", "max")):
        if args.get(name) is not None:
            out[key] = str(args[name] / WAN)
    return out


def dump(kind, listing, full, detail=False, contacts=False):
    """A listing as the API shows it to the current user."""
    d = {"id": listing.id, "url": url_for(kind.endpoint("detail"), _external=True, **{kind.id_arg: listing.id}),
         "title": listing.title, "industry": listing.industry, "restricted": not full}  # fmt: skip
    if kind is NEED:
        d |= {"summary": listing.summary, "confidentiality": listing.confidentiality}
    if not full:
        return {k: v for k, v in d.items() if k in RESTRICTED}
    org = listing.organization
    d |= {
        "field": listing.field, "town": listing.town, "keywords": listing.keyword_list, "status": listing.status,
        "valid_until": listing.valid_until, "published_at": listing.published_at, "updated_at": listing.updated_at,
        "organization": {"id": org.id, "name": org.name} if org else None,
    }  # fmt: skip
    if kind is NEED:
        d |= {"problem": listing.problem, "indicators": listing.indicators, "conditions": listing.conditions,
              "coop_mode": listing.coop_mode, "budget": _yuan(listing.budget_wan),
              "budget_negotiable": listing.budget_negotiable}  # fmt: skip
    else:
        d |= {"abstract": listing.abstract, "detail": listing.detail, "advantages": listing.advantages,
              "team": listing.team, "maturity": listing.maturity, "ip_type": listing.ip_type,
              "patent_numbers": listing.patent_numbers, "transfer_mode": listing.transfer_mode,
              "price": _yuan(listing.price_wan), "price_negotiable": listing.price_negotiable}  # fmt: skip
    if detail:
        d["zones"] = [
            {"id": z.id, "name": z.name, "active": z.active} for z in shown_zones(current_user, listing.zones)
        ]
        if contacts:
            c = contacts_of(listing)
            d["contacts"] = {"name": c["name"], "phone": c["phone"], "email": c["email"]}
    return d


def list_page(kind, args):
    """One page of the public list of a kind, as the pages build it."""
    filters = {k: v for k, v in args.items() if k not in ("limit", "cursor")}
    if args.get("status") not in (None, *ACTIVE_STATUSES) and not current_user.is_staff:
        # the page's query drops such a filter; answering with the live list would pass it off as the closed one
        raise ApiError(422, errors={"status": ["仅经纪人和管理员可按该状态筛选，其他账号只能选 published、docking"]})
    if (
        args.get("min_amount") is not None
        and args.get("max_amount") is not None
        and args["min_amount"] > args["max_amount"]
    ):
        raise ApiError(422, errors={"max_amount": ["不能小于 min_amount"]})  # else an empty list, as if none matched
    q = services.public_list(kind.name, _query_args(kind, args), current_user)
    model = kind.model
    stmt = q.stmt  # a closed zone filters like an unknown one there (listings.queries), as on the page

    def load(ids):
        opts = (joinedload(model.organization), defer(model.tokens), defer(model.search_tokens))
        rows = {r.id: r for r in db.session.scalars(db.select(model).options(*opts).where(model.id.in_(ids)))}
        return [rows[i] for i in ids if i in rows]

    # relevance (nulls_last gives None): by offset
    keyset = pagination.newest_first(model) if q.sort == "new" else pagination.nulls_last(stmt, model.id)
    page = pagination.page(stmt, load, kind.name, filters, args["limit"], args.get("cursor"), keyset)
    shown = [(r, access.list_full(current_user, r)) for r in page["items"]]
    page["items"] = [dump(kind, r, full) for r, full in shown]
    services.log_list_views(current_user, [r for r, full in shown if full])  # confidential details: audited
    return page


def detail(kind, listing_id):
    """One listing: live ones for everyone, others for owner, staff and introduced counterparts; hidden parts as
    on the page."""
    listing = get_or_404(kind.model, listing_id)
    services.open_listing(listing, current_user, audit=True)  # expiry and the staff's audit row, as on the page
    if not access.can_open(current_user, listing):  # the page's rule (its 410 for an ended one is a 404 here)
        raise ApiError(404)
    full = access.can_see_full(current_user, listing)
    contacts = access.can_see_contacts(current_user, listing)
    return dump(kind, listing, full, detail=True, contacts=contacts)


NeedPage = schemas.page_of(schemas.Need, "NeedPage")
ResultPage = schemas.page_of(schemas.Result, "ResultPage")

LIST_DOC = ("与网页列表相同的检索、筛选与排序；仅公开摘要的需求对非需求方、非经纪人/管理员只返回 id、标题、行业和摘要"
            "（restricted=true）。金额以元为单位的字符串给出。")  # fmt: skip


@bp.route("/needs")
@requires()
@bp.arguments(schemas.NeedArgs, location="query")
@bp.response(200, NeedPage)
@bp.doc(summary="技术需求列表", description=LIST_DOC)
def needs_list(args):
    """Live needs: search, filters, sort, cursor pages."""
    return list_page(NEED, args)


@bp.route("/needs/<int:need_id>")
@requires()
@bp.response(200, schemas.Need)
@bp.doc(summary="技术需求详情", description="与网页详情相同的可见性；联系方式仅向可见者返回。")
def needs_detail(need_id):
    """One need."""
    return detail(NEED, need_id)


@bp.route("/results")
@requires()
@bp.arguments(schemas.ResultArgs, location="query")
@bp.response(200, ResultPage)
@bp.doc(summary="科技成果列表", description=LIST_DOC)
def results_list(args):
    """Live results: search, filters, sort, cursor pages."""
    return list_page(RESULT, args)


@bp.route("/results/<int:result_id>")
@requires()
@bp.response(200, schemas.Result)
@bp.doc(summary="科技成果详情")
def results_detail(result_id):
    """One result."""
    return detail(RESULT, result_id)
