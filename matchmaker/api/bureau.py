"""Reports, organisations and zones: what the bureau's statistics office and data platform read."""

from flask_login import current_user

from ..extensions import db
from ..models import Organization, Role, Zone
from ..reports import services as reports
from ..utils.search import contains_any
from ..zones import services as zones
from . import pagination, schemas
from .errors import ApiError
from .lookup import get_or_404
from .routes import bp, requires

admin_only = requires(Role.ADMIN)


def _table(t):
    return {"key": t.key, "title": t.title, "note": t.note, "rows": t.rows, "total": t.total,
            "columns": [{"key": c.key, "label": c.label, "kind": c.kind} for c in t.columns]}  # fmt: skip


@bp.route("/reports")
@admin_only
@bp.arguments(schemas.ReportArgs, location="query")
@bp.response(200, schemas.Report)
@bp.doc(summary="技术合同统计报表", description="与统计报表页、Excel 导出相同的数字（同一组查询），金额以元给出、精确到分。"
        "不带 from/to 时为报表页的默认区间。")  # fmt: skip
def reports_get(args):
    """The report page's headline and tables for a period."""
    start, end = args.get("start"), args.get("end")
    try:
        period = reports.parse_period(start.isoformat() if start else "", end.isoformat() if end else "")
    except reports.PeriodError as exc:
        raise ApiError(400, "invalid_period", "统计区间有误", str(exc)) from None
    report = reports.build_report(period)
    p = report["period"]
    return {
        "period": {"start": p.start, "end": p.end, "label": p.label},
        "headline": report["headline"], "headline_signed": report["headline_signed"],
        "headline_all": report["headline_all"], "tables": [_table(t) for t in report["tables"]],
    }  # fmt: skip


OrganizationPage = schemas.page_of(schemas.Organization, "OrganizationPage")


def _org(o):
    return {k: getattr(o, k) for k in schemas.Organization().fields}


@bp.route("/organizations")
@admin_only
@bp.arguments(schemas.OrganizationArgs, location="query")
@bp.response(200, OrganizationPage)
@bp.doc(summary="单位列表", description="企业、高校、院所等单位，按 id 排序。")
def organizations_list(args):
    """Organisations, filtered by name and kind."""
    stmt = db.select(Organization).order_by(Organization.id)
    if args.get("q"):
        stmt = stmt.where(contains_any(args["q"], Organization.name))
    if args.get("kind"):
        stmt = stmt.where(Organization.kind == args["kind"])
    filters = {k: v for k, v in args.items() if k not in ("limit", "cursor")}
    keyset = pagination.by_id(Organization.id)
    page = pagination.page(stmt, None, "organizations", filters, args["limit"], args.get("cursor"), keyset)
    page["items"] = [_org(o) for o in page["items"]]
    return page


@bp.route("/organizations/<int:org_id>")
@admin_only
@bp.response(200, schemas.Organization)
@bp.doc(summary="单位详情")
def organizations_detail(org_id):
    """One organisation."""
    return _org(get_or_404(Organization, org_id))


def _zone(z, counts):
    n = counts.get(z.id, [0, 0])
    return {"id": z.id, "name": z.name, "description": z.description, "starts_on": z.starts_on,
            "ends_on": z.ends_on, "active": z.active, "needs": n[0], "results": n[1]}  # fmt: skip


@bp.route("/zones")
@requires()
@bp.response(200, schemas.Zone(many=True))
@bp.doc(summary="专区列表", description="开放中的专区及其有效需求、成果数（管理员另见已关闭的专区）。")
def zones_list():
    """Active zones (admins: all) with their live needs and results counts."""
    stmt = db.select(Zone).order_by(Zone.id.desc())
    if not current_user.is_admin:
        stmt = stmt.where(Zone.active.is_(True))
    counts = zones.zone_counts(current_user)
    return [_zone(z, counts) for z in db.session.scalars(stmt)]


@bp.route("/zones/<int:zone_id>")
@requires()
@bp.response(200, schemas.Zone)
@bp.doc(summary="专区详情", description="专区内的需求、成果用 /needs?zone=id 与 /results?zone=id 查询。")
def zones_detail(zone_id):
    """One zone (an inactive one only for admins)."""
    zone = get_or_404(Zone, zone_id)
    if not zone.active and not current_user.is_admin:
        raise ApiError(404)
    return _zone(zone, zones.zone_counts(current_user))
