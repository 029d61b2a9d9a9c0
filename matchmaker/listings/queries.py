"""List and search queries shared by needs and results: filters, full-text search, sort."""

from dataclasses import dataclass, field
from datetime import timedelta
from decimal import ROUND_CEILING, ROUND_FLOOR, Decimal, InvalidOperation

from flask_sqlalchemy.pagination import Pagination
from sqlalchemy import and_, case, func
from sqlalchemy.orm import defer, joinedload

from .. import cache
from ..extensions import db
from ..models import ACTIVE_STATUSES, ListingStatus, Result, TechNeed, Zone, need_zone, result_zone
from ..utils import clock
from ..utils.bounds import id_or_none
from ..utils.money import LISTING_MAX
from ..utils.rows import count_rows
from .kinds import KINDS
from .lifecycle import REMIND_DAYS, live_clause
from .search import ensure_search_schema, query_terms, ranked

CENT = Decimal("0.01")
SORTS = {"relevance": "相关度", "new": "最新发布", "deadline": "即将到期", "amount_desc": "金额从高到低",
         "amount_asc": "金额从低到高"}  # fmt: skip


@dataclass
class ListingQuery:
    """A parsed list request: what was asked and whether an all-terms search fell back to any-term."""

    stmt: object
    terms: list = field(default_factory=list)
    any_term: bool = False
    sort: str = "new"
    errors: list = field(default_factory=list)
    total: int | None = None  # counted already (a relevance search counts to decide on the fallback)


def _decimal(value, errors, label, rounding):
    s = (value or "").strip()
    if not s:
        return None
    try:
        d = Decimal(s)
        if not d.is_finite() or d < 0:
            raise InvalidOperation
    except InvalidOperation:
        errors.append(f"{label}应为不小于 0 的数字，已忽略")
        return None
    # Stored amounts are Numeric(14, 2): a bound past them or finer than a cent finds what the nearest bound
    # the column can hold finds (1e999999 overflowed PostgreSQL's numeric: a 500).
    return min(d, Decimal(LISTING_MAX + 1)).quantize(CENT, rounding=rounding)


def _int(value):
    return id_or_none(value)  # ASCII digits only: str.isdigit() also takes ① and ², which int() refuses


def build(model, args, user, today=None):
    """Public list statement for needs or results from query args (q, filters, sort)."""
    today = today or clock.today()
    is_need = model is TechNeed
    staff = bool(user.is_authenticated and user.is_staff)
    errors = []
    stmt = db.select(model.id)  # narrow: ids are sorted and counted, rows loaded per page
    status = (args.get("status") or "").strip()
    if status and staff and status in {s.value for s in ListingStatus} and status != "draft":
        stmt = stmt.where(model.status == status)
    elif status in ACTIVE_STATUSES:
        stmt = stmt.where(model.status == status, live_clause(model, today))
    else:
        stmt = stmt.where(live_clause(model, today))

    hidden_filter = False  # a filter on a field that a summary-only need does not show
    for name in ("industry", "field", "town"):
        value = (args.get(name) or "").strip()
        if value:
            stmt = stmt.where(getattr(model, name) == value)
            hidden_filter |= name != "industry"
    zone_id = _int(args.get("zone"))
    if (args.get("zone") or "").strip() and not zone_id:  # ?zone=abc or -5: no zone; said, not silently dropped
        errors.append("专区参数无效，已忽略")
    if zone_id:
        link = need_zone if is_need else result_zone
        key = link.c.need_id if is_need else link.c.result_id
        tagged = link.c.zone_id == zone_id
        if not (user.is_authenticated and user.is_admin):  # a closed zone is, to others, an unknown one
            tagged &= link.c.zone_id.in_(db.select(Zone.id).where(Zone.active.is_(True)))
        stmt = stmt.where(model.id.in_(db.select(key).where(tagged)))
        hidden_filter = True
    amount = model.budget_wan if is_need else model.price_wan
    lo = _decimal(args.get("min"), errors, "最低金额", ROUND_CEILING)
    hi = _decimal(args.get("max"), errors, "最高金额", ROUND_FLOOR)
    if (
        lo is not None and hi is not None and lo > hi
    ):  # an empty list, said why (the two boxes typed the wrong way round)
        errors.append("最低金额高于最高金额，没有符合条件的条目，请检查金额范围")
    if lo is not None:
        stmt = stmt.where(amount >= lo)
    if hi is not None:
        stmt = stmt.where(amount <= hi)
    hidden_filter |= lo is not None or hi is not None
    choices = ("coop_mode",) if is_need else ("maturity", "transfer_mode")
    for name in choices:
        value = (args.get(name) or "").strip()
        if value:
            stmt = stmt.where(getattr(model, name) == value)
            hidden_filter |= is_need
    if is_need and hidden_filter and not staff:
        stmt = stmt.where(model.confidentiality == "public")

    terms = query_terms(args.get("q"))
    sort = args.get("sort") if args.get("sort") in SORTS else ("relevance" if terms else "new")
    if sort == "relevance" and not terms:
        sort = "new"
    q = ListingQuery(stmt=stmt, terms=terms, sort=sort, errors=errors)
    if terms:
        ensure_search_schema()
        q.stmt = ranked(stmt, model, terms, q=args.get("q"))
        # No listing with every term: rank those with any term (one term: the same search, no second one).
        # The count that decides is the page's count too.
        if sort == "relevance" and len(terms) >= 2:
            q.total = count(q.stmt)
            if not q.total:
                q.stmt, q.any_term, q.total = ranked(stmt, model, terms, any_term=True, q=args.get("q")), True, None
    if sort != "relevance":
        q.stmt = q.stmt.order_by(None).order_by(*_order(model, sort, is_need and not staff))
    return q


def _order(model, sort, mask_confidential):
    if sort == "deadline":
        until = model.valid_until
        if mask_confidential:  # nor its validity date, which its page and the list hide too
            until = case((model.confidentiality == "summary", None), else_=until)
        return (until.is_(None), until.asc(), model.id.desc())
    if sort not in ("amount_desc", "amount_asc"):
        return (model.published_at.desc(), model.id.desc())  # read in order from ix_*_recent
    amount = model.budget_wan if model is TechNeed else model.price_wan
    if mask_confidential:  # a summary-only need's budget must not show through the order
        amount = case((model.confidentiality == "summary", None), else_=amount)
    if sort == "amount_desc":
        return (amount.is_(None), amount.desc(), model.id.desc())
    return (amount.is_(None), amount.asc(), model.id.desc())


class IdPagination(Pagination):
    """Sort, count and page over listing ids only, then load the page's rows (with their
    organisation) by id: SQLite and PostgreSQL never sort or count wide rows."""

    def _query_items(self):
        stmt, model = self._query_args["stmt"], self._query_args["model"]
        ids = list(db.session.scalars(stmt.limit(self.per_page).offset((self.page - 1) * self.per_page)))
        if not ids:
            return []
        opts = (joinedload(model.organization), defer(model.tokens), defer(model.search_tokens))
        rows = db.session.scalars(db.select(model).options(*opts).where(model.id.in_(ids)))
        by_id = {r.id: r for r in rows}
        return [by_id[i] for i in ids if i in by_id]

    def _query_count(self):
        stmt, total = self._query_args["stmt"], self._query_args.get("total")
        if total is not None:
            return total
        key = self._query_args.get("count_key")
        if key is None:
            return count(stmt)
        model = self._query_args["model"]
        return cache.cached((key, clock.today()), (model.__tablename__,), lambda: count(stmt))


count = count_rows  # rows of a list statement


cache.watch(TechNeed.__tablename__, Result.__tablename__)


def paginate(q, model, per_page=20, count_key=None):
    """A page of the built statement (page number from the request); a count_key caches the count."""
    return IdPagination(per_page=per_page, max_per_page=50, error_out=False, stmt=q.stmt, model=model,
                        count_key=count_key, total=q.total)  # fmt: skip


def expiring_clause(model, today=None):
    """Live listings whose validity ends within lifecycle.REMIND_DAYS (the ones their owners are reminded of)."""
    today = today or clock.today()
    return and_(model.status.in_(ACTIVE_STATUSES), model.valid_until >= today,
                model.valid_until <= today + timedelta(days=REMIND_DAYS))  # fmt: skip


def mine(kind, user, status=None, expiring=False):
    """The listings a user manages (see Kind.mine_clause), newest first, optionally in one status or only
    those about to expire (soonest first)."""
    model = KINDS[kind].model
    stmt = db.select(model).where(KINDS[kind].mine_clause(user))
    if status in {s.value for s in ListingStatus}:
        stmt = stmt.where(model.status == status)
    if expiring:
        return stmt.where(expiring_clause(model)).order_by(model.valid_until, model.id)
    return stmt.order_by(model.updated_at.desc(), model.id.desc())


def expiring_count(kind, user):
    """How many of the user's listings expire within lifecycle.REMIND_DAYS."""
    model = KINDS[kind].model
    return db.session.scalar(
        db.select(func.count(model.id)).where(KINDS[kind].mine_clause(user), expiring_clause(model))
    )


def my_counts(kind, user):
    """{status: count} of the listings a user manages, every status present."""
    model = KINDS[kind].model
    rows = db.session.execute(
        db.select(model.status, func.count(model.id)).where(KINDS[kind].mine_clause(user)).group_by(model.status)
    )
    counts = {s.value: 0 for s in ListingStatus}
    counts.update(dict(rows.all()))
    return counts
