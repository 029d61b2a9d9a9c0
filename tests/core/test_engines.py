"""Each database engine gets its connection settings, however many engines a process has made before it."""

import gc

import sqlalchemy as sa

from matchmaker.models import sqlite_pragmas


def test_every_new_engine_has_foreign_keys_even_at_a_collected_ones_address(tmp_path):
    """The settings were marked done by id(engine); a new engine that took a collected one's address went without
    foreign keys, so deleting a live session left its attendance imports behind (a CI failure in the full suite)."""
    without = []
    # Each collection frees the engine made here; what the process held before the test is left out of it (kept
    # frozen meanwhile): a collection over the whole suite's objects took a quarter of a second, 25 of them 6 s.
    frozen_before = gc.get_freeze_count()  # what tests/conftest.py set apart for the whole process stays so
    gc.freeze()
    try:
        for i in range(25):
            engine = sa.create_engine(f"sqlite:///{tmp_path / f'{i}.sqlite'}")
            sqlite_pragmas(engine)
            with engine.connect() as conn:
                if conn.exec_driver_sql("PRAGMA foreign_keys").scalar() != 1:
                    without.append(i)
                assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
            engine.dispose()
            del engine
            gc.collect()
    finally:
        if not frozen_before:
            gc.unfreeze()
    assert without == []
