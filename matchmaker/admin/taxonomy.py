"""Admin page maintaining the industry, technical field and town lists."""

from flask import flash, redirect, render_template, request, url_for
from sqlalchemy import func
from sqlalchemy.exc import IntegrityError

from ..auth.decorators import get_or_404, role_required
from ..extensions import db
from ..models import Role, Taxonomy
from ..utils.text import clean_text, has_visible
from .routes import bp

KINDS = {"industry": "行业", "field": "技术领域", "town": "镇街"}


def clean_name(name):
    """The name as stored: NFKC, without control or format (zero-width, bidi) characters, trimmed."""
    return clean_text(name or "", multiline=False).strip()


def add_term(kind, name):
    """Add a list entry (or re-activate it); returns an error message or None. Commits.

    The same entry added by two requests at the same moment (a double-clicked 添加) is answered
    「已存在」 by the one that loses on the unique (kind, name), not a 500."""
    raw, name = name, clean_name(name)
    if kind not in KINDS:
        return "请选择列表类型"
    if not name:
        return "名称不能只含空白或不可见字符" if (raw or "").strip() else "请填写名称"
    if not has_visible(name):
        return "名称不能只含空白或不可见字符"
    if len(name) > 50:
        return "名称不能超过 50 个字符"
    existing = db.session.scalar(db.select(Taxonomy).filter_by(kind=kind, name=name))
    if existing:
        if existing.active:
            return f"{KINDS[kind]}“{name}”已存在"
        existing.active = True
    else:
        top = db.session.scalar(db.select(func.max(Taxonomy.sort_order)).filter_by(kind=kind)) or 0
        db.session.add(Taxonomy(kind=kind, name=name, sort_order=top + 1))
    try:
        db.session.commit()
    except IntegrityError:
        db.session.rollback()
        return f"{KINDS[kind]}“{name}”已存在"
    return None


@bp.route("/taxonomy", methods=["GET", "POST"])
@role_required(Role.ADMIN)
def taxonomy():
    """The three maintained lists; add an entry."""
    if request.method == "POST":
        kind, name = request.form.get("kind", ""), request.form.get("name", "")
        error = add_term(kind, name)
        if error:
            flash(error, "danger")
        else:
            flash(f"已添加{KINDS[kind]}“{clean_name(name)}”", "success")
        return redirect(url_for("admin.taxonomy"))
    rows = db.session.scalars(db.select(Taxonomy).order_by(Taxonomy.kind, Taxonomy.sort_order, Taxonomy.id)).all()
    lists = {k: [t for t in rows if t.kind == k] for k in KINDS}
    return render_template("admin/taxonomy.html", lists=lists, kinds=KINDS)


@bp.route("/taxonomy/<int:term_id>/active", methods=["POST"])
@role_required(Role.ADMIN)
def taxonomy_active(term_id):
    """Hide an entry from new choices (stored listings keep it) or show it again."""
    term = get_or_404(Taxonomy, term_id)
    term.active = request.form.get("active") == "1"
    db.session.commit()
    flash(f"已{'启用' if term.active else '停用'}“{term.name}”", "success")
    return redirect(url_for("admin.taxonomy"))
