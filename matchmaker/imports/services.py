"""Bulk import of needs or results: validate every row first, import the good ones on confirmation.

The uploaded file is kept on its ImportBatch and parsed again on confirmation, so what is
imported is exactly what was validated against the database as it is then. Rows whose
external reference (外部编号) is already on the platform are skipped: re-importing a file
adds nothing. Any failure while importing rolls the whole import back.
"""

import csv
import hashlib
import io
import logging
import threading

from flask import current_app

from ..extensions import db
from ..listings.tokens import refresh_tokens
from ..models import ImportBatch, Organization, Result, Taxonomy, TechNeed, User, Zone
from ..models.base import utcnow
from ..suggestions import services as matcher
from .columns import COLUMNS, KIND_LABELS, Lookups, check_header, clean_row
from .reader import FileProblem, file_format, read_rows

log = logging.getLogger(__name__)
MODELS = {"need": TechNeed, "result": Result}
CHUNK = 500
PROGRESS = {}  # batch id -> rows written so far (this process), for the status page


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
    ws.append(headers)
    for cell in ws[1]:
        cell.font = Font(bold=True)
    ws.freeze_panes = "A2"
    notes = wb.create_sheet("填写说明")
    notes.append(["列名", "是否必填", "示例"])
    for c in cols:
        notes.append([c.header, "必填" if c.required else "", c.example])
    notes.append([])
    notes.append(["说明：只导入第一个工作表；带 * 的列必填；金额单位为万元，最多两位小数，也可填“面议”；"
                  "日期格式 YYYY-MM-DD；外部编号在平台内唯一，重复导入同一文件不会产生重复数据。"])  # fmt: skip
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def _in_chunks(values, size=CHUNK):
    values = list(values)
    for i in range(0, len(values), size):
        yield values[i : i + size]


def _lookups(kind, raw_rows):
    orgs = {}
    names = {str(r.get("organization") or "").strip() for r in raw_rows} - {""}
    for part in _in_chunks(names):
        for org_id, name, org_kind in db.session.execute(
            db.select(Organization.id, Organization.name, Organization.kind).where(Organization.name.in_(part))
        ):
            orgs[name] = (org_id, org_kind)
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


def analyse(kind, content, fmt, max_rows):
    """Parse and validate a file: (good [(row, data)], errors [[row, column, reason]], duplicates, total)."""
    header, rows = read_rows(content, fmt)
    try:
        index = check_header(kind, header)
    except ValueError as exc:
        raise FileProblem(str(exc)) from None
    if not rows:
        raise FileProblem("文件中只有表头，没有数据行")
    if len(rows) > max_rows:
        raise FileProblem(f"文件有 {len(rows)} 行数据，超过单次导入上限 {max_rows} 行，请拆分成多个文件分批导入")
    raw_rows = [(n, {name: (cells[i] if i < len(cells) else "") for name, i in index.items()}) for n, cells in rows]
    lookups = _lookups(kind, [r for _, r in raw_rows])
    good, errors, seen = [], [], {}
    for number, raw in raw_rows:
        data, problems = clean_row(kind, raw, lookups)
        ref = data.get("external_ref")
        if ref and ref in seen:
            problems.append(("外部编号", f"与第 {seen[ref]} 行的外部编号重复"))
        elif ref:
            seen[ref] = number
        if problems:
            errors.extend([number, col, reason] for col, reason in problems)
        else:
            good.append((number, data))
    model = MODELS[kind]
    existing = set()
    for part in _in_chunks([d["external_ref"] for _, d in good]):
        existing.update(db.session.scalars(db.select(model.external_ref).where(model.external_ref.in_(part))))
    fresh = [(n, d) for n, d in good if d["external_ref"] not in existing]
    return fresh, errors, len(good) - len(fresh), len(rows)


def validate_upload(kind, filename, content, user):
    """Validate an uploaded file and keep it as an ImportBatch awaiting confirmation (commits).

    Raises FileProblem (nothing stored) when the file as a whole cannot be used."""
    if kind not in MODELS:
        raise FileProblem("请选择导入类型（技术需求或科技成果）")
    fmt = file_format(filename)
    good, errors, dupes, total = analyse(kind, content, fmt, current_app.config["IMPORT_MAX_ROWS"])
    batch = ImportBatch(
        kind=kind, filename=(filename or "")[:200], file_format=fmt, content=content,
        sha256=hashlib.sha256(content).hexdigest(), status="validated", total_rows=total, good_rows=len(good),
        bad_rows=len({e[0] for e in errors}), duplicate_rows=dupes, errors=errors, created_by_id=user.id,
    )  # fmt: skip
    db.session.add(batch)
    db.session.commit()
    return batch


def confirm(batch):
    """Start importing a validated batch: at once for small files, in a background thread for big ones."""
    if batch.status != "validated":
        raise FileProblem("该批次已处理，不能重复导入")
    if batch.good_rows == 0:
        raise FileProblem("没有可导入的数据行")
    batch.status = "importing"
    batch.processed_rows = 0
    db.session.commit()
    app = current_app._get_current_object()
    if app.testing or batch.good_rows <= app.config.get("IMPORT_SYNC_ROWS", 2000):
        run_import(batch.id)
    else:
        threading.Thread(target=_run_in_app, args=(app, batch.id), daemon=True, name=f"import-{batch.id}").start()


def _run_in_app(app, batch_id):
    with app.app_context():
        try:
            run_import(batch_id)
        finally:
            db.session.remove()


def run_import(batch_id):
    """Write the batch's good rows in one transaction; on any error nothing is written."""
    batch = db.session.get(ImportBatch, batch_id)
    kind, model = batch.kind, MODELS[batch.kind]
    written = []
    try:
        good, errors, dupes, _ = analyse(kind, batch.content, batch.file_format, current_app.config["IMPORT_MAX_ROWS"])
        zones = {z.id: z for z in db.session.scalars(db.select(Zone))}
        now = utcnow()
        for i, (_, data) in enumerate(good, start=1):
            listing = _build(model, data, zones, now)
            db.session.add(listing)
            written.append(listing)
            if i % CHUNK == 0:
                db.session.flush()
                PROGRESS[batch_id] = i
        db.session.flush()
        batch.imported_rows = len(written)
        batch.duplicate_rows = dupes
        batch.processed_rows = len(written)
        batch.status = "done"
        batch.finished_at = utcnow()
        batch.message = f"已导入 {len(written)} 条{KIND_LABELS[kind]}" + (f"，跳过已存在的 {dupes} 条" if dupes else "")
        if errors:
            batch.message += f"；有 {len({e[0] for e in errors})} 行因数据问题未导入"
        matcher.schedule_matching_many(kind, [listing.id for listing in written])
        db.session.commit()
    except Exception as exc:
        db.session.rollback()
        log.exception("import %s failed", batch_id)
        batch = db.session.get(ImportBatch, batch_id)
        batch.status = "error"
        batch.finished_at = utcnow()
        batch.message = (
            f"导入失败，数据库未做任何更改：{str(exc)[:200] if isinstance(exc, FileProblem) else '服务器错误'}"
        )
        db.session.commit()
        return batch
    finally:
        PROGRESS.pop(batch_id, None)
    return batch


def _build(model, data, zones, now):
    fields = {k: v for k, v in data.items() if k not in ("organization", "zones", "budget", "price", "owner_email")}
    listing = model(
        **fields, organization_id=data["organization"], status="published", source="import",
        published_at=now, confirmed_at=now,
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
    refresh_tokens(listing)
    return listing


def progress(batch):
    """(rows written, rows to write) for the status page."""
    done = batch.imported_rows if batch.status == "done" else PROGRESS.get(batch.id, batch.processed_rows)
    return done, batch.good_rows
