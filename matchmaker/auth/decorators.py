"""The one way views guard themselves: roles, login, ownership.

Every view carries an ``access`` attribute (set by these decorators) so the test
suite can check that no route was added without a guard.
"""

from functools import wraps

from flask import abort
from flask_login import current_user

from ..extensions import db, login_manager


def _mark(view, access):
    view.access = access
    return view


def public(view):
    """Mark a view as open to everyone, logged in or not."""
    return _mark(view, "public")


def login_required(view):
    """Any logged-in user; anonymous users are sent to the login page."""

    @wraps(view)
    def wrapped(*args, **kwargs):
        if not current_user.is_authenticated:
            return login_manager.unauthorized()
        return view(*args, **kwargs)

    return _mark(wrapped, "login")


def role_required(*roles):
    """Only users of the given roles; anonymous to login, wrong role 403."""
    allowed = {str(r) for r in roles}

    def decorator(view):
        @wraps(view)
        def wrapped(*args, **kwargs):
            if not current_user.is_authenticated:
                return login_manager.unauthorized()
            if current_user.role not in allowed:
                abort(403)
            return view(*args, **kwargs)

        return _mark(wrapped, tuple(sorted(allowed)))

    return decorator


def get_or_404(model, ident, check=None):
    """Load a row or 404; with ``check`` a callable(user) -> bool, 403 when it fails."""
    obj = db.session.get(model, ident)
    if obj is None:
        abort(404)
    if check is not None and not check(current_user):
        abort(403)
    return obj
