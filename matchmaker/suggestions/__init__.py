"""The suggestions area: the only bridge between the database and the matching engine (matching/),
the stored need <-> result pairs, their routing to brokers and the pair pipeline. Pages under /matches."""

from .routes import bp

__all__ = ["bp"]
