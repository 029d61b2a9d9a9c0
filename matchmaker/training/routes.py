"""Views of the training area: courses, enrolment, attendance, assessment, certificates, verification."""

from urllib.parse import urlencode

from flask import Blueprint, abort, flash, has_request_context, redirect, render_template, request, url_for
from flask_login import current_user

from ..auth.decorators import get_or_404, login_required, public, role_required
from ..extensions import db, limiter
from ..models import Certificate, OrgKind, Role, TrainingCourse, TrainingEnrolment, User
from ..models.enums import CourseStatus
from ..utils import once
from ..utils.urls import referrer_path, safe_next
from ..utils.validators import phone_for_reading
from ..utils.versions import EditConflict, refuse_stale
from . import services
from .forms import TRAINEE_KINDS, AssessmentForm, CourseForm, EnrolPersonForm, RevokeForm, SelfEnrolForm, SessionForm
from .services import TrainingError

bp = Blueprint("training", __name__)


@bp.app_template_global()
def broker_certificate(user_id):
    """The valid certificate of a user (or None); loaded once per request for every certified user."""
    if not user_id:
        return None
    # Cached on the request (not on g: tests keep one app context across requests).
    cache = request.environ if has_request_context() else {}
    if "matchmaker.certified_users" not in cache:
        from ..extensions import db
        from ..models import Certificate
        from ..models.base import today

        rows = db.session.scalars(
            db.select(Certificate).where(
                Certificate.user_id.is_not(None), Certificate.revoked_at.is_(None), Certificate.valid_until >= today()
            )
        ).all()
        cache["matchmaker.certified_users"] = {c.user_id: c for c in rows}
    return cache["matchmaker.certified_users"].get(user_id)


@bp.app_template_filter("trainee_phone")
def trainee_phone(number):
    """A trainee's phone as stored (digits only, normalize_phone) laid out for reading; see phone_for_reading."""
    return phone_for_reading(number)


admin_only = role_required(Role.ADMIN)
staff_only = role_required(Role.BROKER, Role.ADMIN)


def _course_or_404(course_id):
    course = get_or_404(TrainingCourse, course_id)
    if course.status == CourseStatus.DRAFT.value and not current_user.is_admin:
        abort(404)
    return course


@bp.route("/")
@public
def index():
    """Training courses, newest year first; filters by year, status and title."""
    page = db.paginate(services.course_query(current_user, request.args), per_page=20, error_out=False)
    return render_template("training/index.html", page=page, statuses=CourseStatus)


@bp.route("/<int:course_id>")
@public
def course(course_id):
    """A course: modules, sessions, enrolment; counts for admins."""
    return _render_course(_course_or_404(course_id))


def _render_course(course, enrol_form=None, session_form=None, status=200):
    """The course page; a refused enrolment or session form is shown again as sent, its errors beside its fields."""
    admin = current_user.is_admin
    return render_template(
        "training/course.html", course=course, mine=services.enrolment_of(course, current_user),
        enrol_form=enrol_form or SelfEnrolForm(), session_form=session_form or (SessionForm() if admin else None),
        counts=services.course_counts(course) if admin else None, ended=services.has_ended(course),
    ), status  # fmt: skip


@bp.route("/new", methods=["GET", "POST"])
@admin_only
def course_new():
    """Create a course."""
    form = CourseForm()
    if form.validate_on_submit():
        try:
            course = services.save_course(TrainingCourse(), form.data, current_user, key=form.submission_key.data)
        except once.Repeat as r:
            return once.see_other(url_for("training.course", course_id=r.entity_id))
        except TrainingError as exc:
            form[exc.field or "ends_on"].errors.append(str(exc))
        else:
            flash(f"已创建课程「{course.title}」", "success")
            return redirect(url_for("training.course", course_id=course.id))
    return render_template("training/course_form.html", form=form, course=None), 400 if form.errors else 200


@bp.route("/<int:course_id>/edit", methods=["GET", "POST"])
@admin_only
def course_edit(course_id):
    """Edit a course (title, dates, status, modules)."""
    course = get_or_404(TrainingCourse, course_id)
    form = CourseForm(obj=course)
    if request.method == "GET":
        _fill_course(form, course)
    status = None
    if form.validate_on_submit():
        try:
            services.save_course(course, form.data, current_user, version=form.version.data)
        except TrainingError as exc:
            form[exc.field or "capacity"].errors.append(str(exc))
        except EditConflict as exc:
            saved = _fill_course(CourseForm(formdata=None, obj=course), course)
            status = refuse_stale(form, exc, services.course_version(course), saved)
        else:
            flash("课程已保存", "success")
            return redirect(url_for("training.course", course_id=course.id))
    status = status or (400 if form.errors else 200)
    return render_template("training/course_form.html", form=form, course=course), status


def _fill_course(form, course):
    """What the edit page shows of the course as stored, beyond its columns."""
    form.modules.data = [m.kind for m in course.modules]
    form.version.data = services.course_version(course)
    return form


@bp.route("/<int:course_id>/sessions", methods=["POST"])
@admin_only
def session_add(course_id):
    """Add a session to a course."""
    course = get_or_404(TrainingCourse, course_id)
    form = SessionForm()
    if form.validate_on_submit():
        try:
            services.add_session(course, form.data, current_user, key=form.submission_key.data)
        except once.Repeat:
            return once.see_other(url_for("training.course", course_id=course.id))
        except TrainingError as exc:
            form.module_kind.errors.append(str(exc))
        else:
            flash("已添加课次", "success")
            return redirect(url_for("training.course", course_id=course.id))
    flash("课次信息有误，请按提示修改", "danger")
    return _render_course(course, session_form=form, status=400)


@bp.route("/<int:course_id>/sessions/<int:session_id>/delete", methods=["POST"])
@admin_only
def session_delete(course_id, session_id):
    """Remove a session."""
    course = get_or_404(TrainingCourse, course_id)
    try:
        if not services.delete_session(course, session_id):
            abort(404)
    except TrainingError as exc:
        flash(str(exc), "warning")
    else:
        flash("已删除课次", "success")
    return redirect(url_for("training.course", course_id=course.id))


@bp.route("/<int:course_id>/enrol", methods=["POST"])
@login_required
def enrol(course_id):
    """Enrol myself in an open course. A wrong phone number comes back beside the field, as typed (it was a
    message above the page, the number gone); a refusal that is not the form's (full, closed) is a message."""
    course = _course_or_404(course_id)
    form = SelfEnrolForm()
    if not form.validate_on_submit():
        if form.phone.errors:
            return _render_course(course, enrol_form=form, status=400)
        flash("报名信息有误，请刷新页面后重试", "danger")
        return redirect(url_for("training.course", course_id=course.id))
    try:
        services.enrol_self(course, current_user, form.phone.data)
    except TrainingError as exc:
        if exc.field == "phone":
            form.phone.errors.append(str(exc))
            return _render_course(course, enrol_form=form, status=400)
        flash(str(exc), "warning")
    else:
        flash(f"已报名「{course.title}」", "success")
    return redirect(url_for("training.course", course_id=course.id))


def _list_query():
    """The list's query string as sent (filters, page): its row forms are posted with it, so a refusal shows the
    list again as the admin left it."""
    return urlencode(list(request.args.items(multi=True)))


def _failed_row(failed, field):
    """A list row's refused form, ``failed`` (row, form), as the list shows it again on that row: the row's id,
    ``field`` as typed and its errors. None when nothing was refused."""
    if not failed:
        return None
    row, form = failed
    return {"id": row.id, "typed": (form[field].raw_data or [""])[0], "errors": form[field].errors}


def _render_enrolments(course, person_form=None, status=200, failed=None):
    """The trainee list (filters and page from the query). ``failed``: a trainee's refused score form (enrolment,
    AssessmentForm), shown again on their row as typed with its message; its form is posted with the list's query,
    so the list comes back as the admin left it."""
    page = db.paginate(services.enrolment_query(course, request.args), per_page=30, error_out=False)
    query = _list_query()
    here = url_for("training.enrolments", course_id=course.id) + (f"?{query}" if query else "")
    row = _failed_row(failed, "score")
    if row and failed[0] not in page.items:  # not on the page shown: said above it
        flash(f"{failed[0].name}：" + "；".join(row["errors"]), "danger")
    return render_template(
        "training/enrolments.html", course=course, page=page, kinds=TRAINEE_KINDS, query=query, here=here,
        person_form=person_form or EnrolPersonForm(formdata=None), counts=services.course_counts(course), failed=row,
        phone_search=bool(services.phone_search_term((request.args.get("q") or "").strip()[:50])),
    ), status  # fmt: skip


@bp.route("/<int:course_id>/enrolments", methods=["GET"])
@admin_only
def enrolments(course_id):
    """A course's trainees: attendance, assessment and certificate per person."""
    return _render_enrolments(get_or_404(TrainingCourse, course_id))


@bp.route("/<int:course_id>/enrolments", methods=["POST"])
@admin_only
def enrol_person(course_id):
    """An admin enrols a person (an account is not required)."""
    course = get_or_404(TrainingCourse, course_id)
    form = EnrolPersonForm()
    if form.validate_on_submit():
        try:
            e = services.enrol_person(course, form.data, current_user, key=form.submission_key.data)
        except once.Repeat:
            return once.see_other(url_for("training.enrolments", course_id=course.id))
        except TrainingError as exc:
            form[exc.field if exc.field in form else "name"].errors.append(str(exc))
        else:
            flash(f"已为 {e.name}（{e.org_name}）报名", "success")
            return redirect(url_for("training.enrolments", course_id=course.id))
    return _render_enrolments(course, form, 400)


def _enrolment(enrolment_id):
    return get_or_404(TrainingEnrolment, enrolment_id)


def _back(e, at_row=False):
    """Back to the trainee list the form was sent from. ``at_row``: saved, at the trainee's row, which shows what
    was saved (on a page of 30 the admin was taken to its top each time); a refusal stays at the top, by its message."""
    back = safe_next(request.form.get("next"), under="/training/")
    back = back or url_for("training.enrolments", course_id=e.course_id)
    return redirect(f"{back}#enrolment-{e.id}" if at_row else back)


@bp.route("/enrolments/<int:enrolment_id>/attendance", methods=["POST"])
@admin_only
def attendance(enrolment_id):
    """Mark the sessions a trainee attended."""
    e = _enrolment(enrolment_id)
    try:
        ids = [int(x) for x in request.form.getlist("session_id")]
        services.set_attendance(e, ids)
    except (ValueError, TrainingError) as exc:
        flash(str(exc) if isinstance(exc, TrainingError) else "课次选择无效", "danger")
    else:
        flash(f"已保存 {e.name} 的出勤（{len(e.sessions)} 次）", "success")
        return _back(e, at_row=True)
    return _back(e)


@bp.route("/enrolments/<int:enrolment_id>/assessment", methods=["POST"])
@admin_only
def assessment(enrolment_id):
    """Record a trainee's assessment score. A refused one (mistyped, out of range, failing a certified trainee)
    comes back beside that trainee's field on the list it was sent from, as typed (it was a message above the
    page, the score gone)."""
    e = _enrolment(enrolment_id)
    form = AssessmentForm()
    if form.validate_on_submit():
        try:
            services.assess(e, form.score.data, current_user)
        except TrainingError as exc:
            form.score.errors.append(str(exc))
        else:
            flash(f"已记录 {e.name} 的考核成绩 {e.score} 分（{'通过' if e.passed else '未通过'}）", "success")
            return _back(e, at_row=True)
    if not form.score.errors:  # not the score's fault
        flash("提交无效，请刷新页面后重试", "danger")
        return _back(e)
    return _render_enrolments(e.course, status=400, failed=(e, form))


@bp.route("/enrolments/<int:enrolment_id>/certificate", methods=["POST"])
@admin_only
def certificate_issue(enrolment_id):
    """Issue a passed trainee's certificate."""
    e = _enrolment(enrolment_id)
    try:
        cert = services.issue_certificate(e, current_user, key=request.form.get(once.FIELD))
    except TrainingError as exc:
        flash(str(exc), "danger")
    else:
        flash(f"已为 {e.name} 发放证书 {cert.number}，有效期至 {cert.valid_until}", "success")
        return _back(e, at_row=True)
    return _back(e)


@bp.route("/certificates")
@admin_only
def certificates():
    """Every certificate, by state, year and holder."""
    return _render_certificates()


def _render_certificates(failed=None, status=200):
    """The certificate list (filters and page from the query). ``failed``: a refused revocation (certificate,
    RevokeForm), its reason box marked on its row with the message; its form is posted with the list's query."""
    page = db.paginate(services.certificate_query(request.args), per_page=30, error_out=False)
    row = _failed_row(failed, "reason")
    if row and (failed[0] not in page.items or failed[0].revoked_at):  # its box not shown: said above the list
        flash(f"证书 {failed[0].number}：" + "；".join(row["errors"]), "danger")
    return render_template(
        "training/certificates.html", page=page, revoke_form=RevokeForm(formdata=None), query=_list_query(),
        failed=row,
    ), status  # fmt: skip


@bp.route("/certificates/<int:cert_id>/revoke", methods=["POST"])
@admin_only
def certificate_revoke(cert_id):
    """Revoke a certificate with a reason. One sent without its reason comes back with the message beside that
    certificate's reason box (it was a message above the page); one revoked meanwhile is a message."""
    cert = get_or_404(Certificate, cert_id)
    form = RevokeForm()
    if form.validate_on_submit():
        try:
            services.revoke_certificate(cert, current_user, form.reason.data)
        except TrainingError as exc:
            flash(str(exc), "danger")
        else:
            flash(f"已撤销证书 {cert.number}", "success")
    elif form.reason.errors:
        return _render_certificates(failed=(cert, form), status=400)
    else:  # not the reason's fault
        flash("提交无效，请刷新页面后重试", "danger")
    return redirect(referrer_path(under="/training/") or url_for("training.certificates"))


@bp.route("/verify")
@public
@limiter.limit("30 per minute")
def verify():
    """Anyone checks a certificate by its number: valid, expired or revoked."""
    number = (request.args.get("number") or "").strip()
    cert = services.find_certificate(number) if number else None
    return render_template("training/verify.html", number=number, cert=cert)


@bp.route("/mine")
@login_required
def mine():
    """My enrolments, results and certificates, 20 to a page as the other lists."""
    return _render_person(current_user)


@bp.route("/people/<int:user_id>")
@staff_only
def person(user_id):
    """A person's training record and certificates (a broker's profile)."""
    return _render_person(get_or_404(User, user_id))


def _render_person(user):
    page = db.paginate(services.person_record(user), per_page=20, error_out=False)
    return render_template("training/person.html", person=user, page=page, kinds=OrgKind)
