"""Views of the live-classes area: the schedule, a session, registration, attendance."""

from flask import Blueprint, abort, flash, jsonify, redirect, render_template, request, url_for
from flask_login import current_user

from ..auth.decorators import get_or_404, login_required, public, role_required
from ..extensions import db
from ..models import LiveSession, Role
from ..models.enums import AttendanceImportStatus, LiveKind, TemplateMembers
from ..utils import once
from ..utils.versions import EditConflict, refuse_stale
from . import services
from .forms import ImportForm, SessionForm
from .services import LiveError

bp = Blueprint("classes", __name__)
bp.add_app_template_global(TemplateMembers(AttendanceImportStatus), "AttendanceImportStatus")  # for the templates
staff_only = role_required(Role.BROKER, Role.ADMIN)
registrants = role_required(Role.ENTERPRISE, Role.RESEARCHER)


def _visible_or_404(session_id):
    s = get_or_404(LiveSession, session_id)
    if not s.published and not current_user.is_staff:
        abort(404)
    return s


def _editable(session_id):
    s = get_or_404(LiveSession, session_id)
    if not s.can_edit(current_user):
        abort(403)
    return s


@bp.route("/")
@public
def index():
    """Live classes and online matchmaking sessions; filters by kind, upcoming/past, title or speaker."""
    page = db.paginate(services.session_query(request.args, current_user), per_page=20, error_out=False)
    now = services.beijing_now()
    return render_template("classes/index.html", page=page, kinds=LiveKind,
                           phase=lambda s: services.session_phase(s, now))  # fmt: skip


@bp.route("/<int:session_id>")
@public
def detail(session_id):
    """A session: schedule, speaker, registration, the live link (registered users), replay and materials."""
    s = _visible_or_404(session_id)
    return render_template("classes/detail.html", s=s, mine=services.registration_of(s, current_user),
                           taken=services.registered_count(s), now=services.beijing_now(),
                           registration_open=services.registration_open(s),
                           attended=services.attendance_count(s) if current_user.is_staff else None)  # fmt: skip


@bp.route("/new", methods=["GET", "POST"])
@staff_only
def new():
    """Schedule a session."""
    return _save(LiveSession(), SessionForm())


@bp.route("/<int:session_id>/edit", methods=["GET", "POST"])
@staff_only
def edit(session_id):
    """Edit a session (its creator and admins): links, replay, materials."""
    s = _editable(session_id)
    form = SessionForm(obj=s)
    if request.method == "GET":
        form.version.data = services.session_version(s)
    return _save(s, form)


def _save(s, form):
    status = None
    if form.validate_on_submit():
        try:
            services.save_session(s, form.data, current_user, key=form.submission_key.data, version=form.version.data)
        except once.Repeat as r:
            return once.see_other(url_for("classes.detail", session_id=r.entity_id))
        except LiveError as exc:
            form.capacity.errors.append(str(exc))
        except EditConflict as exc:
            saved = SessionForm(formdata=None, obj=s)
            status = refuse_stale(form, exc, services.session_version(s), saved)
        else:
            flash("场次已保存", "success")
            return redirect(url_for("classes.detail", session_id=s.id))
    status = status or (400 if form.errors else 200)
    return render_template("classes/form.html", form=form, s=s if s.id else None), status


@bp.route("/<int:session_id>/register", methods=["POST"])
@registrants
def register(session_id):
    """Register for a session (enterprise users and researchers)."""
    s = _visible_or_404(session_id)
    try:
        services.register(s, current_user)
    except LiveError as exc:
        flash(str(exc), "warning")
    else:
        flash(f"已报名“{s.title}”，开播前一天会提醒您", "success")
    return redirect(url_for("classes.detail", session_id=s.id))


@bp.route("/<int:session_id>/unregister", methods=["POST"])
@registrants
def unregister(session_id):
    """Cancel my registration before the session starts."""
    s = _visible_or_404(session_id)
    try:
        services.unregister(s, current_user)
    except LiveError as exc:
        flash(str(exc), "warning")
    else:
        flash("已取消报名", "success")
    return redirect(url_for("classes.detail", session_id=s.id))


@bp.route("/mine")
@login_required
def mine():
    """My registrations and attendance."""
    page = db.paginate(services.my_registrations(current_user), per_page=20, error_out=False)
    return render_template("classes/mine.html", page=page)


EARLIER_IMPORTS = 5  # listed on the attendance page under the latest one; all of them on attendance_imports


def _attendance_page(s, form=None, status=200):
    page = db.paginate(services.registration_query(s, request.args), per_page=50, error_out=False)
    editable = s.can_edit(current_user)
    upload = services.latest_import(s) if editable else None
    earlier = upload and db.paginate(services.import_query(s, before=upload.id), page=1, per_page=EARLIER_IMPORTS)
    if form is None:  # the next part of a split export is read with the minimum the last one was (it went back to 1)
        form = (
            ImportForm(min_minutes=upload.min_minutes, replace_guests=_retry_replaces(upload))
            if upload
            else ImportForm()
        )
    return render_template("classes/attendance.html", s=s, page=page, form=form,
                           attended=services.attendance_count(s), taken=services.registered_count(s),
                           editable=editable, upload=upload, earlier=earlier), status  # fmt: skip


def _retry_replaces(upload):
    """更正后的文件 as ticked for a refused file, which the corrected one is sent for; never after one read (the next
    part of a split export sent with it would forget the guests of the part before)."""
    refused = (AttendanceImportStatus.REJECTED.value, AttendanceImportStatus.ERROR.value)
    return bool(upload.replace_guests) and upload.status in refused


@bp.route("/<int:session_id>/attendance")
@staff_only
def attendance(session_id):
    """Registrations with attendance (any staff reads them); those who may edit the session mark by hand or
    import the live platform's export."""
    return _attendance_page(get_or_404(LiveSession, session_id))


@bp.route("/<int:session_id>/attendance", methods=["POST"])
@staff_only
def attendance_mark(session_id):
    """Save the attendance ticks of the registrations shown (who may edit the session: its creator, admins)."""
    s = _editable(session_id)
    try:
        page_ids = [int(x) for x in request.form.getlist("shown")]
        ids = {int(x) for x in request.form.getlist("attended")}
        n = services.mark_attendance(s, ids, page_ids)
    except (ValueError, LiveError) as exc:
        flash(str(exc) if isinstance(exc, LiveError) else "出席记录无效", "danger")
    else:
        flash(f"已保存出席情况（本页出席 {n} 人）", "success")
    return redirect(url_for("classes.attendance", session_id=s.id))


@bp.route("/<int:session_id>/attendance/import", methods=["POST"])
@staff_only
def attendance_import(session_id):
    """Upload the live platform's viewer export (CSV/xlsx); who may edit the session, as for the ticks. A job reads
    it; the attendance page shows its progress, then what it did or why the file is refused."""
    s = _editable(session_id)
    form = ImportForm()
    if form.validate_on_submit():
        f = form.file.data
        try:
            services.queue_attendance_import(s, f.filename, f.read(), current_user, form.min_minutes.data,
                                             form.replace_guests.data)  # fmt: skip
        except LiveError as exc:
            form.file.errors.append(str(exc))
        else:
            return redirect(url_for("classes.attendance", session_id=s.id))
    return _attendance_page(s, form, 400)


@bp.route("/<int:session_id>/attendance/imports")
@staff_only
def attendance_imports(session_id):
    """Every attendance import of a session, newest first: file, time, status, what it did (who may edit the
    session, as for the imports themselves)."""
    s = _editable(session_id)
    page = db.paginate(services.import_query(s), per_page=20, error_out=False)
    return render_template("classes/imports.html", s=s, page=page)


@bp.route("/<int:session_id>/attendance/imports/<int:upload_id>/status")
@staff_only
def attendance_import_status(session_id, upload_id):
    """Progress of an attendance import as JSON (polled by the attendance page)."""
    upload = services.import_progress(_editable(session_id), upload_id)
    if upload is None:  # none such, or another session's
        abort(404)
    return jsonify(status=upload.status, done=upload.processed_rows, total=0, message=upload.message or "")
