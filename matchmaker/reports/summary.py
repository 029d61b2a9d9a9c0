"""The report's contract totals per signing month, kept in the database beside the contracts.

Every commit that writes contracts or their signing documents moves the ``contracts`` counter
(``matchmaker/cache.py``). Right after that move, in the same transaction, ``_maintain`` recomputes
from the contracts themselves the months the transaction touched (a new or edited contract's month,
an edit's former month, the month of a contract whose signing document changed) and replaces their
rows of ``ContractMonthTotal``; then the ``contract_summary`` counter equals ``contracts``: the rows
are current. The counter's row lock makes writers do this one at a time, each reading what the
previous one committed.

The report (``totals``) adds up the rows of the period's whole months and reads the contracts of its
partial months (at most two) with the very query that fills the rows, so both give the same cents.
When the rows are not current (a database from before them, a bulk write the hooks cannot place), the
period is read from the contracts alone and the next contract commit rebuilds every month
(``flask report-rebuild`` does it at once).
"""

from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal

from sqlalchemy import (
    Integer,
    String,
    and_,
    cast,
    delete,
    event,
    extract,
    func,
    insert,
    literal_column,
    or_,
    select,
    true,
    tuple_,
)
from sqlalchemy.orm import Session

from .. import cache
from ..extensions import db
from ..models import Contract, ContractDocument, ContractMonthTotal, DataGeneration
from ..models.signing import contract_not_awaiting, contract_signed_online

COUNTER, SUMMARY = "contracts", "contract_summary"
# dimension -> contract column; ids are kept as text and read back as ints
COLUMNS = {
    "type": Contract.type, "channel": Contract.channel, "industry": Contract.industry, "town": Contract.town,
    "seller": Contract.seller_id, "broker": Contract.broker_id, "zone": Contract.zone_id, "event": Contract.event_id,
}  # fmt: skip
ID_DIMENSIONS = ("seller", "broker", "zone", "event")
SIGNING = "signing"  # value "<channel>:1" signed online on the platform, "<channel>:0" recorded by a broker
TOTAL = "type"  # every valid contract has one type: the month totals are this dimension's sums
_NOTED = "contract_months"  # session.info: {"months": set of yyyymm, "ids": contract ids, "all": bool}
_SET = db.text(
    "INSERT INTO data_generation (name, counter) VALUES (:name, :counter) "
    "ON CONFLICT (name) DO UPDATE SET counter = excluded.counter"
)


def valid():
    """Contracts counted in reports, whatever the period: not voided, not awaiting signatures."""
    return and_(Contract.voided.is_(False), contract_not_awaiting())


def month_of(day):
    return day.year * 100 + day.month


def _month_sql(dialect):
    if dialect == "sqlite":  # dates are stored as YYYY-MM-DD text
        return cast(func.strftime("%Y%m", Contract.signed_on), Integer)
    return cast(extract("year", Contract.signed_on) * 100 + extract("month", Contract.signed_on), Integer)


def _month_days(month):
    year, mm = divmod(month, 100)
    last = date(year, 12, 31) if mm == 12 else date(year, mm + 1, 1) - timedelta(days=1)  # December 9999 too
    return date(year, mm, 1), last


def _in_months(months):
    """signed_on within these months, as few BETWEENs as there are runs of consecutive months."""
    runs = []
    for m in sorted(months):
        if runs and _month_days(runs[-1][1])[1] + timedelta(days=1) == _month_days(m)[0]:
            runs[-1][1] = m
        else:
            runs.append([m, m])
    return or_(*(Contract.signed_on.between(_month_days(a)[0], _month_days(b)[1]) for a, b in runs))


def cells(dialect, where):
    """(month, dimension, value, count, amount, transaction_amount) of the valid contracts matching
    ``where``: the rows of ContractMonthTotal are its output. PostgreSQL groups them in one pass
    (GROUPING SETS); SQLite, which has none, in a UNION ALL of a GROUP BY per dimension."""
    return _grouping_sets(where) if dialect == "postgresql" else _union(dialect, where)


def _signing_value():
    return Contract.channel + db.case((contract_signed_online(), ":1"), else_=":0")


def _grouping_sets(where):
    month = _month_sql("postgresql")
    names = [*COLUMNS, SIGNING]
    inner = (
        select(month.label("month"), *(c.label(n) for n, c in COLUMNS.items()), _signing_value().label(SIGNING),
               Contract.amount, Contract.transaction_amount)
        .where(valid(), where)
        .subquery()
    )  # fmt: skip
    col = {n: inner.c[n] for n in names}
    grouped = {n: func.grouping(col[n]) == 0 for n in names}  # GROUPING() tells a set's NULL from a real one
    dimension = db.case(*((grouped[n], literal_column(f"'{n}'", String)) for n in names))
    value = db.case(*((grouped[n], cast(col[n], String) if n in ID_DIMENSIONS else col[n]) for n in names))
    return select(
        inner.c.month, dimension.label("dimension"), value.label("value"), func.count().label("count"),
        func.sum(inner.c.amount).label("amount"), func.sum(inner.c.transaction_amount).label("transaction_amount"),
    ).group_by(inner.c.month, func.grouping_sets(*(tuple_(col[n]) for n in names)))  # fmt: skip


def _union(dialect, where):
    month = _month_sql(dialect)
    sums = (
        func.count(Contract.id).label("count"),
        func.sum(Contract.amount).label("amount"),
        func.sum(Contract.transaction_amount).label("transaction_amount"),
    )
    parts = []
    for name, column in COLUMNS.items():
        value = cast(column, String) if name in ID_DIMENSIONS else column
        dim = literal_column(f"'{name}'", String).label("dimension")
        parts.append(
            select(month.label("month"), dim, value.label("value"), *sums).where(valid(), where).group_by(month, column)
        )
    signed = select(
        month.label("month"),
        _signing_value().label("value"),
        Contract.amount,
        Contract.transaction_amount,
    ).where(valid(), where).subquery()  # fmt: skip
    parts.append(
        select(signed.c.month, literal_column(f"'{SIGNING}'", String).label("dimension"), signed.c.value,
               func.count().label("count"), func.sum(signed.c.amount), func.sum(signed.c.transaction_amount))
        .group_by(signed.c.month, signed.c.value)
    )  # fmt: skip
    return parts[0].union_all(*parts[1:])


# Keeping the rows --------------------------------------------------------------------------------


def _noted(session):
    return session.info.setdefault(_NOTED, {"months": set(), "ids": set(), "all": False})


@event.listens_for(Session, "before_flush")
def _note_flush(session, flush_context, instances):
    """Months this flush changes: new and current values from the objects, former ones from the database."""
    stored = []
    for obj in (*session.new, *session.dirty, *session.deleted):
        if isinstance(obj, Contract):
            if obj in session.new or session.is_modified(obj) or obj in session.deleted:
                if obj.signed_on is not None:
                    _noted(session)["months"].add(month_of(obj.signed_on))
                if obj.id is not None:
                    stored.append(obj.id)
        elif isinstance(obj, ContractDocument):
            contract_id = obj.contract_id if obj.contract_id is not None else getattr(obj.contract, "id", None)
            if contract_id is not None:
                _noted(session)["ids"].add(contract_id)
            elif obj.contract is not None and obj.contract.signed_on is not None:
                _noted(session)["months"].add(month_of(obj.contract.signed_on))
    if stored:  # the signing month as stored, before this flush changes it
        dialect = session.get_bind().dialect.name
        rows = session.execute(select(_month_sql(dialect)).where(Contract.id.in_(stored)).distinct()).scalars()
        _noted(session)["months"].update(rows)


@event.listens_for(Session, "do_orm_execute")
def _note_bulk(state):
    """Bulk statements: an INSERT's months from its rows; anything else rebuilds every month."""
    if not (state.is_insert or state.is_update or state.is_delete):
        return
    table = getattr(state.statement, "table", None)
    if table is None or table.name not in ("contract", "contract_document"):
        return
    noted = _noted(state.session)
    rows = state.parameters if isinstance(state.parameters, list) else [state.parameters or {}]
    if state.is_insert and table.name == "contract" and rows and all(r.get("signed_on") for r in rows):
        noted["months"].update(month_of(r["signed_on"]) for r in rows)
    elif not (state.is_insert and table.name == "contract_document" and all(r.get("contract_id") for r in rows)):
        noted["all"] = True
    else:
        noted["ids"].update(r["contract_id"] for r in rows)


@event.listens_for(Session, "after_transaction_end")
def _forget(session, transaction):
    if transaction.parent is None:  # the whole transaction ended (a savepoint's rollback keeps the notes)
        session.info.pop(_NOTED, None)


def _maintain(session):
    """Replace the rows of the months this transaction touched (all of them when the rows were not current)."""
    noted = session.info.pop(_NOTED, None) or {"months": set(), "ids": set(), "all": False}
    conn = session.connection()
    dialect = conn.dialect.name
    counters = dict(
        conn.execute(
            select(DataGeneration.name, DataGeneration.counter).where(DataGeneration.name.in_((COUNTER, SUMMARY)))
        ).all()
    )
    moved = counters.get(COUNTER, 0)
    if noted["all"] or counters.get(SUMMARY, 0) != moved - 1:
        conn.execute(delete(ContractMonthTotal))
        _fill(conn, dialect, true())
    else:
        months = set(noted["months"])
        if noted["ids"]:
            ids = sorted(noted["ids"])
            months.update(conn.execute(select(_month_sql(dialect)).where(Contract.id.in_(ids)).distinct()).scalars())
        months.discard(None)
        if months:
            conn.execute(delete(ContractMonthTotal).where(ContractMonthTotal.month.in_(sorted(months))))
            _fill(conn, dialect, _in_months(months))
    conn.execute(_SET, {"name": SUMMARY, "counter": moved})


def _fill(conn, dialect, where):
    columns = ["month", "dimension", "value", "count", "amount", "transaction_amount"]
    conn.execute(insert(ContractMonthTotal).from_select(columns, cells(dialect, where)))


cache.after_bump(COUNTER, _maintain)


def rebuild():
    """Recompute every month now (after writes made outside the ORM session); commits."""
    _noted(db.session)["all"] = True
    cache.bump(db.session, COUNTER)
    db.session.commit()


# Reading -----------------------------------------------------------------------------------------


@dataclass
class Totals:
    """Valid contracts' [count, amount, transaction amount] per month and per dimension value."""

    months: dict = field(default_factory=dict)  # yyyymm -> sums
    dimensions: dict = field(default_factory=dict)  # dimension -> {value: sums}

    def add(self, target, count, amount, transaction):
        target[0] += int(count or 0)
        target[1] += Decimal(amount or 0)
        target[2] += Decimal(transaction or 0)

    def add_value(self, dimension, value, *sums):
        if dimension in ID_DIMENSIONS and value is not None:
            value = int(value)
        values = self.dimensions.setdefault(dimension, {})
        self.add(values.setdefault(value, [0, Decimal(0), Decimal(0)]), *sums)

    def add_month(self, month, *sums):
        self.add(self.months.setdefault(month, [0, Decimal(0), Decimal(0)]), *sums)


def is_current(session=None):
    """Whether the monthly rows include every committed contract write."""
    session = session or db.session
    counters = dict(
        session.execute(
            select(DataGeneration.name, DataGeneration.counter).where(DataGeneration.name.in_((COUNTER, SUMMARY)))
        ).all()
    )
    return counters.get(COUNTER, 0) == counters.get(SUMMARY, 0)


def split(period):
    """The period's whole months (first, last yyyymm, or None) and the day ranges left at its ends."""
    try:
        first = period.start if period.start.day == 1 else _month_days(month_of(period.start))[1] + timedelta(days=1)
        last = (
            period.end
            if _month_days(month_of(period.end))[1] == period.end
            else period.end.replace(day=1) - timedelta(days=1)
        )
    except (
        OverflowError,
        ValueError,
    ):  # a period ending in the calendar's last month or starting in its first: read it whole
        return None, [(period.start, period.end)]
    if first > last:
        return None, [(period.start, period.end)]
    ends = []
    if period.start < first:
        ends.append((period.start, first - timedelta(days=1)))
    if last < period.end:
        ends.append((last + timedelta(days=1), period.end))
    return (month_of(first), month_of(last)), ends


def totals(period, use_rows=True):
    """The period's totals: the kept rows for its whole months (when current), the contracts for the rest."""
    whole, ends = split(period)
    if whole is not None and not (use_rows and is_current()):
        whole, ends = None, [(period.start, period.end)]
    out = Totals()
    if whole is not None:
        t = ContractMonthTotal
        sums = (func.sum(t.count), func.sum(t.amount), func.sum(t.transaction_amount))
        in_whole = t.month.between(*whole)
        for dim, value, *money in db.session.execute(
            select(t.dimension, t.value, *sums).where(in_whole).group_by(t.dimension, t.value)
        ):
            out.add_value(dim, value, *money)
        for month, *money in db.session.execute(
            select(t.month, *sums).where(in_whole, t.dimension == TOTAL).group_by(t.month)
        ):
            out.add_month(month, *money)
    if ends:
        dialect = db.session.get_bind().dialect.name
        where = or_(*(Contract.signed_on.between(a, b) for a, b in ends))
        for month, dim, value, *money in db.session.execute(cells(dialect, where)):
            out.add_value(dim, value, *money)
            if dim == TOTAL:
                out.add_month(month, *money)
    return out


def years(session=None):
    """The signing years of valid contracts, ascending, from the kept rows (a few thousand); None when not
    current."""
    session = session or db.session
    if not is_current(session):
        return None
    months = session.scalars(select(ContractMonthTotal.month).where(ContractMonthTotal.count > 0).distinct())
    return tuple(sorted({m // 100 for m in months}))
