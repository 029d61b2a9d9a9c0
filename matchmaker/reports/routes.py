"""Views of the reports area: the admin report page and its exports."""

from flask import Blueprint, Response, flash, render_template, request

from ..auth.decorators import role_required
from ..models import Role
from ..utils.money import short
from . import services
from .charts import chart_payloads
from .export import ROUNDING_NOTE, to_csv, to_xlsx

bp = Blueprint("reports", __name__)

admin_only = role_required(Role.ADMIN)


def _refused(message, code=400):
    """An export that cannot be made: the error page saying why (abort's description is not shown)."""
    return render_template("errors/error.html", code=code, title="无法导出", message=message), code


def _period():
    """The period from ?from=&to=, or the default with an error message."""
    try:
        return services.parse_period(request.args.get("from"), request.args.get("to")), None
    except services.PeriodError as exc:
        return services.default_period(), str(exc)


@bp.route("/")
@admin_only
def index():
    """The report page: headline, charts and tables for a chosen period."""
    period, error = _period()
    if error:
        flash(f"{error}；已显示默认区间", "warning")
    report = services.build_report(period)
    return render_template("reports/index.html", report=report, charts=chart_payloads(report), error=error,
                           quick=services.quick_periods(), rounding_note=ROUNDING_NOTE)  # fmt: skip


@bp.route("/export")
@admin_only
def export():
    """Every report table as .xlsx (a sheet per table) or CSV (one table with ?table=, else all)."""
    period, error = _period()
    if error:
        return _refused(f"{error}，请返回报表页重新选择统计区间")
    fmt = request.args.get("format", "xlsx")
    report = services.build_report(period)
    stem = f"技术合同统计_{period.start:%Y%m%d}-{period.end:%Y%m%d}"
    if fmt == "csv":
        key = request.args.get("table")
        table = services.table_of(report, key) if key else None
        if key and table is None:
            keys = "、".join(t.key for t in report["tables"])
            return _refused(f"没有这张报表（table={short(key)}），可选：{keys}", 404)
        body, mime, name = (
            to_csv(report, table),
            "text/csv; charset=utf-8",
            f"{stem}{'_' + table.key if table else ''}.csv",
        )
    elif fmt == "xlsx":
        body, name = to_xlsx(report), f"{stem}.xlsx"
        mime = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    else:
        return _refused("导出格式应为 xlsx 或 csv")
    from urllib.parse import quote

    disposition = f"attachment; filename=report.{fmt}; filename*=UTF-8''{quote(name)}"
    return Response(body, content_type=mime, headers={"Content-Disposition": disposition})


@bp.route("/services")
@admin_only
def service_index():
    """Service statistics for a period: the letter's paragraph beside the contract headline, and tables."""
    from . import service_stats

    period, error = _period()
    if error:
        flash(f"{error}；已显示默认区间", "warning")
    return render_template("reports/services.html", stats=service_stats.build(period), error=error,
                           quick=services.quick_periods(service_stats.service_years()))  # fmt: skip


@bp.route("/services/export")
@admin_only
def service_export():
    """The service statistics as .xlsx."""
    from urllib.parse import quote

    from . import service_stats

    period, error = _period()
    if error:
        return _refused(f"{error}，请返回服务统计页重新选择统计区间")
    name = f"服务统计_{period.start:%Y%m%d}-{period.end:%Y%m%d}.xlsx"
    return Response(service_stats.to_xlsx(service_stats.build(period)),
                    mimetype="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                    headers={"Content-Disposition": f"attachment; filename=services.xlsx; filename*=UTF-8''{quote(name)}"})  # fmt: skip
