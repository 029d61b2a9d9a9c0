"""Counters that move whenever a group of tables is written: a cheap, cross-machine "has it changed?"."""

from ..extensions import db


class DataGeneration(db.Model):
    """One counter per watched group (``contracts``: contracts and their signing documents).

    Bumped in the same transaction as the write (``matchmaker/cache.py``), so any process on any
    machine that reads it after the commit sees the new value; reports key their cache on it."""

    __tablename__ = "data_generation"
    name = db.Column(db.String(40), primary_key=True)
    counter = db.Column(db.BigInteger, nullable=False, default=0)
