"""Live-class use cases: sessions, registration within capacity, attendance (marked or imported from
the live platform's export), reminders, and the figures the service statistics read.

Each function owns its transaction and commits once.
"""

import hashlib
import logging
import re
import unicodedata
from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import delete, func, or_, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import defer, joinedload

from .. import jobs
from ..extensions import db
from ..imports.reader import (
    FileProblem,
    HeaderAgain,
    Limits,
    NoResult,
    digits_lost,
    file_format,
    header_not_read,
    precheck,
    read_rows,
    rows_text,
    shown_name,
    unquoted,
)
from ..jobs import beats
from ..models import AttendanceImport, LiveGuest, LiveRegistration, LiveSession, Role, User
from ..models.base import utcnow
from ..models.enums import AttendanceImportStatus, AttendanceSource, LiveKind
from ..notifications.services import notify
from ..utils import clock, money, once
from ..utils.bounds import INT_MAX
from ..utils.search import contains_any
from ..utils.text import clean_text
from ..utils.tx import rolls_back_on
from ..utils.validators import normalize_phone
from ..utils.versions import fingerprint, hold, unless_stale
from ..visits.services import history_provider, history_rows

log = logging.getLogger(__name__)
REGISTRANT_ROLES = (Role.ENTERPRISE.value, Role.RESEARCHER.value)
# Column names the live platforms' exports use, by what we read from them.
EMAIL_COLS = ("邮箱", "email", "e-mail", "电子邮箱", "邮箱地址")
PHONE_COLS = ("手机", "手机号", "手机号码", "电话", "联系电话", "电话号码", "phone", "mobile")
MAX_MINUTES = 100_000  # watch time per viewer (about 69 days: any real export stays far below)
MINUTES_COLS = ("观看时长（分钟）", "观看时长(分钟)", "观看时长", "时长", "minutes", "duration")
REGISTRATION_HOURS = 3  # registration stays open this long after the start (latecomers join the live room)


class LiveError(ValueError):
    """A refused action; the message is shown to the user."""


def beijing_now():
    """Now in Beijing time (sessions are scheduled in it)."""
    return clock.now_local()


# What the session's form edits, as stored.
FORM_FIELDS = ("kind", "title", "starts_at", "ends_at", "speaker", "speaker_intro", "live_link", "replay_link",
               "materials", "capacity", "description", "published", "event_id")  # fmt: skip


def session_version(session):
    """A fingerprint of what the edit form shows of the session as stored."""
    return fingerprint(getattr(session, name) for name in FORM_FIELDS)


def save_session(session, data, actor, key=None, version=None):
    """Create or update a session from validated form data; commits.

    ``key``: the form's one-time key; a new session is made once per form shown (a repeat or a
    concurrent twin raises ``once.Repeat`` with the first session's id). ``version``: the session_version
    its edit page showed; a session saved since then by someone else is not overwritten (EditConflict)."""
    if data.get("ends_at") and data["ends_at"] <= data["starts_at"]:
        raise LiveError("结束时间须晚于开始时间")
    claimed = once.claim(key, "live_session", actor) if session.id is None else None
    with unless_stale(session, version, session_version, "场次", who="场次创建人、管理员"):
        if session.id and data.get("capacity") and registered_count(session) > data["capacity"]:
            raise LiveError(f"已有 {registered_count(session)} 人报名，名额不能少于此数")
        for name in FORM_FIELDS:
            value = data.get(name)
            setattr(session, name, value.strip() if isinstance(value, str) else value)
        for name in ("speaker_intro", "live_link", "replay_link"):
            setattr(session, name, getattr(session, name) or None)
        session.materials, session.description = session.materials or "", session.description or ""
    if session.id is None:
        session.created_by_id = actor.id
        db.session.add(session)
        db.session.flush()
        once.bind(claimed, session.id)
    db.session.commit()
    return session


def session_query(args, user):
    """Sessions by kind, time (upcoming / past) and title; unpublished ones for staff only."""
    stmt = db.select(LiveSession)
    if not user.is_staff:
        stmt = stmt.where(LiveSession.published.is_(True))
    if args.get("kind") in {k.value for k in LiveKind}:
        stmt = stmt.where(LiveSession.kind == args["kind"])
    now = beijing_now()
    when = args.get("when")
    if when == "upcoming":
        stmt = stmt.where(LiveSession.starts_at >= now - timedelta(hours=REGISTRATION_HOURS))
    elif when == "past":
        stmt = stmt.where(LiveSession.starts_at < now)
    q = (args.get("q") or "").strip()[:50]
    if q:
        stmt = stmt.where(contains_any(q, LiveSession.title, LiveSession.speaker))
    order = LiveSession.starts_at if when == "upcoming" else LiveSession.starts_at.desc()
    return stmt.order_by(order, LiveSession.id)


def registered_count(session):
    return db.session.scalar(db.select(func.count(LiveRegistration.id)).filter_by(session_id=session.id))


def registration_of(session, user):
    if not user.is_authenticated:
        return None
    return db.session.scalar(db.select(LiveRegistration).filter_by(session_id=session.id, user_id=user.id))


def registration_open(session, now=None):
    """Whether the session still takes registration: until REGISTRATION_HOURS after its start (Beijing time).
    The one cut-off: register() refuses after it, and the session's page offers no 报名参加 (nor 登录后报名)
    then, only the replay."""
    now = now or beijing_now()
    return session.starts_at >= now - timedelta(hours=REGISTRATION_HOURS)  # never starts_at + 3 h: year 9999 overflows


def session_phase(session, now=None):
    """'ended' past the registration cut-off (when the session's page says 该场次已结束), 'started' from its start
    until then, else 'upcoming'."""
    now = now or beijing_now()
    if not registration_open(session, now):
        return "ended"
    return "started" if session.starts_at <= now else "upcoming"


@rolls_back_on(LiveError)  # a refusal after the row is held releases it
def register(session, user):
    """An enterprise user or researcher registers, within capacity; commits.

    The session's row is held first (versions.hold) and read again, then it is asked whether it takes
    registrations (published, not ended), the registration written and the seats counted in the same
    transaction: a second last-seat registration counts after the first one's commit, against the capacity as
    committed (an edit lowering the 名额 or unpublishing the session at this moment is either seen here or sees
    this registration; checked against the copy the request loaded, a registration landed in a session unpublished
    meanwhile). Over capacity, the registration is rolled back.
    """
    if user.role not in REGISTRANT_ROLES:
        raise LiveError("仅企业用户和科研人员可以报名")
    hold(session)  # and read again: a 名额 lowered or the session unpublished meanwhile was checked against the page's
    if not session.published:
        raise LiveError("该场次尚未发布")
    if not registration_open(session):
        raise LiveError("该场次已结束，可观看回放")
    if registration_of(session, user) is not None:
        raise LiveError("您已报名该场次")
    reg = LiveRegistration(session_id=session.id, user_id=user.id, organization_id=user.organization_id)
    db.session.add(reg)
    try:
        db.session.flush()
    except IntegrityError:
        db.session.rollback()
        raise LiveError("您已报名该场次") from None
    capacity = session.capacity
    if capacity and registered_count(session) > capacity:
        db.session.rollback()
        raise LiveError(f"名额已满（{capacity} 人）")
    db.session.commit()
    return reg


def unregister(session, user):
    """Cancel my registration before the session starts; commits."""
    reg = registration_of(session, user)
    if reg is None:
        raise LiveError("您未报名该场次")
    if session.starts_at <= beijing_now():
        raise LiveError("直播已开始，不能取消报名")
    # One conditional delete: of two cancellations at the same moment (two tabs, a double click) the second
    # finds the row gone and changes nothing (a session delete of the loaded row warned that 0 rows matched).
    db.session.execute(
        db.delete(LiveRegistration).where(LiveRegistration.id == reg.id).execution_options(synchronize_session=False)
    )
    db.session.expunge(reg)
    db.session.commit()


def registration_query(session, args):
    """A session's registrations, filtered by attendance and name."""
    stmt = (
        db.select(LiveRegistration)
        .join(User, User.id == LiveRegistration.user_id)
        .where(LiveRegistration.session_id == session.id)
    )
    state = args.get("attended")
    if state == "yes":
        stmt = stmt.where(LiveRegistration.attended.is_(True))
    elif state == "no":
        stmt = stmt.where(or_(LiveRegistration.attended.is_(False), LiveRegistration.attended.is_(None)))
    q = (args.get("q") or "").strip()[:50]
    if q:
        stmt = stmt.where(contains_any(q, User.name, User.email))
    return stmt.order_by(LiveRegistration.id)


def mark_attendance(session, attended_ids, page_ids):
    """The broker ticks who attended among the registrations shown (``page_ids``); commits."""
    # Each id once: one registration shown 70,000 times (a tampered form) bound them all, a 500 on PostgreSQL.
    page_ids, attended_ids = set(page_ids or []), set(attended_ids or [])
    if any(not 0 < i <= INT_MAX for i in page_ids | attended_ids):  # no such row
        raise LiveError("所选报名记录不属于该场次")
    # More ids than the session has registrations: some are not its own (70,000 of them were a 500 on
    # PostgreSQL, which binds at most 65,535 parameters a statement).
    if len(page_ids) > registered_count(session):
        raise LiveError("所选报名记录不属于该场次")
    regs = db.session.scalars(
        db.select(LiveRegistration).where(
            LiveRegistration.session_id == session.id, LiveRegistration.id.in_(page_ids or [0])
        )
    ).all()
    if len(regs) != len(page_ids) or not attended_ids <= page_ids:
        raise LiveError("所选报名记录不属于该场次")
    for reg in regs:
        reg.attended = reg.id in attended_ids
        reg.attendance_source = AttendanceSource.BROKER.value
    db.session.commit()
    return sum(1 for r in regs if r.attended)


def _col(header, names):
    low = [h.strip().lower() for h in header]
    for name in names:
        if name.lower() in low:
            return low.index(name.lower())
    return None


def _cells(cells):
    def cell(i):
        return str(cells[i]).strip() if i is not None and i < len(cells) and cells[i] is not None else ""

    return cell


# A viewer export's masked mobile after +86 / 0086 / 86: matches no registrant, but is one viewer in every layout.
_PREFIXED_MASK = re.compile(r"(?:\+86|0086|86)(1[\d*]{10})")


def _phone(text):
    """A phone as compared with registrants' (both sides read so): normalize_phone ("+86 139-0000-1111",
    "0086 139.0000.1111" or "(86)139 0000 1111" -> 13900001111; "(0571) 8888 6666" -> 057188886666); a masked
    mobile keeps its stars and loses its prefix ("+86 138****1234" -> 138****1234). None when blank."""
    number = normalize_phone(text)
    masked = _PREFIXED_MASK.fullmatch(number or "")
    return masked.group(1) if masked and "*" in number else number


_HMS = re.compile(r"(\d{1,5}):([0-5]\d):([0-5]\d)(?:\.\d+)?")


def _minutes(number, text, typed=""):
    """Whole minutes watched, 0 to MAX_MINUTES; a row error (LiveError) otherwise (1e400 is infinity).
    Also H:MM:SS, as live platforms export watch time (and as an Excel time cell reads). ``text`` is the cell as
    cleaned; ``typed``, the cell as typed when cleaning changed it: read as what its characters are (NFKC, the
    full-width colon too, which text cleaning keeps), as the listing import reads an amount; a wrong value is
    quoted as typed, with what it was read as."""
    if typed:  # and without the invisible characters cleaning drops (a zero-width space)
        text = clean_text(unicodedata.normalize("NFKC", typed), multiline=False).strip()
    clock_time = _HMS.fullmatch(text)
    try:
        value = (int(clock_time[1]) * 60 + int(clock_time[2]) + int(clock_time[3]) / 60) if clock_time else float(text)
    except ValueError:
        if typed and money.typed_differently(typed):
            odd = "".join(dict.fromkeys(ch for ch in text if ch not in "0123456789.:-"))
            raise LiveError(f"第 {number} 行观看时长“{money.short(typed, 20)}”按半角读作“{money.short(text, 20)}”"
                            + (f"，其中“{odd}”不是数字" if odd else "，不是数字")) from None  # fmt: skip
        raise LiveError(f"第 {number} 行观看时长“{text[:20]}”不是数字") from None
    if not 0 <= value <= MAX_MINUTES:  # also NaN, inf, -inf
        raise LiveError(f"第 {number} 行观看时长“{(typed or text)[:20]}”不在 0–{MAX_MINUTES} 分钟之内")
    return int(value)


TYPED_SHOWN = 200  # full-width watch times listed on the page (all are counted)


def _limits():
    cfg = current_app.config
    return Limits(
        max_rows=cfg["IMPORT_MAX_ROWS"], max_cell_chars=cfg["IMPORT_MAX_CELL_CHARS"],
        max_unpacked=cfg["IMPORT_MAX_UNPACKED"], max_ratio=cfg["IMPORT_MAX_RATIO"],
    )  # fmt: skip


def queue_attendance_import(session, filename, content, user, min_minutes=1, replace_guests=False):
    """Keep an uploaded export and queue its reading (commits); returns the AttendanceImport.

    The request checks only what costs milliseconds whatever the file (the file's kind, an .xlsx's declared
    sizes: reader.precheck); reading every row, which at the import limits takes seconds to tens of seconds,
    is run_attendance_import's, a job, whose progress and outcome the session's attendance page shows.
    Raises LiveError (nothing stored) when the file is plainly unusable."""
    name = shown_name(filename)
    try:
        fmt = file_format(name)
        precheck(content, fmt, _limits())
    except FileProblem as exc:
        raise LiveError(str(exc)) from None
    upload = AttendanceImport(session_id=session.id, filename=name, file_format=fmt, content=content,
                              min_minutes=min_minutes, replace_guests=bool(replace_guests),
                              status=AttendanceImportStatus.IMPORTING.value, created_by_id=user.id)  # fmt: skip
    db.session.add(upload)
    db.session.flush()
    jobs.after_commit(run_attendance_import, upload.id)
    db.session.commit()
    return upload


def import_query(session, before=None):
    """The session's attendance imports (those before the import ``before``), newest first, with who uploaded each
    (in the same query) and without the files kept while they are read."""
    stmt = (
        db.select(AttendanceImport).where(AttendanceImport.session_id == session.id)
        .options(defer(AttendanceImport.content), joinedload(AttendanceImport.created_by))
        .order_by(AttendanceImport.id.desc())
    )  # fmt: skip
    return stmt if before is None else stmt.where(AttendanceImport.id < before)


def import_progress(session, upload_id):
    """(status, processed_rows, message) of one of the session's attendance imports as last committed (the job
    commits its progress from a connection of its own), or None. Polled every second while an import runs: one
    statement, of these columns alone (never the kept file, up to several MB)."""
    return db.session.execute(
        db.select(AttendanceImport.status, AttendanceImport.processed_rows, AttendanceImport.message)
        .where(AttendanceImport.id == upload_id, AttendanceImport.session_id == session.id)
    ).one_or_none()  # fmt: skip


def latest_import(session):
    """The session's most recent attendance import (its page shows its progress or outcome, and who uploaded it:
    loaded with it by import_query), or None."""
    return db.session.scalar(import_query(session).limit(1))


STALE_ATTEMPTS = 3  # workers that died on one import before the sweep gives up on it
GIVEN_UP = (
    "读取观看记录时服务器出错，出席情况没有任何更改：处理该文件的后台进程多次中断（文件可能过大），请拆分文件后分批导入"
)


def requeue_stale() -> list[int]:
    """Run again the attendance imports whose worker stopped beating (the minute's sweep calls this): the page
    moves on within about two minutes of a killed worker instead of showing 正在后台读取 until the job's
    ten-minute lease ends. One on which STALE_ATTEMPTS workers died ends in error (its file dropped), its page
    saying so. Returns the imports queued; a job that finds its import taken does nothing."""
    stale = beats.stale_before()
    rows = db.session.execute(
        db.select(AttendanceImport.id, AttendanceImport.attempts)
        .where(AttendanceImport.status == AttendanceImportStatus.IMPORTING.value, AttendanceImport.heartbeat_at < stale)
        .order_by(AttendanceImport.id)
    ).all()
    db.session.rollback()  # end the read: a job run at once in this process starts afresh
    queued = []
    for upload_id, attempts in rows:
        if attempts >= STALE_ATTEMPTS:  # the file kills its worker (e.g. out of memory): say so, stop retrying
            log.error("attendance import %s: %d workers died on it; given up", upload_id, attempts)
            db.session.execute(
                update(AttendanceImport)
                .where(AttendanceImport.id == upload_id, AttendanceImport.heartbeat_at < stale,
                       AttendanceImport.status == AttendanceImportStatus.IMPORTING.value)
                .values(status=AttendanceImportStatus.ERROR.value, content=b"", finished_at=utcnow(), message=GIVEN_UP)
            )  # fmt: skip
            db.session.commit()
            continue
        log.warning("attendance import %s: its worker stopped beating; queued again", upload_id)
        jobs.enqueue(run_attendance_import, upload_id)
        queued.append(upload_id)
    return queued


@jobs.task(retries=0)
def run_attendance_import(upload_id):
    """(A job) Read a stored export and mark the session's attendance from it (import_attendance), or record
    why the file cannot be used (rejected: nothing changed). The file's content is dropped either way.
    Rows read are recorded as it goes, each time a heartbeat: an import whose worker died is taken again by
    the minute's sweep (requeue_stale). A delivery that finds the import taken (another worker beating on it)
    or finished does nothing."""
    importing = AttendanceImportStatus.IMPORTING.value
    if not beats.claim(AttendanceImport, upload_id, importing):
        return db.session.get(AttendanceImport, upload_id)
    upload = db.session.get(AttendanceImport, upload_id)
    session = upload and db.session.get(LiveSession, upload.session_id)
    if session is None:  # the session deleted since (its imports with it)
        return None
    try:
        import_attendance(session, upload.filename, upload.content, upload.min_minutes, upload.replace_guests,
                          progress=lambda rows: beats.progress(AttendanceImport, upload_id, importing, rows, "attendance import"), upload=upload)  # fmt: skip
    except LiveError as exc:
        values = dict(
            status=AttendanceImportStatus.REJECTED.value, message=f"观看记录未导入，出席情况没有任何更改：{exc}"[:500]
        )
    except Exception:
        log.exception("attendance import %s failed", upload_id)
        values = dict(
            status=AttendanceImportStatus.ERROR.value,
            message="读取观看记录时服务器出错，出席情况没有任何更改；请稍后重新上传该文件",
        )
    else:
        return db.session.get(AttendanceImport, upload_id)
    db.session.rollback()
    db.session.execute(
        update(AttendanceImport)
        .where(AttendanceImport.id == upload_id, AttendanceImport.status == importing)
        .values(content=b"", finished_at=utcnow(), **values)
        .execution_options(synchronize_session=False)
    )
    db.session.commit()
    return db.session.get(AttendanceImport, upload_id)


def summary(result, min_minutes):
    """What an import did, as its page says it (观看不足: viewers, their rows' minutes added up)."""
    merged, unmarked = result.get("merged") or 0, result.get("unmarked") or 0
    return (f"已导入 {result['rows']} 行：报名用户出席 {result['matched']} 人，新增未报名观众 {result['guests']} 人"
            f"（累计 {result['guest_total']} 人），观看不足 {min_minutes} 分钟 {result['short']} 人未计入"
            + (f"；{merged} 位观众有多行记录（中途离开后重新进入），观看时长已按人合计" if merged else "")
            + (f"；此前导入记为出席而更正后的文件未计入的报名用户 {unmarked} 人，已改回未出席" if unmarked else "")
            + _skipped(result) + _headers_again(result))  # fmt: skip


def _headers_again(result):
    """The rows left out for repeating the header (an export pasted after another), the first few named."""
    n, shown = result.get("n_headers_again") or 0, result.get("headers_again") or []
    if not n:
        return ""
    more = f"等 {n} 行" if n > len(shown) else ""
    return f"；第 {'、'.join(str(r) for r in shown)} 行{more}与表头相同（文件可能由几个文件拼接而成），不是观众，未计入"


SKIPPED_SHOWN = 3  # rows left out by the reader named in an import's message (all are counted)


def _skipped(result):
    """The rows the reader left out (a cell over the size limit): their viewers are not counted, and the broker
    is told so, the first few named (each row once, its first such cell), the message kept within its column."""
    n, shown = result.get("n_skipped") or 0, result.get("skipped") or []
    if not n:
        return ""
    named = "、".join(f"第 {row} 行“{money.short(column, 20)}”{reason}" for row, column, reason in shown)
    more = f"等（仅列出前 {len(shown)} 行）" if n > len(shown) else ""
    return f"；另有 {n} 行因单元格内容过长未读取，其中的观众未计入：{named}{more}"


def _longer(stored, total, replace):
    """The minutes kept for a viewer: this file's sum for a corrected file (``replace``), else the longer of the
    two; a file that gives no watch time for the viewer leaves the stored minutes as they are."""
    if total is None:
        return stored
    return total if replace or stored is None else max(stored, total)


def _no_rows(too_long):
    """Why a file with a header is refused when it gives no viewer: no rows under the header, or only rows the
    reader left out (a cell over Excel's size limit), the first of them named."""
    if not too_long:
        return "文件中只有表头，没有数据行：请确认导出的观看记录完整后重新上传"
    number, column, reason = too_long[0]
    return f"文件中没有可读取的数据行：第 {number} 行“{column}”{reason}"


def _refuse_unread(header, rows, unread, columns, too_long=()):
    """Refuse (LiveError) a file whose cells in the columns read (e-mail, mobile, minutes) the reader tells as
    read wrongly (read_rows's `unread`: a formula without its kept result, a cell under a merged cell but its
    first, a formula whose kept result is an error), naming the first with the reader's message and counting the
    others. Read as empty, such a registrant's e-mail made them a guest and left them unmarked, and a merged
    e-mail made a rejoining viewer's second row another guest; read as "#N/A", every such row was one guest."""
    columns = sorted({i for i in columns if i is not None})
    found = [(number, i, unread[number][i]) for number, _ in rows if number in unread for i in columns
             if i in unread[number]]  # fmt: skip
    # A row read as blank (its cells formulas without their kept result): a viewer left out, in whatever column.
    found += [(number, name, reason) for number, name, reason in too_long if isinstance(reason, NoResult)]
    if not found:
        return
    found.sort(key=lambda f: f[0])
    number, i, reason = found[0]
    if isinstance(i, int):
        i = money.short(header[i], 20) if i < len(header) and header[i] else f"第 {i + 1} 列"
    more = f"；另有 {len(found) - 1} 个单元格同样无法读取，请一并修改" if len(found) > 1 else ""
    raise LiveError(f"第 {number} 行“{i}”：{reason}{more}")


def import_attendance(session, filename, content, min_minutes=1, replace_guests=False, progress=None, upload=None):
    """Read the live platform's export (CSV/xlsx with an e-mail or mobile column, and optionally minutes
    watched); registered users found are marked attended; other viewers are counted as guests, each
    once (by e-mail, else mobile; a row with neither is one guest). Commits. A file giving no viewer (only its
    header) is refused with a LiveError, nothing changed: as a corrected file it would unmark every viewer. So is
    an .xlsx with a cell read wrongly in a column read (a formula without its result, a cell under a merged cell,
    a formula's error), named as the listing import names it (_refuse_unread).

    Watch time is a viewer's, not a row's: a viewer on several rows (who left and came back) has the minutes of
    their rows added up (at most MAX_MINUTES), and ``min_minutes`` is applied to the sum; a viewer is a
    registered user (matched by e-mail, else mobile, whichever their rows carry) or a guest (keyed as above). A
    viewer whose rows give no watch time (no minutes column, or empty cells) counts, whatever ``min_minutes``.

    Across imports of one session: without ``replace_guests`` each viewer keeps the longer of the minutes stored
    and this file's sum, so the same file imported again changes nobody's minutes, and an export split into
    several files keeps each viewer's longest part (a viewer whose rows are split between the files is not
    summed across them: no import can tell a second part from the same file again). Guests add up over
    imports: each viewer is counted once. ``replace_guests`` (a corrected file) forgets the guests of earlier
    imports first, and registered viewers in the file get this file's sum, lower or not; registered users an
    earlier import marked attended whom it does not count (absent, or under ``min_minutes``) go back to unknown
    (attended and minutes None), while ticks a broker made by hand stay. Otherwise registered users not in the
    file and viewers under ``min_minutes`` are left as they are; so is stored watch time when the file gives none
    for the viewer. Imports of one session run one at a time (the session's row is held until the commit).

    Returns {"rows", "matched", "guests" (new in this file), "guest_total", "short", "merged", "typed",
    "n_typed", "unmarked", "skipped", "n_skipped"} (short: viewers who watched fewer than ``min_minutes`` in all; merged: viewers on more
    than one row, counted or short; unmarked: registered users a corrected file took back to unknown; typed: [row,
    as typed, minutes read] of counted viewers' watch times typed in full-width digits, read as half-width as the
    listing import reads amounts, at most TYPED_SHOWN of them, n_typed all; skipped: [row, column, reason] of rows
    the reader left out, a cell over the size limit, their viewers not counted, at most SKIPPED_SHOWN of them,
    n_skipped all, both told in the import's message).
    ``progress(rows read)`` is called as the file is read; ``upload``, the AttendanceImport being run: marked
    done in the same commit (a second delivery that finds it done already rolls back and returns None).
    """
    too_long = []  # rows the reader left out: (row, column, reason)
    unread = {}  # an .xlsx's cells read as empty (or as an error's text) that are not: {row: {column index: reason}}
    hidden = []  # an .xlsx's rows hidden in Excel (a filter, as a rule)
    try:
        header, rows = read_rows(
            content, file_format(filename), _limits(), too_long, progress, unread=unread, hidden=hidden
        )
    except FileProblem as exc:
        raise LiveError(str(exc)) from None
    if hidden:  # no preview here: counting the rows seen alone would leave viewers out (unmark them, if corrected)
        raise LiveError(
            f"{rows_text(hidden)}在 Excel 中被隐藏（可能是筛选）：只导入看得到的行会漏掉这些观众。"
            "请在 Excel 中取消隐藏（或清除筛选）后重新上传；这些行确实不应计入的，请删除后再上传"
        )
    email_i, phone_i, minutes_i = _col(header, EMAIL_COLS), _col(header, PHONE_COLS), _col(header, MINUTES_COLS)
    if email_i is None and phone_i is None:  # a header cell that could not be read named first: the likely cause
        raise LiveError(header_not_read(header) + "文件中没有“邮箱”或“手机号”列，无法与报名用户对应（第一行应为表头）")
    if lost := header_not_read(header, rows):  # its column (the minutes? a second e-mail?) would go unread
        raise LiveError(lost)
    if unread:
        _refuse_unread(header, rows, unread, (email_i, phone_i, minutes_i), too_long)
    if not rows:  # a file of no viewers is a mistake, never "0 rows": as 更正后的文件 it unmarked everyone
        raise LiveError(_no_rows(too_long))
    digest = hashlib.sha256(content).hexdigest()[:16]
    is_csv = file_format(filename) == "csv"
    read = []  # (number, email, phone, minutes, typed) of every row, read before anything is written
    for i, (number, cells) in enumerate(rows, start=1):
        if progress is not None and i % 1000 == 0:
            progress(len(rows))  # all are read: a heartbeat while they are checked, the count shown unchanged
        cell = _cells(cells)
        minutes = typed = None
        if minutes_i is not None and cell(minutes_i):
            typed = getattr(cells[minutes_i], "typed", "")  # the cell as typed when cleaning changed it (NFKC)
            minutes = _minutes(number, cell(minutes_i), typed)
        shown = [number, money.short(typed, 20), minutes] if typed and money.typed_differently(typed) else None
        if lost := digits_lost(cell(phone_i)):  # it matched nobody, and 1.39E+10 was every 139… viewer as one
            raise LiveError(f"第 {number} 行“{money.short(header[phone_i], 20)}”{lost}")
        phone = unquoted(cell(phone_i)) if is_csv else cell(phone_i)  # '13800000000 of a CSV: Excel's text mark
        read.append((number, cell(email_i).lower(), _phone(phone), minutes, shown))
    # The session's row first: a second import of this session waits here until this one commits.
    held = db.session.execute(
        update(LiveSession).where(LiveSession.id == session.id)
        .values(guest_attendees=LiveSession.guest_attendees).execution_options(synchronize_session=False)
    ).rowcount  # fmt: skip
    if not held:  # the session was deleted meanwhile (its imports with it): nothing to mark
        db.session.rollback()
        raise LiveError("该场次已被删除")
    if replace_guests:
        db.session.execute(delete(LiveGuest).where(LiveGuest.session_id == session.id))
    regs = db.session.execute(
        db.select(LiveRegistration, User.email, User.phone)
        .join(User, User.id == LiveRegistration.user_id)
        .where(LiveRegistration.session_id == session.id)
        .execution_options(populate_existing=True)  # minutes as the last import committed them
    ).all()
    by_email = {(e or "").lower(): r for r, e, _ in regs if e}
    by_phone = {p: r for r, _, typed in regs if (p := _phone(typed))}  # 0571-88886666 as a viewer's 057188886666
    viewers = {}  # registration id or guest key -> [registration or None, minutes or None, rows, typed rows]
    for number, email, phone, minutes, shown in read:
        reg = by_email.get(email) or by_phone.get(phone)
        if reg is not None:
            key = reg.id
        else:
            key = f"email:{email}" if email else f"phone:{phone}" if phone else f"row:{digest}:{number}"
            key = key[:300]
        v = viewers.setdefault(key, [reg, None, 0, []])
        if minutes is not None:
            v[1] = min((v[1] or 0) + minutes, MAX_MINUTES)
        v[2] += 1
        if shown:
            v[3].append(shown)
    known = {key: (guest_id, minutes) for key, guest_id, minutes in db.session.execute(
        db.select(LiveGuest.key, LiveGuest.id, LiveGuest.minutes).where(LiveGuest.session_id == session.id)
    )}  # fmt: skip
    matched = short = merged = 0
    new_guests, longer_guests, typed_minutes, counted = [], [], [], set()
    for key, (reg, total, n_rows, shown) in viewers.items():
        merged += n_rows > 1
        if total is not None and total < min_minutes:
            short += 1
            continue
        typed_minutes += shown
        if reg is not None:
            reg.attended, reg.attendance_source = True, AttendanceSource.IMPORT.value
            reg.minutes = _longer(reg.minutes, total, replace_guests)
            matched += 1
            counted.add(reg.id)
        elif key not in known:  # a viewer in an earlier file is one guest
            new_guests.append({"session_id": session.id, "key": key, "minutes": total})
        elif _longer(known[key][1], total, False) != known[key][1]:
            longer_guests.append({"id": known[key][0], "minutes": total})
    if new_guests:
        db.session.execute(db.insert(LiveGuest), new_guests)
    if longer_guests:
        db.session.execute(update(LiveGuest), longer_guests)  # by primary key
    unmarked = 0
    if replace_guests:  # the corrected file stands for the imports before it: who it does not count goes back
        for reg, _, _ in regs:
            if reg.attendance_source == AttendanceSource.IMPORT and reg.id not in counted:
                reg.attended = reg.minutes = reg.attendance_source = None
                unmarked += 1
    typed_minutes.sort()
    firsts = {}  # row -> its first cell over the limit: a row left out is one row, whatever its long cells
    for number, column, reason in too_long:
        if not isinstance(reason, HeaderAgain):
            firsts.setdefault(number, [number, column, reason])
    skipped = list(firsts.values())
    headers_again = [number for number, _, reason in too_long if isinstance(reason, HeaderAgain)]
    db.session.refresh(session)  # the count as the last import committed it
    session.guest_attendees = (0 if replace_guests else session.guest_attendees or 0) + len(new_guests)
    result = {"rows": len(rows), "matched": matched, "guests": len(new_guests), "guest_total": session.guest_attendees,
              "short": short, "merged": merged, "typed": typed_minutes[:TYPED_SHOWN], "n_typed": len(typed_minutes),
              "unmarked": unmarked, "skipped": skipped[:SKIPPED_SHOWN], "n_skipped": len(skipped),
              "headers_again": headers_again[:SKIPPED_SHOWN], "n_headers_again": len(headers_again)}  # fmt: skip
    if upload is not None:
        done = db.session.execute(
            update(AttendanceImport)
            .where(AttendanceImport.id == upload.id, AttendanceImport.status == AttendanceImportStatus.IMPORTING.value)
            .values(status=AttendanceImportStatus.DONE.value, result=result, content=b"", finished_at=utcnow(),
                    message=summary(result, min_minutes))
            .execution_options(synchronize_session=False)
        ).rowcount  # fmt: skip
        if not done:  # another delivery of the job finished it meanwhile
            db.session.rollback()
            return None
    db.session.commit()
    return result


def attendance_count(session):
    """Registered users who attended, plus guests from the imported export."""
    n = db.session.scalar(db.select(func.count(LiveRegistration.id)).filter_by(session_id=session.id, attended=True))
    return n + (session.guest_attendees or 0)


def send_reminders(hours=24, now=None):
    """Remind everyone registered for a session starting within ``hours`` (once each); returns how many this run
    reminded.

    Run hourly by the consumers (``jobs/periodic.py``) and by ``flask classes remind``; the notifications go out by
    e-mail with the digest. Each reminder is claimed by a conditional update before it is written, in one commit
    with it: two runs at once (two consumers' schedulers, a late run overlapping the next, the command beside the
    job) remind each registration once, and a run killed before its commit leaves its reminders to the next run.
    """
    now = now or beijing_now()
    due = db.session.execute(
        db.select(LiveRegistration.id, LiveRegistration.user_id, LiveSession.id, LiveSession.title,
                  LiveSession.starts_at)
        .join(LiveSession, LiveSession.id == LiveRegistration.session_id)
        .where(
            LiveSession.published.is_(True), LiveSession.starts_at > now,
            LiveSession.starts_at <= now + timedelta(hours=hours), LiveRegistration.reminded_at.is_(None),
        )
        .order_by(LiveRegistration.id)  # claimed in one order by every run: no deadlock on PostgreSQL
    ).all()  # fmt: skip
    sent = 0
    for reg_id, user_id, session_id, title, starts_at in due:
        claimed = db.session.execute(
            update(LiveRegistration)
            .where(LiveRegistration.id == reg_id, LiveRegistration.reminded_at.is_(None))
            .values(reminded_at=utcnow())
            .execution_options(synchronize_session=False)
        ).rowcount  # 0: another run reminded it meanwhile, or the registration was cancelled
        if claimed:
            notify(user_id, "class", f"提醒：您报名的“{title}”将于 {starts_at:%m-%d %H:%M} 开始，请准时进入直播间",
                   f"/classes/{session_id}")  # fmt: skip
            sent += 1
    db.session.commit()
    return sent


def my_registrations(user):
    return (
        db.select(LiveRegistration)
        .join(LiveSession, LiveSession.id == LiveRegistration.session_id)
        .where(LiveRegistration.user_id == user.id)
        .order_by(LiveSession.starts_at.desc(), LiveRegistration.id.desc())  # ties: pages neither repeat nor skip
    )


@history_provider("直播课堂与线上对接")
def _history(org):
    stmt = (
        db.select(LiveSession, func.count(LiveRegistration.id), func.count(LiveRegistration.id).filter(
            LiveRegistration.attended.is_(True)))
        .join(LiveRegistration, LiveRegistration.session_id == LiveSession.id)
        .where(LiveRegistration.organization_id == org.id)
        .group_by(LiveSession.id)
        .order_by(LiveSession.starts_at.desc(), LiveSession.id.desc())
    )  # fmt: skip
    return history_rows(stmt, lambda row: (row[0].starts_at.date(), f"{row[0].kind_label}：{row[0].title}（报名 {row[1]} 人，"
                                           f"出席 {row[2]} 人）", f"/classes/{row[0].id}"), scalars=False)  # fmt: skip


def counts(start: datetime, end: datetime, now: datetime | None = None):
    """Sessions held in [start, end) by kind, registrations and attendance (guests included); a session is held
    once its start time (Beijing wall time, as typed) has passed: those starting later in the period are
    ``scheduled`` (已安排), not held."""
    s, r = LiveSession, LiveRegistration
    now = now or clock.now_local()
    in_period = (s.published.is_(True), s.starts_at >= start, s.starts_at < end)
    held = db.select(s.id).where(*in_period, s.starts_at <= now)
    scheduled = db.session.scalar(db.select(func.count(s.id)).where(*in_period, s.starts_at > now))
    by_kind = dict(db.session.execute(db.select(s.kind, func.count(s.id)).where(s.id.in_(held)).group_by(s.kind)).all())
    registered, attended = db.session.execute(
        db.select(func.count(r.id), func.count(r.id).filter(r.attended.is_(True))).where(r.session_id.in_(held))
    ).one()
    guests = db.session.scalar(db.select(func.coalesce(func.sum(s.guest_attendees), 0)).where(s.id.in_(held)))
    return {"classes": by_kind.get("class", 0), "matchmaking": by_kind.get("matchmaking", 0),
            "registered": registered, "attended": attended + guests, "guests": guests, "scheduled": scheduled}  # fmt: skip
