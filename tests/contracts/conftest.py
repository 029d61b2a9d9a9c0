"""Fixtures of the contract tests."""

import sqlite3

import pytest

from matchmaker.config import DefaultConfig

PRODUCT_VERIFY_TIMEOUT = DefaultConfig.SIGNING_VERIFY_TIMEOUT  # 8 s: what 系统正忙's "请约 8 秒后" says
LONG_VERIFY_TIMEOUT = 120


@pytest.fixture(autouse=True)
def _verifications_have_time(request):
    """Genuine contracts verified with 120 s rather than SIGNING_VERIFY_TIMEOUT's 8: signing and 验证签名 verify the
    PDF in a child process (a second or two of CPU), and a loaded machine (CI's 2 cores under -n 2, or a load of 12)
    took longer than 8 s of the clock, so the page said 验证超时 and the test failed. A test of the limit or of its
    message sets its own (``product_time_limit`` for the product's 8) and asserts what the code did with it."""
    if "app" in request.fixturenames:
        request.getfixturevalue("app").config["SIGNING_VERIFY_TIMEOUT"] = LONG_VERIFY_TIMEOUT


@pytest.fixture
def make_app(make_app):
    """tests/conftest.py's ``make_app`` (and so ``file_app``), its apps' verifications given 120 s as above."""

    def factory(**extra):
        extra.setdefault("SIGNING_VERIFY_TIMEOUT", LONG_VERIFY_TIMEOUT)
        return make_app(**extra)

    return factory


def product_time_limit(app):
    """The product's own SIGNING_VERIFY_TIMEOUT back on ``app``, for a request whose message tells the limit."""
    app.config["SIGNING_VERIFY_TIMEOUT"] = PRODUCT_VERIFY_TIMEOUT


@pytest.fixture(scope="module")
def made():
    """A module's store of databases made once (``made_once``'s, or a module's own (copy, ids) per starting state);
    the copies are closed after the module (see once.py)."""
    store = {}
    yield store
    for value in store.values():
        for item in value if isinstance(value, tuple) else (value,):
            if isinstance(item, sqlite3.Connection):
                item.close()
