"""Admin page maintaining the industry, technical field and town lists."""

from flask import flash, redirect, render_template, request, url_for

from ..auth.decorators import get_or_404, role_required
from ..extensions import db
from ..models import Role, Taxonomy
from .routes import bp
from .services import TAXONOMY_KINDS, add_term, clean_term_name, set_term_active


@bp.route("/taxonomy", methods=["GET", "POST"])
@role_required(Role.ADMIN)
def taxonomy():
    """The three maintained lists; add an entry."""
    kind, name, error = request.form.get("kind", ""), request.form.get("name", ""), None
    if request.method == "POST":
        error = add_term(kind, name)
        if not error:
            flash(f"已添加{TAXONOMY_KINDS[kind]}“{clean_term_name(name)}”", "success")
            return redirect(url_for("admin.taxonomy"))
    rows = db.session.scalars(db.select(Taxonomy).order_by(Taxonomy.kind, Taxonomy.sort_order, Taxonomy.id)).all()
    lists = {k: [t for t in rows if t.kind == k] for k in TAXONOMY_KINDS}
    # a refused entry is shown again with its error beside the field, as typed (a redirect lost it)
    return render_template("admin/taxonomy.html", lists=lists, kinds=TAXONOMY_KINDS, kind=kind, name=name,
                           error=error), 400 if error else 200  # fmt: skip


@bp.route("/taxonomy/<int:term_id>/active", methods=["POST"])
@role_required(Role.ADMIN)
def taxonomy_active(term_id):
    """Hide an entry from new choices (stored listings keep it) or show it again."""
    term = get_or_404(Taxonomy, term_id)
    set_term_active(term, request.form.get("active") == "1")
    flash(f"已{'启用' if term.active else '停用'}“{term.name}”", "success")
    return redirect(url_for("admin.taxonomy"))
