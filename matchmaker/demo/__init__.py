"""The demonstration data set: each area adds its own seeder module here.

``run_demo`` calls, in order, ``seed(ctx)`` of each module in SEEDERS; ``ctx`` is a dict
through which seeders pass what they created.
"""

from ..extensions import db
from ..models import User
from . import (
    accounts,
    brokers,
    classes,
    contracts,
    financing,
    listings,
    signing,
    suggestions,
    taxonomy,
    training,
    urgent,
    visits,
)

DEMO_PASSWORD = "demo12345"  # noqa: S105 -- printed on the console for the demonstration
SEEDERS = [
    taxonomy,
    accounts,
    listings,
    suggestions,
    brokers,
    contracts,
    signing,
    urgent,
    visits,
    classes,
    financing,
    training,
]


def database_is_empty():
    """True when no user exists yet."""
    return db.session.scalar(db.select(User.id).limit(1)) is None


def run_demo(echo=print):
    """Fill an empty database with the demonstration; returns the context."""
    ctx = {"echo": echo, "password": DEMO_PASSWORD}
    for module in SEEDERS:
        module.seed(ctx)
        db.session.commit()
    return ctx
