"""Services own the transaction: a refused use case leaves nothing half-done behind it."""

import functools

from ..extensions import db


def rolls_back_on(*errors):
    """Decorate a service: when it raises one of ``errors`` (a refusal shown to the user), whatever it
    had already written in this transaction is rolled back first, so no view has to."""

    def wrap(fn):
        @functools.wraps(fn)
        def run(*args, **kwargs):
            try:
                return fn(*args, **kwargs)
            except errors:
                db.session.rollback()
                raise

        return run

    return wrap
