"""The demonstration data set: each area adds its own seeder module here.

``run_demo`` calls, in order, ``seed(ctx)`` of each module named in SEEDERS that
exists; ``ctx`` is a dict through which seeders pass what they created.
"""

import importlib

from ..extensions import db
from ..models import User

DEMO_PASSWORD = "demo12345"  # noqa: S105 -- printed on the console for the demonstration
SEEDERS = ["taxonomy", "accounts", "listings", "matching", "brokers", "contracts", "signing"]


def database_is_empty():
    """True when no user exists yet."""
    return db.session.scalar(db.select(User.id).limit(1)) is None


def run_demo(echo=print):
    """Fill an empty database with the demonstration; returns the context."""
    ctx = {"echo": echo, "password": DEMO_PASSWORD}
    for name in SEEDERS:
        try:
            module = importlib.import_module(f".{name}", __name__)
        except ModuleNotFoundError as exc:
            if exc.name == f"{__name__}.{name}":
                continue
            raise
        module.seed(ctx)
        db.session.commit()
    return ctx
