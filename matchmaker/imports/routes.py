"""Admin bulk import of needs or results (.xlsx / .csv): upload, report, confirm, progress (under /needs/import)."""

from flask import Blueprint, Response, abort, flash, jsonify, redirect, render_template, request, url_for
from flask_login import current_user

from ..auth.decorators import role_required
from ..models import ImportStatus, Role
from ..models.enums import TemplateMembers
from ..utils import once
from . import services as imports
from .columns import COLUMNS, KIND_LABELS
from .reader import FileProblem

bp = Blueprint("imports", __name__)
bp.add_app_template_global(TemplateMembers(ImportStatus), "ImportStatus")  # templates compare with its members

admin_only = role_required(Role.ADMIN)
ERRORS_PER_PAGE = 200


@bp.route("/import", methods=["GET", "POST"])
@admin_only
def start():
    """Choose needs or results, download the template, upload a file to validate."""
    kind = request.values.get("kind", "need")
    include_hidden = request.form.get("include_hidden") == "1"
    error = None
    if request.method == "POST":
        upload = request.files.get("file")
        if upload is None or not upload.filename:
            error = "请选择要上传的文件"
        else:
            try:
                batch = imports.validate_upload(kind, upload.filename, upload.read(), current_user, include_hidden)
            except FileProblem as exc:
                error = str(exc)
            else:
                return redirect(url_for("imports.report", batch_id=batch.id))
    recent = imports.recent_batches(10)
    return render_template("imports/start.html", kind=kind if kind in COLUMNS else "need", kinds=KIND_LABELS,
                           columns=COLUMNS, error=error, recent=recent,
                           include_hidden=include_hidden), (400 if error else 200)  # fmt: skip


@bp.route("/import/template")
@admin_only
def template():
    """Download the empty template for needs or results, as .xlsx or .csv."""
    kind = request.args.get("kind") if request.args.get("kind") in COLUMNS else "need"
    fmt = "csv" if request.args.get("format") == "csv" else "xlsx"
    mime = "text/csv" if fmt == "csv" else "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    name = f"{'needs' if kind == 'need' else 'results'}_import_template.{fmt}"
    return Response(imports.template_file(kind, fmt), mimetype=mime,
                    headers={"Content-Disposition": f"attachment; filename={name}"})  # fmt: skip


@bp.route("/import/<int:batch_id>")
@admin_only
def report(batch_id):
    """The validation report: every bad row with its row number, column and reason; confirm button."""
    batch = imports.shown_batch(batch_id)
    if batch is None:
        abort(404)
    page = max(request.args.get("page", 1, type=int) or 1, 1)
    errors, warnings, alike = imports.report_entries(batch)
    pages = max((max(len(errors), len(warnings), len(alike)) + ERRORS_PER_PAGE - 1) // ERRORS_PER_PAGE, 1)
    part = slice((page - 1) * ERRORS_PER_PAGE, page * ERRORS_PER_PAGE)
    done, total = imports.progress(batch)
    hidden, unnamed = imports.hidden_notice(batch), imports.unnamed_notices(batch)
    return render_template("imports/report.html", batch=batch, errors=errors[part], warnings=warnings[part], hidden=hidden,
                           unnamed=unnamed,
                           n_errors=len(errors), n_warned=len({w[0] for w in warnings}), page=page, pages=pages,
                           alike=alike[part], n_alike=len({a[0] for a in alike}),
                           kinds=KIND_LABELS, done=done, total=total)  # fmt: skip


@bp.route("/import/<int:batch_id>/confirm", methods=["POST"])
@admin_only
def confirm(batch_id):
    """Import the good rows of a validated file (the import job alone reads the file)."""
    batch = imports.batch_progress(batch_id)
    if batch is None:
        abort(404)
    try:
        imports.confirm(batch)
    except once.Repeat:
        flash("该批次已处理，不能重复导入，以下为该批次的当前状态", "info")
        return once.see_other(url_for("imports.report", batch_id=batch_id))
    except FileProblem as exc:
        flash(str(exc), "danger")
    else:
        batch = imports.batch_progress(batch_id)  # done or failed already when the job ran at once
        if batch.status == ImportStatus.DONE:
            flash(batch.message, "success")
        elif batch.status == ImportStatus.ERROR:
            flash(batch.message, "danger")
        else:
            flash("正在导入，请稍候，本页会自动显示进度", "info")
    return redirect(url_for("imports.report", batch_id=batch_id))


@bp.route("/import/<int:batch_id>/status")
@admin_only
def status(batch_id):
    """Progress of an import as JSON (polled by the report page)."""
    batch = imports.batch_progress(batch_id)
    if batch is None:
        abort(404)
    done, total = imports.progress(batch)
    return jsonify(status=batch.status, done=done, total=total, message=batch.message or "")
