"""Helpers for the API tests: tokens for users, and GET with a bearer token."""

import pytest

from matchmaker.tokens.services import issue

from ..factories import make_user


def token_for(user_or_role="admin", scopes=("read",), days=30):
    """A fresh token (text) of a user, or of a new user of that role."""
    user = make_user(user_or_role) if isinstance(user_or_role, str) else user_or_role
    return issue(user, user, "测试令牌", list(scopes), days)[1]


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
