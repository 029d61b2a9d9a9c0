"""Bulk import of needs or results: validate every row first, import the good ones on confirmation.

Both are jobs: the upload request only checks what costs nothing and queues the validation.
The uploaded file is kept on its ImportBatch and parsed again on confirmation, so what is
imported is exactly what was validated against the database as it is then. Rows whose
external reference (外部编号) is already on the platform are skipped: re-importing a file
adds nothing. Any failure while importing rolls the whole import back.
"""

import csv
import hashlib
import io
import itertools
import logging
import unicodedata
from datetime import timedelta

from flask import current_app
from sqlalchemy import update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import defer

from .. import jobs
from ..admin.services import organizations_named
from ..extensions import db
from ..jobs import beats
from ..listings import lifecycle
from ..listings.tokens import ensure_dictionary, refresh_tokens
from ..models import ImportBatch, ImportStatus, ListingStatus, Result, Taxonomy, TechNeed, User, Zone
from ..models.base import utcnow
from ..suggestions import services as matcher
from ..utils import once
from ..utils.money import short
from ..utils.sheets import append_row
from .columns import COLUMNS, KIND_LABELS, Lookups, check_header, clean_row, normalize_header
from .reader import (
    FileProblem,
    Limits,
    collapse_again,
    column_letter,
    file_format,
    header_not_read,
    precheck,
    read_rows,
    rows_text,
    shown_name,
    unquoted,
)

log = logging.getLogger(__name__)
MODELS = {"need": TechNeed, "result": Result}
CHUNK = 500


def template_file(kind, fmt):
    """The empty import template (header row; an example and notes on a second sheet for xlsx)."""
    cols = COLUMNS[kind]
    headers = [c.header + ("*" if c.required else "") for c in cols]
    if fmt == "csv":
        buf = io.StringIO()
        csv.writer(buf).writerow(headers)
        return buf.getvalue().encode("utf-8-sig")
    from openpyxl import Workbook
    from openpyxl.styles import Font

    wb = Workbook()
    ws = wb.active
    ws.title = KIND_LABELS[kind]
    append_row(ws, headers)
    for cell in ws[1]:
        cell.font = Font(bold=True)
    ws.freeze_panes = "A2"
    notes = wb.create_sheet("填写说明")
    append_row(notes, ["列名", "是否必填", "示例"])
    for c in cols:
        append_row(notes, [c.header, "必填" if c.required else "", c.example])
    notes.append([])
    append_row(notes, ["说明：只导入第一个工作表；带 * 的列必填；金额单位为万元，最多两位小数，也可填“面议”；"
                  "日期格式 YYYY-MM-DD；外部编号在平台内唯一，重复导入同一文件不会产生重复数据。"])  # fmt: skip
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def _in_chunks(values, size=CHUNK):
    values = list(values)
    for i in range(0, len(values), size):
        yield values[i : i + size]


def _lookups(kind, raw_rows):
    # 华星(深圳)有限公司 typed for 华星（深圳）有限公司 finds it, as the 单位 field of a form does.
    orgs = organizations_named(str(r.get("organization") or "") for r in raw_rows)
    zones = dict(db.session.execute(db.select(Zone.name, Zone.id)).all())
    taxonomy = {}
    for k, name in db.session.execute(db.select(Taxonomy.kind, Taxonomy.name)):
        taxonomy.setdefault(k, set()).add(name)
    users = {}
    emails = {str(r.get("owner_email") or "").strip().lower() for r in raw_rows} - {""}
    for part in _in_chunks(emails):
        users.update(
            db.session.execute(
                db.select(User.email, User.id).where(User.email.in_(part), User.role == "researcher")
            ).all()
        )
    return Lookups(orgs, zones, taxonomy, users)


def _limits(max_rows):
    cfg = current_app.config
    return Limits(
        max_rows=max_rows, max_cell_chars=cfg["IMPORT_MAX_CELL_CHARS"], max_unpacked=cfg["IMPORT_MAX_UNPACKED"],
        max_ratio=cfg["IMPORT_MAX_RATIO"],
    )  # fmt: skip


TEXT_COLUMNS = ("external_ref", "contact_phone")  # codes kept as text: a CSV's leading apostrophe is dropped
WARNING = "warning"  # the fourth item of a report entry that is a note on a good row, not an error
ALIKE = "alike"  # ... that is a note on a good row's external reference: a likely duplicate written otherwise
UNNAMED = "unnamed"  # ... that tells a column without a name whose cells hold values (not imported): one a column


def report_entries(batch):
    """(errors [[row, column, reason]], warnings [[row, column, note]], alike [[row, column, note]]) of a batch's
    report: warnings on amounts read as half-width, alike on external references that are likely duplicates."""
    entries = batch.errors or []
    return (
        [e[:3] for e in entries if len(e) == 3 or e[3] == HIDDEN],
        [e[:3] for e in entries if len(e) > 3 and e[3] == WARNING],
        [e[:3] for e in entries if len(e) > 3 and e[3] == ALIKE],
    )


def analyse(kind, content, fmt, max_rows, progress=None, include_hidden=False):
    """Parse and validate a file: (good [(row, data)], report, bad rows, duplicates, total).

    The report, as kept on the batch, lists errors [row, column, reason] and, for good rows to import,
    warnings [row, column, note, WARNING] (an amount typed in full-width digits) and [row, column, note, ALIKE]
    (an external reference equal to a stored one or an earlier row's but for width or case), by row; the hidden rows
    past the first few are one error [row, 整行, reason, HIDDEN, their notice] (_hidden_entries); a column without a
    name whose cells hold values is one notice [first row, 第 n 列, note, UNNAMED] (its values are not imported).
    `progress(rows read)` is called as the file is read, and as its rows are checked. Rows hidden in an .xlsx are left
    out, each an error, unless `include_hidden`."""
    too_long = []  # rows left out by the reader: (row, column, reason)
    unread = {}  # an .xlsx's cells read as empty that are not: {row: {column index: reason}}
    hidden = None if include_hidden else []  # an .xlsx's data rows hidden in Excel (a filter's): left out, each told
    header, rows = read_rows(content, fmt, _limits(max_rows), too_long, progress, unread=unread, hidden=hidden)
    hidden = hidden or []
    try:
        index = check_header(kind, header)
    except ValueError as exc:
        raise FileProblem(_header_problem(kind, header, rows, exc)) from None
    if lost := header_not_read(header, rows):
        raise FileProblem(lost)
    if not rows and not too_long:
        if hidden:
            raise FileProblem(f"{rows_text(hidden)}在 Excel 中被隐藏（可能是筛选），没有可导入的行：{UNHIDE}")
        raise FileProblem("文件中只有表头，没有数据行")
    raw_rows = [(n, {name: (cells[i] if i < len(cells) else "") for name, i in index.items()}) for n, cells in rows]
    if fmt == "csv":  # '00123 as Excel's users type a code to keep its zeros: the apostrophe is no part of it
        for _, raw in raw_rows:
            for name in TEXT_COLUMNS:
                if name in raw:
                    raw[name] = unquoted(raw[name])
    unnamed = _unnamed_columns(header, rows)
    stray = _stray_rows(rows, index, unnamed)  # {row: its first column without a name}: nothing else in it
    lookups = _lookups(kind, [r for n, r in raw_rows if n not in stray])
    good, errors, seen, notes, alike = [], [list(p) for p in too_long], {}, {}, {}
    folded = {}  # an external reference as compared for a likely duplicate -> (row, the first as typed)
    for i, (number, raw) in enumerate(raw_rows, start=1):
        if progress is not None and i % 1000 == 0:
            progress(len(rows))  # all are read: a heartbeat while they are checked, the count shown unchanged
        if number in stray:  # told as such, not as every required column left empty (请填写…)
            errors.append([number, f"第 {stray[number] + 1} 列", _stray_row(stray[number])])
            continue
        notes[number] = []
        data, problems = clean_row(kind, raw, lookups, warnings=notes[number])
        if number in unread:
            problems = _told_unread(problems, unread[number], index, kind)
        ref = data.get("external_ref")
        if ref and ref in seen:
            problems.append(("外部编号", f"与第 {seen[ref]} 行的外部编号重复"))
        elif ref:
            seen[ref] = number
            first, like = folded.setdefault(_fold(ref), (number, ref))
            if like != ref:
                alike.setdefault(number, []).append(_near_duplicate(ref, like, f"第 {first} 行"))
        if problems:
            errors.extend([number, col, reason] for col, reason in problems)
        else:
            good.append((number, data))
    model = MODELS[kind]
    existing = set()
    for part in _in_chunks([d["external_ref"] for _, d in good]):
        existing.update(db.session.scalars(db.select(model.external_ref).where(model.external_ref.in_(part))))
    fresh = [(n, d) for n, d in good if d["external_ref"] not in existing]
    for n, ref, stored in _stored_like(model, fresh):
        alike.setdefault(n, []).append(_near_duplicate(ref, stored, "平台上已有"))
    bad = len({e[0] for e in errors} | set(hidden))
    errors = collapse_again(errors) + _hidden_entries(hidden)  # a column's cells past the first few told once, counted
    report = errors + [[n, col, note, WARNING] for n, _ in fresh for col, note in notes[n]]
    report += [[n, "外部编号", note, ALIKE] for n, _ in fresh for note in alike.get(n, ())]
    report += [[numbers[0], f"第 {i + 1} 列", _unnamed_note(i, numbers), UNNAMED] for i, numbers in unnamed.items()]
    report.sort(key=lambda e: e[0])
    return fresh, report, bad, len(good) - len(fresh), len(rows) + len({p[0] for p in too_long}) + len(hidden)


def _unnamed_columns(header, rows):
    """{0-based column: [row numbers]} of the columns the header names not (past its last name, or a blank cell among
    the names) in which rows hold values, by column: such values were dropped without a word (a note typed beside
    the table, a column whose name was deleted). Within the 200 columns read; past them a row is left out (reader)."""
    width = len(header)
    blanks = [i for i, name in enumerate(header) if not normalize_header(name)]
    out = {}
    for number, cells in rows:
        if len(cells) <= width and not blanks:  # the usual row: one length compared
            continue
        for i in itertools.chain(blanks, range(width, len(cells))):
            if i < len(cells) and cells[i] != "":
                out.setdefault(i, []).append(number)
    return dict(sorted(out.items()))


def _stray_rows(rows, index, unnamed):
    """{row: its first column without a name} of the rows whose only values are in such columns (a note beside the
    table, below its last row): no data row, though it was checked as one, told as every required column empty."""
    first = {}
    for i, numbers in unnamed.items():
        for n in numbers:
            first.setdefault(n, i)
    cells = dict(rows) if first else {}
    return {n: i for n, i in first.items() if all(c >= len(cells[n]) or cells[n][c] == "" for c in index.values())}


def _unnamed_note(i, numbers):
    """The report's notice of a column without a name holding values (in the rows `numbers`)."""
    return (
        f"{column_letter(i)} 列（第 {i + 1} 列）在表头中没有列名，{rows_text(numbers)}在该列填有内容（共 {len(numbers)} 行），"
        "这些内容不属于任何一列，不导入：若要导入，请把它们移到模板中对应的列（或在表头填写列名）后重新上传；"
        "若只是备注，可以忽略"
    )


def _stray_row(i):
    return f"该行只在没有列名的 {column_letter(i)} 列（第 {i + 1} 列）填有内容，其他各列都是空的，不是数据行，未导入"


def unnamed_notices(batch):
    """The report's notices of columns without a name whose cells hold values (not imported), by column."""
    return [e[2] for e in batch.errors or [] if len(e) > 3 and e[3] == UNNAMED]


WHOLE_ROW = "整行"
UNHIDE = "若要导入，请在 Excel 中取消隐藏这些行（或清除筛选）后重新上传，或上传时勾选“包括隐藏的行”"
HIDDEN_ROW = f"该行在 Excel 中被隐藏（可能是筛选），未导入：{UNHIDE}"  # a user who filtered the sheet saw other rows


HIDDEN = "hidden"  # the fourth item of the report entry standing for the hidden rows past the first HIDDEN_NAMED
HIDDEN_NAMED = 5  # hidden rows named each on the report; the others told in one entry, counted, with their rows


def _hidden_entries(hidden):
    """The report's errors of the rows left out as hidden: the first HIDDEN_NAMED each, the others one entry with their
    count and rows (20,000 filtered out were 20,000 lines of one sentence, 100 pages), carrying the rows_text of them
    all for the notice above the report."""
    named, rest = hidden[:HIDDEN_NAMED], hidden[HIDDEN_NAMED:]
    out = [[n, WHOLE_ROW, HIDDEN_ROW] for n in named]
    if rest:
        more = f"第 {rest[0]} 行起更多的行同样在 Excel 中被隐藏（可能是筛选），未导入（共 {len(rest)} 行：{rows_text(rest)}）"
        out.append([rest[0], WHOLE_ROW, f"{more}：{UNHIDE}", HIDDEN, rows_text(hidden)])
    return out


def hidden_notice(batch):
    """The rows left out as hidden in Excel, as the report's notice names them (第 3、5–7 行), or ""."""
    entries = batch.errors or []
    told = next((e[4] for e in entries if len(e) > 4 and e[3] == HIDDEN), None)
    if told:
        return told
    rows = [e[0] for e in entries if len(e) == 3 and e[2] == HIDDEN_ROW]
    return rows_text(rows) if rows else ""


def _fold(ref):
    """An external reference as compared for a likely duplicate: full-width as half-width, case folded."""
    return unicodedata.normalize("NFKC", ref).casefold()


def _near_duplicate(ref, like, where):
    return (
        f"外部编号“{short(ref)}”与{where}的“{short(like)}”只差全角/半角或大小写，会作为另一条导入；"
        "若是同一条，请改成完全一致后重新上传"
    )


def _stored_like(model, rows):
    """[(row, its reference, stored reference)] of `rows` (row, data, none stored as typed) whose external reference is
    stored written otherwise: full-width for half-width, another case (ＵＮＩ-1, uni-1 for UNI-1). References are kept
    as typed, so a new file keeps matching the ones stored; such a row is imported as another listing, and told.

    Only candidates are read, never every stored reference (100,000 stored: 0.7 s a validation, and again at the
    import): a stored reference of ASCII alone folds (_fold) to its lower case, so it can match only a row whose folded
    reference is that text, found by lower() in the database; the others (full-width punctuation, other scripts: no
    database folds as NFKC does) are few, read all and folded here. Each candidate is checked by _fold."""
    wanted = {}
    for n, d in rows:
        wanted.setdefault(_fold(d["external_ref"]), []).append((n, d["external_ref"]))
    out = []
    if not wanted:
        return out
    ref = model.external_ref
    found = set()
    for part in _in_chunks([key for key in wanted if key.isascii()]):
        found.update(db.session.scalars(db.select(ref).where(db.func.lower(ref).in_(part))))
    found.update(db.session.scalars(db.select(ref).where(_not_ascii(ref))))
    for stored in sorted(found):
        out.extend((n, typed, stored) for n, typed in wanted.get(_fold(stored), ()))
    return out


def _not_ascii(column):
    """Whether a text column holds a character past ASCII, in the database's own terms (a scan at C speed)."""
    if db.session.get_bind().dialect.name == "sqlite":
        return column.op("GLOB")("*[^\x01-\x7f]*")
    return column.op("~")("[^\x01-\x7f]")


def _header_problem(kind, header, rows, exc):
    """Why the header is refused: a title row above it (the next row is the header) is named as such, not told as
    every column missing and the title an unknown one."""
    if rows:
        number, cells = rows[0]
        try:
            check_header(kind, [str(c) for c in cells])
        except ValueError:
            pass
        else:
            title = short("".join(str(h) for h in header if h))
            if header.hidden:  # its user, who sees the header as the sheet's first row, looked for a title in vain
                return (
                    f"表头上方的第 {header.row} 行“{title}”在 Excel 中被隐藏（因此看不到），它不是列名，第 {number} 行"
                    "才是表头：请在 Excel 中取消隐藏该行并删除后重新上传"
                )
            return f"表头上方的“{title}”不是列名，第 {number} 行才是表头：请删除表头上方的标题行后重新上传"
    return header_not_read(header) + str(exc)  # a cell that could not be read named first: the likely cause


def _told_unread(problems, cells, index, kind):
    """A row's problems with its cells read as empty that are not (a formula without its result, a cell under a
    merged cell) told as such: in place of a column's problem (请填写…), or added (a column not required, which
    would have been imported as empty)."""
    headers = {c.name: c.header for c in COLUMNS[kind]}
    told = {headers[name]: cells[i] for name, i in index.items() if i in cells}
    out = [(col, told.pop(col, reason)) for col, reason in problems]
    return out + sorted(told.items())


def validate_upload(kind, filename, content, user, include_hidden=False):
    """Keep an upload as an ImportBatch being validated and queue its validation (commits).

    The request itself only checks what costs milliseconds whatever the file (reader.precheck: the file's
    kind, an .xlsx's declared sizes); reading and checking every row, which at the limits takes seconds to
    tens of seconds and a hundred MB or more, is run_validation's, a job, whose progress and outcome the
    batch's page shows. Raises FileProblem (nothing stored) when the file is plainly unusable."""
    if kind not in MODELS:
        raise FileProblem("请选择导入类型（技术需求或科技成果）")
    filename = shown_name(filename)
    fmt = file_format(filename)
    precheck(content, fmt, _limits(current_app.config["IMPORT_MAX_ROWS"]))
    batch = ImportBatch(
        kind=kind, filename=filename, file_format=fmt, content=content,
        sha256=hashlib.sha256(content).hexdigest(), status=ImportStatus.VALIDATING.value, created_by_id=user.id,
        include_hidden=bool(include_hidden),
    )  # fmt: skip
    db.session.add(batch)
    db.session.flush()
    jobs.after_commit(run_validation, batch.id)
    db.session.commit()
    return batch


@jobs.task(retries=0)
def run_validation(batch_id):
    """(A job) Read and check every row of an uploaded batch: validated, with its report of bad rows, or
    rejected with the reason the file cannot be used (its content then dropped). Rows read so far are
    recorded as it goes (the page shows them), each time a heartbeat: a validation whose worker died is
    taken again by the minute's sweep (requeue_stale). Writes nothing else; a delivery that finds the batch
    taken (another worker beating on it) or checked does nothing."""
    if not beats.claim(ImportBatch, batch_id, ImportStatus.VALIDATING.value):
        return db.session.get(ImportBatch, batch_id)
    batch = db.session.get(ImportBatch, batch_id)
    kind, content, fmt = batch.kind, batch.content, batch.file_format
    try:
        good, report, bad, dupes, total = analyse(
            kind, content, fmt, current_app.config["IMPORT_MAX_ROWS"],
            lambda rows: beats.progress(ImportBatch, batch_id, ImportStatus.VALIDATING.value, rows, "import"),
            include_hidden=batch.include_hidden,
        )  # fmt: skip
    except FileProblem as exc:
        values = dict(status=ImportStatus.REJECTED.value, content=b"", finished_at=utcnow(),
                      message=f"文件未通过校验，没有导入任何数据：{exc}"[:500])  # fmt: skip
    except Exception:
        log.exception("validation of import %s failed", batch_id)
        values = dict(status=ImportStatus.ERROR.value, finished_at=utcnow(),
                      message="校验文件时服务器出错，没有导入任何数据；请稍后重新上传该文件")  # fmt: skip
    else:
        values = dict(status=ImportStatus.VALIDATED.value, total_rows=total, good_rows=len(good), bad_rows=bad,
                      duplicate_rows=dupes, errors=report)  # fmt: skip
    db.session.rollback()
    db.session.execute(
        update(ImportBatch)
        .where(ImportBatch.id == batch_id, ImportBatch.status == ImportStatus.VALIDATING.value)
        .values(processed_rows=0, heartbeat_at=None, **values)
        .execution_options(synchronize_session=False)
    )
    db.session.commit()
    return db.session.get(ImportBatch, batch_id)


def confirm(batch):
    """Queue the import of a validated batch (a job: a worker runs it after this commit). ``batch`` as
    batch_progress reads it (its status and counts, not the file: the job reads that).

    One confirm wins, however many arrive at once (a conditional UPDATE claims the batch); the
    others are repeats, shown the batch's true status."""
    if batch.status == ImportStatus.VALIDATING:
        raise FileProblem("文件还在校验中，请等校验完成后再确认导入")
    if batch.status == ImportStatus.REJECTED:
        raise FileProblem("该文件未通过校验，不能导入；请按提示修改后重新上传")
    if batch.status == ImportStatus.EXPIRED:
        raise FileProblem(batch.message or expired_message())
    if batch.good_rows == 0 and batch.status == ImportStatus.VALIDATED:
        raise FileProblem("没有可导入的数据行")
    # A batch past IMPORT_KEEP_DAYS is refused as expired though the daily job has not marked it yet.
    if batch.status == ImportStatus.VALIDATED and batch.created_at < utcnow() - timedelta(
        days=current_app.config["IMPORT_KEEP_DAYS"]
    ):
        raise FileProblem(expired_message())
    claimed = db.session.execute(
        update(ImportBatch)
        .where(ImportBatch.id == batch.id, ImportBatch.status == ImportStatus.VALIDATED.value)
        .values(status=ImportStatus.IMPORTING.value, processed_rows=0, heartbeat_at=None, attempts=0)
        .execution_options(synchronize_session=False)
    ).rowcount
    if not claimed:
        db.session.rollback()
        raise once.Repeat("import_batch", batch.id)
    jobs.after_commit(run_import, batch.id)
    db.session.commit()


# What the sweep runs again for a batch in each state whose worker stopped beating.
RESUMED_BY = {ImportStatus.VALIDATING.value: "run_validation", ImportStatus.IMPORTING.value: "run_import"}
STALE_ATTEMPTS = 3  # workers that died on one batch before the sweep gives up on it
GIVEN_UP = {
    ImportStatus.VALIDATING.value: "校验文件时服务器出错，没有导入任何数据：处理该文件的后台进程多次中断（文件可能过大），请拆分文件后重新上传",
    ImportStatus.IMPORTING.value: "导入失败，数据库未做任何更改：处理该文件的后台进程多次中断（文件可能过大），请拆分文件后重新上传",
}


def requeue_stale() -> list[int]:
    """Run again the validations and imports whose worker stopped beating (the minute's sweep calls this): the
    page moves on within about two minutes of a killed worker instead of showing frozen progress (正在校验 /
    正在导入) until the job's ten-minute lease ends. A batch on which STALE_ATTEMPTS workers died ends in error,
    its page saying so. Returns the batches queued; a job that finds its batch taken does nothing."""
    stale = beats.stale_before()
    rows = db.session.execute(
        db.select(ImportBatch.id, ImportBatch.status, ImportBatch.attempts)
        .where(ImportBatch.status.in_(list(RESUMED_BY)), ImportBatch.heartbeat_at < stale)
        .order_by(ImportBatch.id)
    ).all()
    db.session.rollback()  # end the read: a job run at once in this process starts afresh
    queued = []
    for batch_id, status, attempts in rows:
        if attempts >= STALE_ATTEMPTS:  # the file kills its worker (e.g. out of memory): say so, stop retrying
            log.error("import %s (%s): %d workers died on it; given up", batch_id, status, attempts)
            db.session.execute(
                update(ImportBatch)
                .where(ImportBatch.id == batch_id, ImportBatch.status == status, ImportBatch.heartbeat_at < stale)
                .values(
                    status=ImportStatus.ERROR.value, finished_at=utcnow(), processed_rows=0, message=GIVEN_UP[status]
                )
            )
            db.session.commit()
            continue
        log.warning("import %s (%s): its worker stopped beating; queued again", batch_id, status)
        jobs.enqueue(globals()[RESUMED_BY[status]], batch_id)
        queued.append(batch_id)
    return queued


def expired_message(days=None):
    """What an expired batch's page says, and confirming it answers."""
    days = current_app.config["IMPORT_KEEP_DAYS"] if days is None else days
    return f"文件已超过 {days} 天未确认导入，已删除，请重新上传"


def expire_unconfirmed() -> int:
    """Drop the file of every batch validated and left unconfirmed for IMPORT_KEEP_DAYS (the daily expire_listings
    job calls this): its rows' contacts are not kept for an import nobody makes. The batch ends as expired, keeping its
    name, SHA-256 and report; its page says so and confirming it is refused. Commits; returns the batches expired."""
    days = current_app.config["IMPORT_KEEP_DAYS"]
    res = db.session.execute(
        update(ImportBatch)
        .where(
            ImportBatch.status == ImportStatus.VALIDATED.value, ImportBatch.created_at < utcnow() - timedelta(days=days)
        )
        .values(status=ImportStatus.EXPIRED.value, content=b"", finished_at=utcnow(), message=expired_message(days))
        .execution_options(synchronize_session=False)
    )
    db.session.commit()
    if res.rowcount:
        log.info("imports: %d unconfirmed batch(es) older than %d days expired", res.rowcount, days)
    return res.rowcount


@jobs.task(retries=0)
def run_import(batch_id):
    """(A job) Write the batch's good rows in one transaction; on any error nothing is written.

    Every row is built and tokenised first (progress recorded as it goes), then all are written
    at once. Rows written meanwhile by another import (the same file uploaded and confirmed twice at
    once: a unique 外部编号 taken) make it check the file again once, those rows then skipped as in a
    re-import. Returns the batch, or None when another worker has it."""
    if not beats.claim(ImportBatch, batch_id, ImportStatus.IMPORTING.value):
        return None
    for last in (False, True):
        try:
            return _write(batch_id)
        except IntegrityError as exc:
            db.session.rollback()
            if last:
                return _failed(batch_id, exc)
            log.warning("import %s: rows written meanwhile by another import; checking the file again", batch_id)
        except Exception as exc:
            db.session.rollback()
            return _failed(batch_id, exc)


def _write(batch_id):
    """One attempt of run_import: check the file against the database as it is now, write the good rows."""
    batch = db.session.get(ImportBatch, batch_id)
    kind, model = batch.kind, MODELS[batch.kind]
    good, report, bad, dupes, _ = analyse(
        kind, batch.content, batch.file_format, current_app.config["IMPORT_MAX_ROWS"],
        include_hidden=batch.include_hidden,
    )  # fmt: skip
    zones = {z.id: z for z in db.session.scalars(db.select(Zone))}
    ensure_dictionary()
    now = utcnow()
    written = []
    for i, (row, data) in enumerate(good, start=1):
        try:
            written.append(_build(model, data, zones, now))
        except lifecycle.LifecycleError as exc:  # e.g. its validity ended since the file was checked
            raise FileProblem(f"第 {row} 行：{exc}") from None
        if i % CHUNK == 0:
            beats.progress(ImportBatch, batch_id, ImportStatus.IMPORTING.value, i, "import")
    db.session.add_all(written)
    db.session.flush()
    batch.imported_rows = len(written)
    batch.duplicate_rows = dupes
    # The report shows what this run found: a row that went bad since the check (its organisation
    # renamed, a zone removed) is listed with its reason, not only counted in the message.
    batch.errors, batch.bad_rows = report, bad
    batch.processed_rows = len(written)
    batch.status = ImportStatus.DONE.value
    batch.content = b""  # read for the last time: the rows (contacts among them) are kept where they belong now
    batch.finished_at = utcnow()
    batch.message = f"已导入 {len(written)} 条{KIND_LABELS[kind]}" + (f"，跳过已存在的 {dupes} 条" if dupes else "")
    if bad:
        batch.message += f"；有 {bad} 行因数据问题未导入"
    matcher.schedule_matching_many(kind, [listing.id for listing in written])
    db.session.commit()
    return batch


def _failed(batch_id, exc):
    """Record run_import's failure on its batch (nothing was written), unless another delivery finished it."""
    log.error("import %s failed", batch_id, exc_info=exc)
    batch = db.session.get(ImportBatch, batch_id)
    if batch.status != ImportStatus.IMPORTING:  # a second delivery failing after the first one finished
        return batch
    batch.status = ImportStatus.ERROR.value
    batch.content = b""  # an ended batch is never read again (a new upload is a new batch)
    batch.finished_at = utcnow()
    batch.message = f"导入失败，数据库未做任何更改：{str(exc)[:200] if isinstance(exc, FileProblem) else '服务器错误'}"
    db.session.commit()
    return batch


def _build(model, data, zones, now):
    fields = {k: v for k, v in data.items() if k not in ("organization", "zones", "budget", "price", "owner_email")}
    listing = model(
        **fields, organization_id=data["organization"], status=ListingStatus.DRAFT.value, source="import", published_at=now,
    )  # fmt: skip
    if model is TechNeed:
        listing.budget_wan, listing.budget_negotiable = data["budget"]
        for k in ("indicators", "conditions"):
            setattr(listing, k, getattr(listing, k) or "")
    else:
        listing.price_wan, listing.price_negotiable = data["price"]
        listing.owner_id = data.get("owner_email")
        listing.detail, listing.advantages = listing.detail or "", listing.advantages or ""
    listing.zones = [zones[z] for z in data.get("zones") or [] if z in zones]
    lifecycle.transition(listing, "publish")  # a new draft, published through the listing life cycle
    refresh_tokens(listing, check_dictionary=False)
    return listing


def shown_batch(batch_id):
    """A batch as its page shows it (counts, status, report), or None: without the uploaded file it keeps (up to
    MAX_CONTENT_LENGTH, read only by the jobs)."""
    return db.session.scalar(
        db.select(ImportBatch).where(ImportBatch.id == batch_id).options(defer(ImportBatch.content))
    )


def recent_batches(n=10):
    """The ``n`` latest batches, newest first, as the import page lists them: without their files and reports."""
    return db.session.scalars(
        db.select(ImportBatch).options(defer(ImportBatch.content), defer(ImportBatch.errors))
        .order_by(ImportBatch.id.desc()).limit(n)
    ).all()  # fmt: skip


def batch_progress(batch_id):
    """What progress(), the status poll and confirm read of a batch (id, status, processed_rows, imported_rows,
    good_rows, message, created_at) as last committed (the jobs commit their progress from a connection of their own), or None.
    Polled every second while a batch is checked or imported: one statement, of these columns alone (never the file
    nor the report)."""
    return db.session.execute(
        db.select(ImportBatch.id, ImportBatch.status, ImportBatch.processed_rows, ImportBatch.imported_rows,
                  ImportBatch.good_rows, ImportBatch.message, ImportBatch.created_at).where(ImportBatch.id == batch_id)
    ).one_or_none()  # fmt: skip


def progress(batch):
    """(rows written, rows to write) for the status page; while validating, (rows read, 0)."""
    done = batch.imported_rows if batch.status == ImportStatus.DONE else batch.processed_rows
    return done, batch.good_rows
