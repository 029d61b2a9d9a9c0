"""Helpers for the API tests: tokens for users, and GET with a bearer token."""

from itertools import count

import pytest

from matchmaker.tokens.services import issue

from ..factories import make_user

_names = count(1)


def token_for(user_or_role="admin", scopes=("read",), days=30):
    """A fresh token (text) of a user, or of a new user of that role; each of its own name (one account has one
    live token of a name)."""
    user = make_user(user_or_role) if isinstance(user_or_role, str) else user_or_role
    return issue(user, user, f"测试令牌{next(_names)}", list(scopes), days)[1]


@pytest.fixture
def api(client):
    """``api.get(url, token)``: a GET with ``Authorization: Bearer``; returns the response."""

    class Api:
        def get(self, url, token=None, **kw):
            headers = {"Authorization": f"Bearer {token}"} if token else {}
            return client.get(url, headers=headers | kw.pop("headers", {}), **kw)

        def post(self, url, token=None, **kw):
            headers = {"Authorization": f"Bearer {token}"} if token else {}
            return client.post(url, headers=headers | kw.pop("headers", {}), **kw)

    return Api()
