"""Technology-broker training and certification (技术经纪人培训)."""

from flask import Blueprint, has_request_context, request

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


from . import routes  # noqa: E402,F401
