"""Fixtures of the contract tests."""

import sqlite3

import pytest


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
