"""Report queries: each takes a period and returns plain data (dicts with Decimal yuan).

Shared by the report page, the Excel/CSV exports and the ``report`` command. Every sum is
done by the database over exact amounts; Python only rolls up a handful of grouped rows.
"""

from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from decimal import ROUND_HALF_UP, Decimal

from sqlalchemy import and_, exists, func, or_, select

from .. import cache
from ..extensions import db
from ..models import (
    Channel,
    Contract,
    ContractType,
    Event,
    ListingStatus,
    MatchSuggestion,
    Organization,
    OrgKind,
    Result,
    SuggestionMove,
    TechNeed,
    User,
    Zone,
)
from ..models.base import today
from ..models.enums import ACCEPTED_ON_STATUSES, INTRODUCED_ON_STATUSES
from ..models.signing import contract_not_awaiting
from ..utils import clock
from ..utils.money import format_wan
from . import summary

MAX_YEARS = 30
REPORT_TABLES = ("contract", "contract_document")  # kept report parts are read from these alone
cache.watch(*REPORT_TABLES)
INSTITUTION_KINDS = (OrgKind.UNIVERSITY.value, OrgKind.INSTITUTE.value)


# Periods ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Period:
    """A closed interval of signing dates: both ends included."""

    start: date
    end: date

    @property
    def label(self):
        return f"{self.start.year}年{self.start.month}月{self.start.day}日至{self.end.year}年{self.end.month}月{self.end.day}日"

    def contains(self, column):
        return column.between(self.start, self.end)

    def datetimes(self):
        """[start, end) datetimes of the period's whole days (the end open; the calendar's last day too)."""
        end = datetime.combine(self.end + timedelta(days=1), time.min) if self.end < date.max else datetime.max
        return datetime.combine(self.start, time.min), end

    def moments(self):
        """[start, end) of the period's Beijing days as stored moments (naive UTC: created_at, published_at, …);
        datetimes() is for times kept as typed in Beijing time (a class's start)."""
        end = clock.day_start_utc(self.end + timedelta(days=1)) if self.end < date.max else datetime.max
        return clock.day_start_utc(self.start), end


class PeriodError(ValueError):
    """A period that cannot be reported, with a Chinese message."""


def default_period():
    """The latest year with contracts (to today when that is this year); this year when none."""
    t = today()
    years = _contract_years()
    year = min(years[-1], t.year) if years else t.year
    return Period(date(year, 1, 1), t if year == t.year else date(year, 12, 31))


def parse_period(start_text, end_text):
    """Two YYYY-MM-DD texts (either may be empty) to a Period; PeriodError when unusable."""
    default = default_period()
    try:
        start = date.fromisoformat(start_text.strip()) if (start_text or "").strip() else None
        end = date.fromisoformat(end_text.strip()) if (end_text or "").strip() else None
    except ValueError:
        raise PeriodError("日期格式不正确，请按 年-月-日 填写，如 2020-01-01") from None
    # The end not given follows the one given: from= past the default period was "start after end", an end the
    # user never typed (so was a to= before it).
    if end is None:
        end = default.end if start is None or start <= default.end else max(start, today())
    if start is None:
        start = default.start if default.start <= end else date(end.year, 1, 1)
    if start > end:
        raise PeriodError("开始日期不能晚于结束日期")
    if end.year - start.year >= MAX_YEARS:
        raise PeriodError(f"统计区间不能超过 {MAX_YEARS} 年")
    return Period(start, end)


# Tables -----------------------------------------------------------------------------------


@dataclass
class Column:
    key: str
    label: str
    kind: str = "text"  # text / int / wan (yuan shown as 万元) / pct


@dataclass
class Table:
    """One report table: what the page shows under a chart and what an export writes to a sheet."""

    key: str
    title: str
    columns: list
    rows: list
    chart: str | None = None  # bar / line / pie / funnel
    total: dict | None = None
    note: str = ""
    extra: dict = field(default_factory=dict)


MONEY_COLUMNS = [Column("count", "合同数（项）", "int"), Column("amount", "合同金额（万元）", "wan"),
                 Column("transaction_amount", "技术交易额（万元）", "wan")]  # fmt: skip


def _valid(period):
    """Conditions for contracts counted in a period: not voided, signed within it, not awaiting signatures."""
    return and_(summary.valid(), period.contains(Contract.signed_on))


def _money(count, amount, transaction):
    return {"count": int(count or 0), "amount": Decimal(amount or 0), "transaction_amount": Decimal(transaction or 0)}


def _table_total(rows):
    total = {"name": "合计", "count": 0, "amount": Decimal(0), "transaction_amount": Decimal(0)}
    for r in rows:
        for k in ("count", "amount", "transaction_amount"):
            total[k] += r[k]
    return total


def _dimension(totals, dim, key, title, names=None, labeller=None, empty="（未填写）", chart="bar"):
    """A dimension's totals per value of one contract column (``_Dimension.table`` makes the table).

    The sums come from ``summary.totals`` (kept monthly rows, or the contracts); names (of
    organisations, brokers, zones, events) are looked up afterwards for the few grouped ids
    (``_name_rows``), so the grouped part is the same for everyone and can be kept
    (``build_report``) while names stay current.
    """
    grouped = [(value, *sums) for value, sums in totals.dimensions.get(dim, {}).items()]
    return _Dimension(key, title, grouped, names, labeller, empty, chart)


@dataclass
class _Dimension:
    """A dimension's grouped rows (key, count, amount, transaction) before names are put on them."""

    key: str
    title: str
    grouped: list
    names: tuple | None
    labeller: object
    empty: str
    chart: str

    def table(self):
        """The table, largest amount first; ids with the same label (every non-institution) are one row."""
        labels = _name_rows(self.names, [g[0] for g in self.grouped]) if self.names else None
        merged = {}
        for k, *money in self.grouped:
            name = labels.get(k) if labels is not None else k
            name = self.labeller(name) if self.labeller and name is not None else name
            name = name if name not in (None, "") else self.empty
            agg = merged.setdefault(name, dict(name=name, **_money(0, 0, 0)))
            for field_name, v in _money(*money).items():
                agg[field_name] += v
        rows = sorted(merged.values(), key=lambda r: (-r["amount"], -r["count"], str(r["name"])))
        return Table(self.key, self.title, [Column("name", self.title.replace("按", "").replace("统计", ""))]
                     + MONEY_COLUMNS, rows, chart=self.chart, total=_table_total(rows))  # fmt: skip


def _name_rows(names, ids):
    """{id: label} for the grouped ids of a dimension (primary-key lookups)."""
    table, id_col, name_col = names
    label = name_col(table) if callable(name_col) else table.c[name_col]
    wanted, out = [i for i in ids if i is not None], {}
    for i in range(0, len(wanted), 500):  # bounded IN lists, whatever the number of sellers
        chunk = wanted[i : i + 500]
        out.update(db.session.execute(select(table.c[id_col], label).where(table.c[id_col].in_(chunk))).all())
    return out


def time_tables(period, totals):
    """Totals by month, quarter and year; every month of the period appears, empty ones as zero."""
    found = {divmod(m, 100): _money(*sums) for m, sums in totals.months.items()}
    months, quarters, years = [], {}, {}
    yy, mm = period.start.year, period.start.month
    while (yy, mm) <= (period.end.year, period.end.month):
        row = dict(name=f"{yy}-{mm:02d}", **found.get((yy, mm), _money(0, 0, 0)))
        months.append(row)
        for bucket, name in ((quarters, f"{yy}年第{(mm - 1) // 3 + 1}季度"), (years, f"{yy}年")):
            agg = bucket.setdefault(
                name, {"name": name, "count": 0, "amount": Decimal(0), "transaction_amount": Decimal(0)}
            )
            for k in ("count", "amount", "transaction_amount"):
                agg[k] += row[k]
        yy, mm = (yy + 1, 1) if mm == 12 else (yy, mm + 1)
    make = lambda key, title, label, rows, chart: Table(  # noqa: E731
        key, title, [Column("name", label)] + MONEY_COLUMNS, rows, chart=chart, total=_table_total(rows)
    )
    return [
        make("by_month", "按月统计", "月份", months, "line"),
        make("by_quarter", "按季度统计", "季度", list(quarters.values()), "bar"),
        make("by_year", "按年度统计", "年度", list(years.values()), "bar"),
    ]


def _dimensions(totals):
    """Grouped totals by contract type, channel, industry, town, institution, broker, zone and event."""
    org, user, zone, event = (m.__table__ for m in (Organization, User, Zone, Event))

    def institution(t):
        return db.case((t.c.kind.in_(INSTITUTION_KINDS), t.c.name), else_=None)

    return [
        _dimension(totals, "type", "by_type", "按合同类型统计", labeller=ContractType.label_of, chart="pie"),
        _dimension(totals, "channel", "by_channel", "按签订渠道统计", labeller=Channel.label_of, chart="pie"),
        _dimension(totals, "industry", "by_industry", "按行业统计"),
        _dimension(totals, "town", "by_town", "按镇街统计"),
        _dimension(totals, "seller", "by_institution", "按高校院所（卖方）统计", names=(org, "id", institution),
                   empty="（非高校院所）"),
        _dimension(totals, "broker", "by_broker", "按经纪人统计", names=(user, "id", "name"), empty="（未指定经纪人）"),
        _dimension(totals, "zone", "by_zone", "按专区统计", names=(zone, "id", "name"), empty="（未归入专区）"),
        _dimension(totals, "event", "by_event", "按对接活动统计", names=(event, "id", "title"),
                   empty="（非活动签约）"),
    ]  # fmt: skip


# The funnel -------------------------------------------------------------------------------


def _reached(statuses):
    """Needs with a suggestion now in, or that ever moved to, one of these statuses."""
    moved = exists().where(SuggestionMove.suggestion_id == MatchSuggestion.id, SuggestionMove.to_status.in_(statuses))
    return exists().where(MatchSuggestion.need_id == TechNeed.id, or_(MatchSuggestion.status.in_(statuses), moved))


def _pct(part, whole):
    if not whole:
        return None
    return (Decimal(part) * 100 / Decimal(whole)).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)


def funnel(period):
    """Needs published in the period, and how many of them went on to each later stage."""
    start, end = period.moments()
    published = and_(TechNeed.published_at >= start, TechNeed.published_at < end)
    introduced = or_(
        _reached(INTRODUCED_ON_STATUSES),
        exists().where(MatchSuggestion.need_id == TechNeed.id, MatchSuggestion.introduced_at.is_not(None)),
    )
    signed = exists().where(Contract.need_id == TechNeed.id, Contract.voided.is_(False), contract_not_awaiting())
    stages = [
        ("发布需求", None),
        ("获得推荐", exists().where(MatchSuggestion.need_id == TechNeed.id)),
        ("经纪人采纳", _reached(ACCEPTED_ON_STATUSES)),
        ("完成引荐", introduced),
        ("签订合同", signed),
    ]
    cols = [func.count(TechNeed.id)] + [func.count(TechNeed.id).filter(cond) for _, cond in stages[1:]]
    counts = db.session.execute(select(*cols).where(published)).one()
    rows = []
    for i, ((name, _), n) in enumerate(zip(stages, counts)):
        rows.append({"name": name, "count": int(n), "step_rate": _pct(n, counts[i - 1]) if i else None,
                     "overall_rate": _pct(n, counts[0]) if i else None})  # fmt: skip
    cols = [Column("name", "阶段"), Column("count", "需求数（项）", "int"),
            Column("step_rate", "较上一阶段转化率（%）", "pct"), Column("overall_rate", "较发布需求转化率（%）", "pct")]  # fmt: skip
    return Table("funnel", "对接漏斗", cols, rows, chart="funnel",
                 note="本期发布的需求中，截至目前到达各阶段的需求数（按需求去重）。")  # fmt: skip


def listing_states():
    """Needs and results counted by their current state."""
    tables = []
    for key, title, model in (
        ("needs_by_state", "技术需求状态分布", TechNeed),
        ("results_by_state", "科技成果状态分布", Result),
    ):
        found = dict(db.session.execute(select(model.status, func.count(model.id)).group_by(model.status)).all())
        rows = [{"name": model.status_label_of(s.value), "count": int(found.pop(s.value, 0))} for s in ListingStatus]
        rows += [{"name": k, "count": int(v)} for k, v in found.items()]
        total = {"name": "合计", "count": sum(r["count"] for r in rows)}
        tables.append(Table(key, title, [Column("name", "状态"), Column("count", "数量（项）", "int")], rows,
                            chart="pie", total=total, note="当前状态，不受统计区间限制。"))  # fmt: skip
    return tables


def _headline_from(period, channel_rows, channel):
    """The headline computed from the by-channel rows (saves two queries)."""
    picked = [r for r in channel_rows if channel is None or r["name"] == Channel.label_of(channel)]
    t = _table_total(picked)
    where = "线上" if channel == Channel.ONLINE.value else ""
    text = f"平台{where}签订技术交易合同 {t['count']} 项，合同金额 {format_wan(t['amount'])} 万元"
    return {"count": t["count"], "amount": t["amount"], "transaction_amount": t["transaction_amount"],
            "channel": channel or "all", "text": text, "full": f"{period.label}，{text}。"}  # fmt: skip


SIGNED_ONLINE_LABEL = "网上签约（电子签名）"


def signing_table(totals):
    """Contracts signed online (PAdES, on the platform) apart from those recorded by brokers, per channel."""
    rows = {}
    for value, money in totals.dimensions.get(summary.SIGNING, {}).items():
        ch, signed = value.rsplit(":", 1)
        name = SIGNED_ONLINE_LABEL if signed == "1" else f"经纪人登记·{Channel.label_of(ch)}"
        agg = rows.setdefault(name, {"name": name, "count": 0, "amount": Decimal(0), "transaction_amount": Decimal(0)})
        for k, v in _money(*money).items():
            agg[k] += v
    order = [SIGNED_ONLINE_LABEL] + [f"经纪人登记·{c.label}" for c in Channel]
    out = [rows.pop(n) if n in rows else dict(name=n, **_money(0, 0, 0)) for n in order] + list(rows.values())
    return Table("by_signing", "按签订方式统计", [Column("name", "签订方式")] + MONEY_COLUMNS, out, chart="pie",
                 total=_table_total(out),
                 note="网上签约：甲乙双方在平台上以数字证书签署、平台加盖数字签名的合同（签订渠道均为线上）；"
                      "经纪人登记：线下签订后由经纪人录入的合同。标题中的“线上签订”= 网上签约 + 经纪人登记·线上。")  # fmt: skip


def _headline_signed(period, table):
    row = table.rows[0]
    text = f"其中网上签约（电子签名）{row['count']} 项，合同金额 {format_wan(row['amount'])} 万元"
    return {"count": row["count"], "amount": row["amount"], "transaction_amount": row["transaction_amount"],
            "channel": "signed_online", "text": text, "full": f"{period.label}，{text}。"}  # fmt: skip


def _contract_part(period):
    """What the report reads from contracts: the same for every admin until a contract changes."""
    totals = summary.totals(period)
    return time_tables(period, totals), _dimensions(totals), signing_table(totals)


def build_report(period):
    """Everything the page, the exports and the command show for one period.

    The contract totals are kept per period and keyed on the contracts' generation counter, which
    every commit writing a contract or a signing document moves (``matchmaker/cache.py``): a report
    read after such a commit, on any machine, is computed afresh. Names (institutions, brokers,
    zones, events), the funnel and listing states are read live.
    """
    key = ("report", period.start, period.end, cache.generation(db.session, "contracts"))
    times, grouped, signing = cache.cached(key, REPORT_TABLES, lambda: _contract_part(period))
    dims = [d.table() for d in grouped]
    channels = next(t for t in dims if t.key == "by_channel").rows
    dims.insert(2, signing)
    return {
        "period": period,
        "headline": _headline_from(period, channels, Channel.ONLINE.value),
        "headline_signed": _headline_signed(period, signing),
        "headline_all": _headline_from(period, channels, None),
        "tables": list(times) + dims + [funnel(period)] + listing_states(),
    }


def table_of(report, key):
    """The report table with that key, or None."""
    return next((t for t in report["tables"] if t.key == key), None)


def _contract_years():
    """The signing years of valid contracts, ascending (kept until a contract changes); () when none."""
    key = ("contract_years", cache.generation(db.session, "contracts"))
    return tuple(cache.cached(key, REPORT_TABLES, _read_contract_years))


def _read_contract_years():
    kept = summary.years()
    if kept is not None:
        return list(kept)
    year = func.extract("year", Contract.signed_on)
    stmt = select(year).where(Contract.voided.is_(False), contract_not_awaiting()).distinct()
    return sorted(int(y) for y in db.session.scalars(stmt))  # [] is kept; None would be read again


def quick_periods(years=None):
    """Handy periods for the chooser: this year, this quarter, and the six latest of ``years`` (by default the
    years with contracts; a year without any is no handy period: the demo's 2020 was left out for four empty
    years after it)."""
    t = today()
    q_start = date(t.year, 3 * ((t.month - 1) // 3) + 1, 1)
    out = [("本年", date(t.year, 1, 1), t), ("本季度", q_start, t)]
    years = [y for y in (_contract_years() if years is None else years) if y <= t.year][-6:]
    out += [(f"{y}年", date(y, 1, 1), date(y, 12, 31)) for y in reversed(years)]
    return [{"label": label, "from": a.isoformat(), "to": b.isoformat()} for label, a, b in out]
