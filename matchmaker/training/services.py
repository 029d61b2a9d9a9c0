"""Broker training use cases: courses, sessions, enrolment, attendance, assessment, certificates.

Each function owns its transaction and commits once; who did what and when is stored on the
rows themselves (enrolled_by, assessed_by, issued_by, revoked_by).
"""

import re
from datetime import date, timedelta

from sqlalchemy import and_, func, union_all, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import joinedload, selectinload

from ..extensions import db
from ..models import Certificate, OrgKind, TrainingCourse, TrainingEnrolment, TrainingModule, TrainingSession, User
from ..models.base import today, utcnow
from ..models.enums import CourseStatus, TrainingModuleKind
from ..models.training import training_attendance
from ..utils import once
from ..utils.bounds import INT_MAX
from ..utils.inputs import year_filter
from ..utils.search import contains_any
from ..utils.text import clean_text
from ..utils.tx import rolls_back_on
from ..utils.validators import normalize_phone
from ..utils.versions import fingerprint, hold, unless_stale

PASS_MARK = 60
NUMBER_PREFIX = "JSJJR"  # 技术经纪人


class TrainingError(ValueError):
    """A refused training action; the message is shown to the user, beside ``field`` when a form has it."""

    def __init__(self, message, field=None):
        super().__init__(message)
        self.field = field


# Courses ----------------------------------------------------------------------------------


def course_query(user, args):
    """Courses visible to the user (drafts for admins only), filtered by year, status and title."""
    stmt = db.select(TrainingCourse)
    if not user.is_admin:
        stmt = stmt.where(TrainingCourse.status != CourseStatus.DRAFT.value)
    year, _ = year_filter(args.get("year"))
    if year:
        stmt = stmt.where(TrainingCourse.year == year)
    if args.get("status") in {s.value for s in CourseStatus}:
        stmt = stmt.where(TrainingCourse.status == args["status"])
    q = (args.get("q") or "").strip()[:50]
    if q:
        stmt = stmt.where(contains_any(q, TrainingCourse.title))
    return stmt.order_by(TrainingCourse.year.desc(), TrainingCourse.id.desc())


COURSE_FIELDS = ("title", "year", "status", "starts_on", "ends_on", "place", "capacity", "description")


def course_version(course):
    """A fingerprint of what the edit form shows of the course as stored (its modules included)."""
    return fingerprint([getattr(course, name) for name in COURSE_FIELDS]
                       + [course.certificate_years, [m.kind for m in course.modules]])  # fmt: skip


@rolls_back_on(TrainingError)
def save_course(course, data, actor, key=None, version=None):
    """Create or update a course and its modules from validated form data; commits.

    ``key``: the form's one-time key; a new course is made once per form shown (a repeat or a
    concurrent twin raises ``once.Repeat`` with the first course's id). ``version``: the course_version its
    edit page showed; a course saved since then by another admin is not overwritten (EditConflict)."""
    claimed = once.claim(key, "training_course", actor) if course.id is None else None
    if course.id is not None:
        hold(course)  # a session added meanwhile is seen by _check_dropped_modules (see add_session)
    with unless_stale(course, version, course_version, "课程"):
        _apply_course(course, data)
    if course.id is None:
        course.created_by_id = actor.id
        db.session.add(course)
        db.session.flush()
        once.bind(claimed, course.id)
    db.session.commit()
    return course


def _apply_course(course, data):
    """Check the form data and set it on the course and its modules."""
    for name in COURSE_FIELDS:
        value = data.get(name)
        setattr(course, name, value.strip() if isinstance(value, str) else value)
    course.description = course.description or ""
    course.certificate_years = data.get("certificate_years") or 3
    if course.starts_on and course.ends_on and course.ends_on < course.starts_on:
        raise TrainingError("结束日期不能早于开始日期", field="ends_on")
    if course.id is not None and course.capacity:
        taken = db.session.scalar(db.select(func.count(TrainingEnrolment.id)).filter_by(course_id=course.id))
        if taken > course.capacity:
            raise TrainingError(f"已有 {taken} 人报名，名额不能少于此数", field="capacity")
    wanted = [k for k in TrainingModuleKind if k.value in (data.get("modules") or [])]
    _check_dropped_modules(course, {m.kind for m in course.modules} - {k.value for k in wanted})
    by_kind = {m.kind: m for m in course.modules}
    course.modules = [by_kind.get(k.value) or TrainingModule(kind=k.value) for k in wanted]
    for position, module in enumerate(course.modules):
        module.position = position


SESSIONS_NAMED = 5  # sessions a refusal names per module; the others are counted


def _check_dropped_modules(course, dropped):
    """A module unticked while sessions of the course are still of it is refused, naming them (as a session is
    refused a module the course does not have): they were left tagged with a module the course no longer had."""
    if not dropped or course.id is None:
        return
    tagged = db.session.scalars(
        db.select(TrainingSession)
        .where(TrainingSession.course_id == course.id, TrainingSession.module_kind.in_(dropped))
        .order_by(TrainingSession.starts_at, TrainingSession.id)
    ).all()
    reasons = []
    for kind in TrainingModuleKind:  # in the modules' order
        sessions = [s for s in tagged if s.module_kind == kind.value]
        if not sessions:
            continue
        named = "、".join(f"「{s.title}」（{s.starts_at:%Y-%m-%d}）" for s in sessions[:SESSIONS_NAMED])
        more = f"等 {len(sessions)} 个课次" if len(sessions) > SESSIONS_NAMED else ""
        reasons.append(f"模块「{kind.label}」下还有课次{named}{more}")
    if reasons:
        which = "该模块" if len(reasons) == 1 else "这些模块"
        raise TrainingError("；".join(reasons) + f"，不能取消{which}：请保留{which}，或先删除这些课次", field="modules")


@rolls_back_on(TrainingError)
def add_session(course, data, actor=None, key=None):
    """Add a dated session to a course; commits.

    ``key``: the form's one-time key; a repeat raises ``once.Repeat`` with the first session's id.

    The course's row is held first, as save_course holds it before checking the modules it drops: a session
    added while its module is unticked is either seen by that check (refusing the untick) or, the untick
    committed first, refused here; it was left tagged with a module the course no longer had."""
    claimed = once.claim(key, f"training_session:{course.id}", actor)  # another course's key: not a repeat
    hold(course)  # reads the course's modules again, as committed
    kinds = {m.kind for m in course.modules}
    if data.get("module_kind") and data["module_kind"] not in kinds:
        raise TrainingError("该课程没有这个模块，请先在课程中勾选该模块")
    session = TrainingSession(
        course_id=course.id,
        module_kind=data.get("module_kind") or None,
        title=data["title"].strip(),
        lecturer=(data.get("lecturer") or "").strip() or None,
        starts_at=data["starts_at"],
        place=(data.get("place") or "").strip() or None,
    )
    db.session.add(session)
    db.session.flush()
    once.bind(claimed, session.id)
    db.session.commit()
    return session


SESSION_GONE = "该课次已删除（可能已在其他页面删除），请核对课次列表"


@rolls_back_on(TrainingError)
def delete_session(course, session_id):
    """Remove a session (and its attendance marks); commits. False when it is another course's; TrainingError
    when there is none such (deleted meanwhile: a double click, another tab).

    The course's row is held first, as set_attendance and save_course hold it: attendance saved at the same moment
    is either written before (its mark then goes with the session) or sees the session gone and is refused (its
    mark was a 500, naming a session no longer stored); a module unticked meanwhile sees the session gone."""
    if not 0 < session_id <= INT_MAX:
        raise TrainingError(SESSION_GONE)
    hold(course)
    session = db.session.get(TrainingSession, session_id, populate_existing=True)
    if session is None:
        raise TrainingError(SESSION_GONE)
    if session.course_id != course.id:
        db.session.rollback()
        return False
    db.session.delete(session)
    db.session.commit()
    return True


# Enrolment --------------------------------------------------------------------------------


def has_ended(course, on=None):
    """The course's last day is past (whatever its status says)."""
    return course.ends_on is not None and course.ends_on < (on or today())


def _check_open(course, by_admin):
    """Draft, closed and ended courses take no self-enrolment; an admin may still enrol people (late
    records). Capacity is checked after the write, in ``_add``."""
    if course.status == CourseStatus.DRAFT.value and not by_admin:
        raise TrainingError("该课程尚未开放报名")
    if course.status == CourseStatus.CLOSED.value and not by_admin:
        raise TrainingError("该课程已结束报名")
    if has_ended(course) and not by_admin:
        raise TrainingError(f"该课程已于 {course.ends_on:%Y-%m-%d} 结束，不能再报名")


def _add(course, enrolment, claimed=None, typed_phone=None, by_admin=True):
    """Write the enrolment, then count the seats in the same transaction; over capacity it is rolled back.
    ``typed_phone``: the phone as given, quoted when it is another trainee's (the stored one is normalised).

    The course's row is held first (versions.hold) and read again, whatever its capacity: a second last-seat
    enrolment counts after the first one's commit, against the capacity as committed (an edit setting or lowering
    the 名额 at this moment is either seen here or sees this enrolment; one read from the page overfilled it).
    Whether the course still takes enrolments (``_check_open``) is asked again of the row so read: an admin's
    已结束报名 saved while this enrolment was on its way was checked against the copy the request loaded, and
    the enrolment landed in the closed course. The edit holds the row too (versions.unless_stale): the two
    serialise, and the one second in sees the first's commit.
    """
    hold(course)
    _check_open(course, by_admin)  # as committed: closed or ended meanwhile
    capacity = course.capacity
    db.session.add(enrolment)
    try:
        db.session.flush()
    except IntegrityError:
        db.session.rollback()
        raise TrainingError(*_duplicate(enrolment, typed_phone)) from None
    if capacity:
        taken = db.session.scalar(
            db.select(func.count(TrainingEnrolment.id)).where(TrainingEnrolment.course_id == course.id)
        )
        if taken > capacity:
            db.session.rollback()
            raise TrainingError(f"该课程名额已满（{capacity} 人）")
    once.bind(claimed, enrolment.id)
    db.session.commit()
    return enrolment


def _duplicate(enrolment, typed_phone=None):
    """(message, field) of why an enrolment met another in the course: the same account, or a phone number another
    trainee gave (an office landline on two colleagues' accounts was told 已报名 while only the other one was),
    told by its normalised form (0571-88886666 is 057188886666) and quoted as given."""
    if enrolment.phone:
        holder = db.session.execute(
            db.select(TrainingEnrolment.user_id).filter_by(course_id=enrolment.course_id, phone=enrolment.phone)
        ).first()
        if holder is not None and (holder.user_id is None or holder.user_id != enrolment.user_id):
            number = (typed_phone or enrolment.phone).strip()
            return (
                f"联系电话 {number} 已被本课程的其他学员登记：如是同一人，请勿重复报名；否则请填写本人的电话",
                "phone",
            )
    return "该学员已报名本课程，请勿重复报名", None


def enrolment_of(course, user):
    """The user's enrolment in a course, or None."""
    if not user.is_authenticated:
        return None
    return db.session.scalar(db.select(TrainingEnrolment).filter_by(course_id=course.id, user_id=user.id))


@rolls_back_on(TrainingError)  # a refusal after the row is held (_add) releases it
def enrol_self(course, user, phone=None):
    """A logged-in user enrols in an open course, as a member of their organisation; commits."""
    if enrolment_of(course, user) is not None:
        raise TrainingError("您已报名本课程")
    org = user.organization
    if org is None:
        raise TrainingError("您的账号尚未关联单位，请联系管理员后再报名")
    _check_open(course, by_admin=False)
    typed = phone or user.phone or None
    return _add(
        course,
        TrainingEnrolment(
            course_id=course.id, user_id=user.id, name=user.name, org_name=org.name, org_kind=org.kind,
            phone=normalize_phone(typed), email=user.email, enrolled_by_id=user.id,
        ),
        typed_phone=typed,
        by_admin=False,
    )  # fmt: skip


@rolls_back_on(TrainingError)
def enrol_person(course, data, actor, key=None):
    """An admin enrols someone (with or without a platform account); commits.

    When the e-mail belongs to a platform user, the enrolment (and a later certificate) is linked
    to that account, so the broker's profile and the queue show it. ``key``: the form's one-time key;
    a repeat raises ``once.Repeat`` with the first enrolment's id.
    """
    claimed = once.claim(key, f"training_enrolment:{course.id}", actor)  # another course's key: not a repeat
    _check_open(course, by_admin=True)
    email = (data.get("email") or "").strip().lower() or None
    user = db.session.scalar(db.select(User).where(func.lower(User.email) == email)) if email else None
    if user is not None and enrolment_of(course, user) is not None:
        raise TrainingError(f"账号 {user.email} 已报名本课程")
    return _add(
        course,
        TrainingEnrolment(
            course_id=course.id, user_id=user.id if user else None, name=data["name"].strip(),
            org_name=data["org_name"].strip(), org_kind=data["org_kind"], phone=normalize_phone(data.get("phone")),
            email=email, enrolled_by_id=actor.id,
        ),
        claimed,
        typed_phone=data.get("phone"),
    )  # fmt: skip


PHONE_SEARCH_DIGITS = 3  # fewer digits than this are no phone search: 1 is in nearly every number
# What phone_search_term answers: digits, and a landline's extension after one dash as stored (075588886666-123).
_PHONE_TERM = re.compile(r"\d+(-\d+)?")


def phone_search_term(q):
    """The digits a search box's text stands for in stored (normalised) phones, or None when it is no phone number:
    0571-88886666, 138 0013 8000, +86 138 0013 8000 and full-width digits, whole or its first or last digits (8000,
    the last four); a landline's extension as stored (0755-88886666 转 123)."""
    number = normalize_phone(q) or ""
    for prefix in ("+86", "0086"):  # a part of an international number: the stored one has no country code
        if number.startswith(prefix):
            number = number[len(prefix) :]
    digits = number.replace("-", "")
    return number if _PHONE_TERM.fullmatch(number) and len(digits) >= PHONE_SEARCH_DIGITS else None


def _starting_with(column, text):
    """``column`` starts with ``text`` (digits, a dash), as an index range the database reads in order: LIKE 'x%'
    reads no index on PostgreSQL in a collation other than C, nor on SQLite (LIKE ignores case there); the range's
    upper end is ``text`` with its last digit raised (0571 -> 0572, 0599 -> 06), under which every collation sorts
    the digits in their order. LIKE then keeps exactly the numbers starting so."""
    match = column.like(f"{text}%")
    head = text.rstrip("9-")
    if not head:  # 999…: no upper end
        return and_(column >= text, match)
    return and_(column >= text, column < head[:-1] + chr(ord(head[-1]) + 1), match)


def _phone_match(course_id, digits):
    """A course's trainees whose phone starts or ends with ``digits`` (the 尾号), each side read from an index:
    (course_id, phone) and (course_id, phone_reversed), as two searches whose ids are joined. A run of digits from
    the middle of a number is no search anyone makes of a phone, and no B-tree index can serve one (a substring
    search read every trainee). As one OR of the two, SQLite read the course by its course_id index."""
    e = TrainingEnrolment
    starts = db.select(e.id).where(e.course_id == course_id, _starting_with(e.phone, digits))
    ends = db.select(e.id).where(e.course_id == course_id, _starting_with(e.phone_reversed, digits[::-1]))
    return e.id.in_(union_all(starts, ends))


def enrolment_query(course, args):
    """A course's enrolments, filtered by organisation kind, assessment and name, organisation or phone (in any
    layout: phone_search_term; searched by how it starts or ends only); in enrolment order."""
    q = (args.get("q") or "").strip()[:50]
    digits = phone_search_term(q) if q else None
    stmt = (
        db.select(TrainingEnrolment)
        .where(TrainingEnrolment.course_id == course.id)
        .options(selectinload(TrainingEnrolment.sessions), selectinload(TrainingEnrolment.certificates))
    )
    if digits:
        # A number is looked for in the phones alone, read from their indexes: beside the names (OR name LIKE
        # '%…%'), every trainee of the course was read to find it.
        stmt = stmt.where(_phone_match(course.id, digits))
    elif q:
        stmt = stmt.where(contains_any(q, TrainingEnrolment.name, TrainingEnrolment.org_name))
    if args.get("org_kind") in {k.value for k in OrgKind}:
        stmt = stmt.where(TrainingEnrolment.org_kind == args["org_kind"])
    result = args.get("result")
    if result == "passed":
        stmt = stmt.where(TrainingEnrolment.passed.is_(True))
    elif result == "failed":
        stmt = stmt.where(TrainingEnrolment.passed.is_(False))
    elif result == "pending":
        stmt = stmt.where(TrainingEnrolment.passed.is_(None))
    return stmt.order_by(TrainingEnrolment.id)


def course_counts(course):
    """Enrolled, attended (at least one session), passed and certified people of a course (certified: ever
    issued one, revoked included; a reissued certificate is still one person)."""
    e = TrainingEnrolment
    attended = db.select(training_attendance.c.enrolment_id).distinct().scalar_subquery()
    certified = db.select(Certificate.enrolment_id).distinct().scalar_subquery()
    row = db.session.execute(
        db.select(
            func.count(e.id),
            func.count(e.id).filter(e.id.in_(attended)),
            func.count(e.id).filter(e.passed.is_(True)),
            func.count(e.id).filter(e.id.in_(certified)),
        ).where(e.course_id == course.id)
    ).one()
    return dict(zip(("enrolled", "attended", "passed", "certified"), row, strict=True))


@rolls_back_on(TrainingError)
def set_attendance(enrolment, session_ids):
    """Record which of the course's sessions the person attended (the ticks replace the stored ones); commits.

    The course's row is held first (as delete_session holds it), then the course's sessions and the person's marks
    are read as committed: a session deleted meanwhile is refused instead of marked (a 500), and of two saves of
    one person's attendance at once the later replaces the earlier (both were stored, merged: neither admin's)."""
    # Each id once: one session ticked 70,000 times (a tampered form) bound them all, a 500 on PostgreSQL.
    session_ids = set(session_ids or [])
    hold(enrolment.course)
    db.session.expire(enrolment, ["sessions"])
    # The course's own ids, compared here: 70,000 ids in one statement were a 500 on PostgreSQL (at most 65,535
    # parameters), and an id past the database's range cannot even be bound.
    own = set(db.session.scalars(db.select(TrainingSession.id).filter_by(course_id=enrolment.course_id)))
    if not session_ids <= own:
        raise TrainingError(
            "所选课次不属于本课程或已被删除（可能刚被其他管理员删除），出勤未保存：请刷新页面后重新勾选"
        )
    enrolment.sessions = db.session.scalars(
        db.select(TrainingSession).where(TrainingSession.id.in_(session_ids or [0]))
    ).all()
    db.session.commit()
    return enrolment


def _lock(enrolment):
    """Hold the enrolment's row until the commit, then read it again: issuing a certificate and recording a
    score of one trainee run one after the other, each seeing what the other committed. The write (a no-op)
    locks the row on PostgreSQL; on SQLite, as the transaction's first write, it waits for any other writer."""
    e = TrainingEnrolment
    db.session.execute(
        update(e).where(e.id == enrolment.id).values(score=e.score).execution_options(synchronize_session=False)
    )
    db.session.refresh(enrolment)


@rolls_back_on(TrainingError)
def assess(enrolment, score, actor, passed=None):
    """Record the assessment score (0–100) and result (passed by default at 60); commits."""
    if score is None or not 0 <= score <= 100:
        raise TrainingError("考核成绩应为 0–100 之间的整数")
    result = (score >= PASS_MARK) if passed is None else bool(passed)
    _lock(enrolment)  # a certificate issued meanwhile is seen below
    # A certified trainee's score may be corrected while it still passes; failing them needs the revocation.
    live = live_certificate(enrolment) if not result else None
    if live is not None:
        raise TrainingError(f"该学员已获发证书 {live.number}，不能改为未通过（如需更正请先撤销证书）")
    enrolment.score = score
    enrolment.passed = result
    enrolment.assessed_at, enrolment.assessed_by_id = utcnow(), actor.id
    db.session.commit()
    return enrolment


# Certificates -----------------------------------------------------------------------------


def _add_years(day, years):
    try:
        return day.replace(year=day.year + years)
    except ValueError:  # 29 February
        return day.replace(year=day.year + years, day=28)


def last_valid_day(issued_on, years):
    """有效期至 of a certificate issued on ``issued_on`` for ``years`` years: the day before the anniversary (issued
    2020-12-10 for three years: valid through 2023-12-09), as certificates are written; issued on 29 February, through
    28 February. Certificates issued before this rule keep the date printed on them (the anniversary itself)."""
    if (issued_on.month, issued_on.day) == (2, 29):
        return issued_on.replace(year=issued_on.year + years, day=28)
    return _add_years(issued_on, years) - timedelta(days=1)


def _next_number(year):
    prefix = f"{NUMBER_PREFIX}-{year}-"
    # The longest number first: as text, JSJJR-2026-9999 sorts after JSJJR-2026-10000.
    last = db.session.scalar(
        db.select(Certificate.number)
        .where(Certificate.number.like(f"{prefix}%"))
        .order_by(func.length(Certificate.number).desc(), Certificate.number.desc())
        .limit(1)
    )
    seq = int(last.rsplit("-", 1)[1]) + 1 if last else 1
    return f"{prefix}{seq:04d}"


def live_certificate(enrolment):
    """The enrolment's unrevoked certificate (valid or expired), read from the database, or None."""
    return db.session.scalar(
        db.select(Certificate).where(Certificate.enrolment_id == enrolment.id, Certificate.revoked_at.is_(None))
    )


@rolls_back_on(TrainingError)
def issue_certificate(enrolment, actor, issued_on=None, key=None):
    """Issue the certificate of a passed enrolment: number JSJJR-<year>-<seq>, validity from the course; commits.

    After a revocation a new certificate (a new number) may be issued; the revoked one stays in the history.
    ``key``: the 发放证书 button's one-time key: its twin (a double click, also one arriving while the first is being
    saved) gets the certificate the first issued, as the first did."""
    issued_on = issued_on or today()
    years = enrolment.course.certificate_years or 3
    for _ in range(5):  # two admins issuing at once: the unique number decides, the loser retries
        try:  # the first write: a twin in flight waits here for the first's commit
            claimed = once.claim(key, f"certificate:{enrolment.id}", actor)
        except (once.Repeat, once.Changed) as r:  # a button: nothing typed, a change is none the user made
            issued = db.session.get(Certificate, r.entity_id) if r.entity_id else None
            if issued is not None:
                return issued
            claimed = None
        _lock(enrolment)  # a failing score recorded meanwhile is seen here, and none is recorded until the commit
        if enrolment.passed is not True:
            raise TrainingError("考核通过后才能发放证书")
        live = live_certificate(enrolment)
        if live is not None:
            raise TrainingError(f"该学员已有证书 {live.number}")
        cert = Certificate(
            number=_next_number(issued_on.year), enrolment_id=enrolment.id, user_id=enrolment.user_id,
            holder_name=enrolment.name, org_name=enrolment.org_name, issued_on=issued_on,
            valid_until=last_valid_day(issued_on, years), issued_by_id=actor.id,
        )  # fmt: skip
        db.session.add(cert)
        try:
            db.session.flush()
            once.bind(claimed, cert.id)
            db.session.commit()
        except IntegrityError:  # the number, or another admin's certificate: the next round tells which
            db.session.rollback()
            continue
        return cert
    raise TrainingError("证书编号生成冲突，请重试")


def revoke_certificate(cert, actor, reason):
    """Revoke a certificate with a reason; the public page then says so; commits. The same admin's revocation sent
    again with the same reason (a double click, also one arriving at the same moment) is told it is revoked, as the
    first was: it was told 该证书已被他人撤销."""
    reason = (reason or "").strip()[:200]
    if not reason:
        raise TrainingError("请填写撤销原因")
    if cert.revoked_at is not None:
        if _revoked_so(cert, actor, reason):
            return cert
        raise TrainingError("该证书已撤销")
    # One revocation wins: a second admin at the same moment is told, not silently overwritten.
    done = db.session.execute(
        update(Certificate)
        .where(Certificate.id == cert.id, Certificate.revoked_at.is_(None))
        .values(revoked_at=utcnow(), revoked_by_id=actor.id, revoke_reason=reason)
        .execution_options(synchronize_session=False)
    ).rowcount
    if not done:
        db.session.rollback()
        db.session.refresh(cert)
        if _revoked_so(cert, actor, reason):
            return cert
        raise TrainingError("该证书已被他人撤销，请刷新查看撤销原因")
    db.session.commit()
    db.session.refresh(cert)
    return cert


def _revoked_so(cert, actor, reason):
    """The certificate was revoked by this admin with this reason: a repeat of their own revocation."""
    return cert.revoked_by_id == actor.id and cert.revoke_reason == reason


# Dashes a number copied from a document or typed with a Chinese input method may carry (－ — – ‐ −).
_DASHES = str.maketrans(dict.fromkeys("\uff0d\u2010\u2011\u2012\u2013\u2014\u2015\u2212\ufe58\ufe63", "-"))


def find_certificate(number):
    """The certificate with this number (case, spaces, full-width letters and digits, dash variants and
    zero-width characters ignored), or None."""
    number = clean_text(number or "", multiline=False).translate(_DASHES)
    number = "".join(number.split()).upper()[:30]
    if not number:
        return None
    return db.session.scalar(
        db.select(Certificate).where(Certificate.number == number).options(joinedload(Certificate.enrolment))
    )


def certificate_query(args):
    """Every certificate, filtered by state, year of issue and holder; newest first."""
    stmt = db.select(Certificate).options(joinedload(Certificate.enrolment).joinedload(TrainingEnrolment.course))
    state, t = args.get("state"), today()
    if state == "valid":
        stmt = stmt.where(Certificate.revoked_at.is_(None), Certificate.valid_until >= t)
    elif state == "expired":
        stmt = stmt.where(Certificate.revoked_at.is_(None), Certificate.valid_until < t)
    elif state == "revoked":
        stmt = stmt.where(Certificate.revoked_at.is_not(None))
    year, _ = year_filter(args.get("year"))
    if year:
        stmt = stmt.where(Certificate.issued_on.between(date(year, 1, 1), date(year, 12, 31)))
    q = (args.get("q") or "").strip()[:50]
    if q:
        stmt = stmt.where(contains_any(q, Certificate.number, Certificate.holder_name, Certificate.org_name))
    return stmt.order_by(Certificate.issued_on.desc(), Certificate.id.desc())


def valid_certificates(user_ids, on=None):
    """{user id: its newest valid certificate} for these users."""
    ids = [i for i in set(user_ids) if i]
    if not ids:
        return {}
    rows = db.session.scalars(
        db.select(Certificate)
        .where(
            Certificate.user_id.in_(ids), Certificate.revoked_at.is_(None), Certificate.valid_until >= (on or today())
        )
        .order_by(Certificate.issued_on, Certificate.id)  # the newest last: it is the one kept
    ).all()
    return {c.user_id: c for c in rows}


def person_record(user):
    """A user's enrolments (with course and certificate), newest first: a query, the page paginates it."""
    return (
        db.select(TrainingEnrolment)
        .where(TrainingEnrolment.user_id == user.id)
        .options(joinedload(TrainingEnrolment.course), selectinload(TrainingEnrolment.certificates))
        .order_by(TrainingEnrolment.id.desc())
    )
