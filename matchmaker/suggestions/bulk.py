"""Full re-suggestion after a refit: every listing's top pairs from the engine's all-pairs (both
directions, scores only), compared in memory with a snapshot of the stored rows, and only what
changed written, in bulk: COPY into temporary tables on PostgreSQL, executemany on SQLite.

The engine scores blocks of queries on its threads while this thread writes the previous ones, so
the database's work (another process on PostgreSQL; SQLite's C code without the GIL) overlaps it.

Rules of the pair pipeline: a stored pair that is not a matcher's untouched suggestion (decided,
rejected, manual, or worked on) is never updated, deleted or suggested again; every write checks
that again in SQL, since a broker may act on a pair after the snapshot was read.
"""

from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager

import numpy as np
from sqlalchemy import delete, select

from ..extensions import db
from ..listings.lifecycle import live_clause
from ..models import IndexJob, MatchSuggestion, Result, TechNeed
from ..models.base import utcnow
from .store import SAME_SCORE, SUGGESTED, _announce, _untouched, threshold, top_k

SIDES = ("need", "result")  # reasons_pending: the side whose listing's query gave the score
WRITE_BATCH = 50_000  # pairs compared and written at a time (a progress report between batches)


# --------------------------------------------------------------------------- the engine's pairs
def _key(need_ids, result_ids):
    return (np.asarray(need_ids, dtype=np.int64) << 32) | np.asarray(result_ids, dtype=np.int64)


def _arrays(blocks, need_side: bool):
    """(need_ids, result_ids, scores) of engine blocks [(query id, other ids, scores)]."""
    q = [np.full(len(o), qid, dtype=np.int64) for qid, o, _ in blocks]
    if not q:
        return np.zeros(0, np.int64), np.zeros(0, np.int64), np.zeros(0)
    q, o = np.concatenate(q), np.concatenate([o for _, o, _ in blocks]).astype(np.int64)
    s = np.concatenate([s for _, _, s in blocks])
    return (q, o, s) if need_side else (o, q, s)


def engine_pairs(engine, k, thr, block=256):
    """Yield (done, need_ids, result_ids, scores, sides) a few thousand pairs at a time: every pair
    that either listing's query finds (its top k above the threshold) once, with the higher of the
    two scores (the need's on a tie), like suggestions of one listing at a time; ``done`` counts
    the listings whose queries have run."""
    need_blocks = [x for part in engine.pair_blocks("needs", k, thr, block) for x in part]
    n_needs = len(need_blocks)
    nn, nr, ns = _arrays(need_blocks, True)
    del need_blocks
    # The need side's pairs wait for their result's block, where both directions meet.
    results = np.asarray(list(engine.ids("results")), dtype=np.int64)
    order = np.argsort(results, kind="stable")
    pos = order[np.searchsorted(results, nr, sorter=order)]
    by_block = np.argsort(pos // block, kind="stable")
    nn, nr, ns, nb = nn[by_block], nr[by_block], ns[by_block], (pos // block)[by_block]
    starts = np.searchsorted(nb, np.arange(len(results) // block + 2))
    done = n_needs
    for b, part in enumerate(engine.pair_blocks("results", k, thr, block)):
        rn, rr, rs = _arrays(part, False)
        lo, hi = starts[b], starts[b + 1]
        need = np.concatenate([nn[lo:hi], rn])
        res = np.concatenate([nr[lo:hi], rr])
        score = np.concatenate([ns[lo:hi], rs])
        side = np.concatenate([np.zeros(hi - lo, np.int8), np.ones(len(rn), np.int8)])
        key = _key(need, res)
        first = np.lexsort((side, -score, key))
        keep = first[np.concatenate([[True], key[first][1:] != key[first][:-1]])] if len(first) else first
        done += len(part)
        yield done, need[keep], res[keep], score[keep], side[keep]


# --------------------------------------------------------------------------- stored rows
class Snapshot:
    """The stored pairs, sorted by key: id, whether the matcher may rewrite it (an untouched-looking
    suggested, non-manual row), score and pending side (0 none, 1 need, 2 result); ``seen`` marks
    the ones the new pairs matched."""

    def __init__(self):
        rows = db.session.execute(
            select(
                MatchSuggestion.id, MatchSuggestion.need_id, MatchSuggestion.result_id,
                (MatchSuggestion.status == SUGGESTED) & MatchSuggestion.manual.is_(False),
                MatchSuggestion.score, MatchSuggestion.reasons_pending,
            )
        ).all()  # fmt: skip
        cols = list(zip(*rows)) or [()] * 6
        key = _key(cols[1], cols[2])
        order = np.argsort(key, kind="stable")
        self.key = key[order]
        self.id = np.asarray(cols[0], dtype=np.int64)[order]
        self.free = np.asarray(cols[3], dtype=bool)[order]
        self.score = np.asarray(cols[4], dtype=np.float64)[order]
        pending = {None: 0, SIDES[0]: 1, SIDES[1]: 2}
        self.pending = np.asarray([pending.get(p, 3) for p in cols[5]], dtype=np.int8)[order]
        self.seen = np.zeros(len(self.key), dtype=bool)

    def diff(self, need, result, score, side):
        """Split new pairs into (inserts, updates, kept): row positions of the batch, and for the
        updates and kept the stored ids."""
        key = _key(need, result)
        if not len(self.key):
            none = np.zeros(0, dtype=np.int64)
            return np.arange(len(key)), none, none, none
        pos = np.minimum(np.searchsorted(self.key, key), len(self.key) - 1)
        found = self.key[pos] == key
        self.seen[pos[found]] = True
        free = found & self.free[pos]
        # The same score keeps its reasons (stored rounded to 4 decimals), or its pending side.
        same = free & (np.abs(self.score[pos] - score) < SAME_SCORE)
        same &= (self.pending[pos] == 0) | (self.pending[pos] == side + 1)
        update = free & ~same
        return np.flatnonzero(~found), np.flatnonzero(update), self.id[pos[update]], self.id[pos[same]]

    def stale(self) -> np.ndarray:
        """Ids of rewritable rows no new pair matched."""
        return self.id[self.free & ~self.seen]


# --------------------------------------------------------------------------- writing
def _pg_copy(cur, table, columns, lines):
    cur.execute(f"CREATE TEMP TABLE IF NOT EXISTS {table} ({columns}) ON COMMIT DELETE ROWS")
    cur.execute(f"TRUNCATE {table}")
    with cur.copy(f"COPY {table} FROM STDIN") as copy:  # text format, written in large pieces
        for i in range(0, len(lines), 20000):
            copy.write("".join(lines[i : i + 20000]))


class Writer:
    """Inserts, updates and version stamps of one re-suggestion, in the dialect's bulk form."""

    def __init__(self, conn, version, now):
        self.conn = conn
        self.pg = self.conn.dialect.name == "postgresql"
        self.version, self.now = version, now
        # SQLAlchemy's own text form of a timestamp on SQLite (how it compares them).
        self.stamp = now if self.pg else now.strftime("%Y-%m-%d %H:%M:%S.%f")

    def insert(self, need, result, score, side):
        """New pairs, ``created_at`` = now; a pair another process inserted meanwhile is skipped."""
        if not len(need):
            return
        if self.pg:
            lines = [
                f"{n}\t{r}\t{s!r}\t{SIDES[d]}\n"
                for n, r, s, d in zip(need.tolist(), result.tolist(), score.tolist(), side.tolist())
            ]
            with self._cursor() as cur:
                _pg_copy(cur, "rs_pair", "need_id integer, result_id integer, score float8, side varchar(6)", lines)
                cur.execute(
                    "INSERT INTO match_suggestion (need_id, result_id, score, engine_version, reasons_pending, "
                    "manual, created_at, updated_at, last_activity_at, status, reasons) SELECT need_id, result_id, "
                    "score, %s, side, false, %s, %s, %s, 'suggested', '[]' FROM rs_pair "
                    "ON CONFLICT (need_id, result_id) DO NOTHING",
                    (self.version, self.now, self.now, self.now),
                )
            return
        v, t = self.version, self.stamp
        rows = [
            (n, r, s, v, SIDES[d], t, t, t)
            for n, r, s, d in zip(need.tolist(), result.tolist(), score.tolist(), side.tolist())
        ]
        self.conn.exec_driver_sql(
            "INSERT INTO match_suggestion (need_id, result_id, score, engine_version, reasons_pending, manual, "
            "created_at, updated_at, last_activity_at, status, reasons) VALUES (?, ?, ?, ?, ?, 0, ?, ?, ?, "
            "'suggested', '[]') ON CONFLICT (need_id, result_id) DO NOTHING",
            rows,
        )

    # Updates check the status again: a broker may have acted on the pair since the snapshot.
    def update(self, ids, score, side):
        """New scores of stored suggestions: their reasons are pending again."""
        if not len(ids):
            return
        if self.pg:
            lines = [f"{i}\t{s!r}\t{SIDES[d]}\n" for i, s, d in zip(ids.tolist(), score.tolist(), side.tolist())]
            with self._cursor() as cur:
                _pg_copy(cur, "rs_score", "id integer, score float8, side varchar(6)", lines)
                cur.execute(
                    "UPDATE match_suggestion m SET score = u.score, reasons = '[]', reasons_pending = u.side, "
                    "engine_version = %s, updated_at = %s FROM rs_score u WHERE m.id = u.id "
                    "AND m.status = 'suggested' AND NOT m.manual",
                    (self.version, self.now),
                )
            return
        v, t = self.version, self.stamp
        self.conn.exec_driver_sql(
            "UPDATE match_suggestion SET score = ?, engine_version = ?, reasons_pending = ?, updated_at = ?, "
            "reasons = '[]' WHERE id = ? AND status = 'suggested' AND NOT manual",
            [(s, v, SIDES[d], t, i) for i, s, d in zip(ids.tolist(), score.tolist(), side.tolist())],
        )

    def keep(self, ids):
        """Stored suggestions the new index gives the same score: only the version is stamped."""
        if not len(ids):
            return
        if self.pg:
            with self._cursor() as cur:
                cur.execute(
                    "UPDATE match_suggestion SET engine_version = %s WHERE id = ANY(%s) "
                    "AND status = 'suggested' AND NOT manual",
                    (self.version, ids.tolist()),
                )
            return
        self.conn.exec_driver_sql(
            "UPDATE match_suggestion SET engine_version = ? WHERE id = ? AND status = 'suggested' AND NOT manual",
            [(self.version, i) for i in ids.tolist()],
        )

    @contextmanager
    def _cursor(self):
        cur = self.conn.connection.driver_connection.cursor()
        try:
            yield cur
        finally:
            cur.close()


@contextmanager
def _sqlite_tuning(kib=256 * 1024):
    """On SQLite, for the body only: a page cache of this many KiB (the default 2 MB made the inserts
    spill pages: 300k rows took 24 s instead of 11 s, loaded machine)."""
    conn = db.session.connection()
    if conn.dialect.name != "sqlite":
        yield
        return
    before = conn.exec_driver_sql("PRAGMA cache_size").scalar()
    conn.exec_driver_sql(f"PRAGMA cache_size = -{int(kib)}")
    try:
        yield
    finally:
        db.session.connection().exec_driver_sql(f"PRAGMA cache_size = {int(before)}")


class Batches:
    """Where a batch of changes is written: on SQLite in the session's transaction (one writer at a
    time anyway); on PostgreSQL in a transaction of its own on one of WRITERS connections, while this
    thread goes on. One backend inserting was the critical path at 100k: its CPU (index entries,
    foreign-key checks) is serial, and a loaded machine gave it a fraction of a core."""

    WRITERS = 2

    def __init__(self, version, now):
        self.version, self.now = version, now
        self.engine = db.engine
        self.pool = ThreadPoolExecutor(self.WRITERS) if self.engine.dialect.name == "postgresql" else None
        self.futures = []

    def _write(self, conn, inserts, updates, kept):
        w = Writer(conn, self.version, self.now)
        w.insert(*inserts)
        w.update(*updates)
        w.keep(kept)

    def submit(self, inserts, updates, kept):
        """Write (need, result, score, side) inserts, (ids, score, side) updates and kept ids."""
        if self.pool is None:  # the session's connection: a report's commit may hand out another
            self._write(db.session.connection(), inserts, updates, kept)
            return
        self.futures = [f for f in self.futures if not f.done() or f.result()]
        self.futures.append(self.pool.submit(self._own_transaction, inserts, updates, kept))

    def _own_transaction(self, *batch):
        with self.engine.begin() as conn:
            self._write(conn, *batch)

    def wait(self):
        """Wait for every batch (raising the first error); the pool is shut down either way."""
        if self.pool is None:
            return
        try:
            for f in self.futures:
                f.result()
        finally:
            self.pool.shutdown(wait=True, cancel_futures=True)


def _write_all(engine, thr, k, version, now, report) -> tuple[int, np.ndarray]:
    """Compare and write every pair, a batch at a time; return (rows inserted, stale ids)."""
    snap = Snapshot()
    total = len(engine.needs_) + len(engine.results_)
    created, parts, size = 0, [], 0
    out = Batches(version, now)

    def flush(done):
        nonlocal created, parts, size
        if not parts:
            return
        need, res, score, side = (np.concatenate(x) for x in zip(*parts))
        parts, size = [], 0
        ins, upd, upd_ids, kept_ids = snap.diff(need, res, score, side)
        ins = ins[np.argsort(_key(need[ins], res[ins]), kind="stable")]  # index order: fewer pages touched
        out.submit((need[ins], res[ins], score[ins], side[ins]), (upd_ids, score[upd], side[upd]), kept_ids)
        created += len(ins)
        report("suggest", done, total)

    try:
        for done, need, res, score, side in engine_pairs(engine, k, thr):
            parts.append((need, res, score, side))
            size += len(need)
            if size >= WRITE_BATCH:
                flush(done)
        flush(total)
    finally:
        out.wait()
    return created, snap.stale()


def resuggest_all(engine, synced_at, report) -> int:
    """Write every listing's suggestions from a freshly fitted engine (both directions); return how
    many suggested rows carry its version.

    Scores only: the reasons of new and changed pairs follow (``explain_pending``, queued once the
    new index is saved; a page showing such a pair first computes them itself)."""
    thr, k, version = threshold(), top_k(), engine.version_
    total = len(engine.needs_) + len(engine.results_)
    now = utcnow()  # every row this re-suggestion inserts has it as created_at: how its new rows are found
    report("suggest", 0, total)
    with _sqlite_tuning():
        created, stale = _write_all(engine, thr, k, version, now, report)
    s = MatchSuggestion
    # Rows this refit no longer finds (unless written since the listings were read), then rows of
    # listings that stopped taking part meanwhile.
    stale = stale.tolist()
    for i in range(0, len(stale), 1000):
        db.session.execute(
            delete(s).where(s.id.in_(stale[i : i + 1000]), s.updated_at < synced_at, _untouched()),
            execution_options={"synchronize_session": False},
        )
    db.session.execute(
        delete(s).where(
            _untouched(),
            ~s.need_id.in_(select(TechNeed.id).where(live_clause(TechNeed)))
            | ~s.result_id.in_(select(Result.id).where(live_clause(Result))),
        ),
        execution_options={"synchronize_session": False},
    )
    db.session.commit()
    report("suggest", total, total)
    # Route the new pairs that survived the clean-up to the brokers: this run's, and those an earlier run of
    # the same refit job stored before its process died (this run found them stored, not new).
    since = db.session.scalar(select(IndexJob.created_at).where(IndexJob.active.is_(True)))
    since = min(since or now, now)
    new = select(s.id).where(
        s.created_at >= since, s.engine_version == version, s.assigned_broker_id.is_(None), _untouched()
    )
    _announce(db.session.scalars(new).all())
    return db.session.scalar(select(db.func.count(s.id)).where(s.engine_version == version, s.status == SUGGESTED))
