"""Suggestions (match pairs) for brokers and admins, filtered like the brokers' queue."""

from flask import current_app, url_for
from flask_login import current_user

from ..brokers.queries import SORT_KEYS, Filters, suggestions_stmt
from ..brokers.services import log_confidential_view
from ..listings import access
from ..models import MatchSuggestion, Role, SuggestionStatus
from ..suggestions.store import explain_shown
from . import pagination, schemas
from .lookup import get_or_404
from .routes import bp, requires

staff = requires(Role.BROKER, Role.ADMIN)
SuggestionPage = schemas.page_of(schemas.Suggestion, "SuggestionPage")


def dump(s, listed=False):
    ref = lambda o: {"id": o.id, "title": o.title}  # noqa: E731
    broker = s.assigned_broker
    return {
        "id": s.id, "url": url_for("brokers.suggestion", suggestion_id=s.id, _external=True),
        "need": ref(s.need), "result": ref(s.result), "score": float(s.score),
        "reasons": [{"term": str(t), "weight": float(w)}
                    for t, w in access.visible_reasons(current_user, s.need, s.reason_terms(limit=None), listed=listed)],  # the one rule
        "status": s.status, "manual": bool(s.manual),
        "assigned_broker": {"id": broker.id, "name": broker.name} if broker else None,
        "need_response": s.need_response, "result_response": s.result_response, "created_at": s.created_at,
        "introduced_at": s.introduced_at, "last_activity_at": s.last_activity_at,
    }  # fmt: skip


@bp.route("/suggestions")
@staff
@bp.arguments(schemas.SuggestionArgs, location="query")
@bp.response(200, SuggestionPage)
@bp.doc(summary="匹配推荐列表", description="与经纪人工作台相同的筛选；经纪人默认看到分配给自己和未分配的推荐，管理员看到全部。"
        "只给出需求、成果的 id 与标题；“仅公开摘要”的需求只给出其公开文字中的匹配理由词"
        "（全部理由见推荐详情接口，查阅将被记录）。")  # fmt: skip
def suggestions_list(args):
    """Match pairs, filtered like the queue."""
    filters = {k: v for k, v in args.items() if k not in ("limit", "cursor")}
    f = Filters.from_args({k: str(v) for k, v in filters.items()}, current_user, default_status="")
    statuses = (args["status"],) if args.get("status") else tuple(s.value for s in SuggestionStatus)
    stmt = suggestions_stmt(current_user, f, current_app.config["STALE_SUGGESTION_DAYS"], statuses)
    name, desc = SORT_KEYS[f.sort]
    S = MatchSuggestion
    keyset = pagination.requested_first(S.owner_requested_at, getattr(S, name), S.id, desc)
    page = pagination.page(stmt, None, "suggestions", filters, args["limit"], args.get("cursor"), keyset)
    page["items"] = [dump(s, listed=True) for s in explain_shown(list(page["items"]))]
    return page


@bp.route("/suggestions/<int:suggestion_id>")
@staff
@bp.response(200, schemas.Suggestion)
@bp.doc(summary="匹配推荐详情")
def suggestions_detail(suggestion_id):
    """One match pair (staff read any pair, as on the pair page, and are audited as there: a summary-only
    need's reasons are words of its hidden text)."""
    s = get_or_404(MatchSuggestion, suggestion_id)
    log_confidential_view(current_user, s)
    return dump(explain_shown([s])[0])
