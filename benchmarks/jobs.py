"""Background-job figures (issue 11), one JSON line each:

resuggest_all_s_100k         re-suggesting everything after a refit at 100,000 results (target <= 60)
publish_to_suggestion_p95_s  a need published through gunicorn until its suggestion row exists,
                             one consumer running, 200 publishes (target <= 2)
index_rss_ratio_4_workers    summed memory of 4 processes that loaded the 100k index over one
                             process's, alone (target <= 1.5); memory is PSS (below)
double_refit_runs            4 processes start a refit at the same moment: refits run (target = 1)
missed_after_long_txn        listings committed 30 s after their change, not seen by a second
                             process that synced meanwhile (target = 0)

python benchmarks/jobs.py                  # all, PostgreSQL when MATCHMAKER_DATABASE_URL is set, else SQLite
python benchmarks/jobs.py --only double_refit_runs,missed_after_long_txn
python benchmarks/jobs.py --results 20000  # a smaller corpus for resuggest/rss (name keeps the real size)

Memory is PSS (proportional set size, /proc/<pid>/smaps_rollup): a process's private pages plus
each shared page divided by the number of processes mapping it, so the PSS of several processes
adds up to the memory they use together. RSS counts a shared page in full in every process that
maps it: a sum of RSS is 4.0 for 4 processes whatever they share, and cannot show the sharing.
Each process touches every page of the index's arrays (and answers queries) before it is
measured, as a long-running worker would have; the single process is measured alone, first.
The synthetic corpus (with its token caches) is kept under $TMPDIR/matchmaker-bench/.
"""

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


PG_URL = os.environ.get("MATCHMAKER_DATABASE_URL")


def emit(name, value, unit, target):
    print(json.dumps({"name": name, "value": value, "unit": unit, "target": target}, ensure_ascii=False), flush=True)


def _size_name(base, n):
    return base if n == 100_000 else f"{base[:-5]}_{n // 1000}k" if base.endswith("_100k") else base


# ---------------------------------------------------------------------------------------- children
def child(argv):
    """Entry of the subprocesses: ``--child refit START_AT`` or ``--child watch`` or ``--child load DIR``."""
    mode = argv[0]
    if mode == "load":  # load the saved index, use all of it, and wait to be measured
        from matchmaker.matching import tokenize
        from matchmaker.matching.store import IndexStore

        tokenize.dictionary_version()  # the tokenizer a worker needs anyway: part of the baseline
        before = _memory_kb(os.getpid())
        engine = IndexStore(argv[1]).load()
        _touch(engine)
        needs, results = list(engine.ids("needs")), list(engine.ids("results"))
        for i in range(100):  # queries both ways, as a worker answers them
            engine.results_for_need(needs[i * 7919 % len(needs)], top_k=10)
            engine.needs_for_result(results[i * 7919 % len(results)], top_k=10)
        print(json.dumps({"pid": os.getpid(), "before": before}), flush=True)
        sys.stdin.readline()  # stay alive until the parent has measured everyone
        return
    from matchmaker import create_app
    from matchmaker.extensions import db

    app = create_app()
    with app.app_context():
        if mode == "refit":
            from matchmaker.suggestions import indexing, refit

            start_at = float(argv[1])
            time.sleep(max(0.0, start_at - time.time()))
            job = refit.start_refit(trigger="admin", background=False)
            db.session.refresh(job)
            print(json.dumps({"job": job.id, "status": job.status}), flush=True)
            assert indexing.running_job() is None or True
        elif mode == "watch":  # a second process: sync on every line, answer the ids its engine holds
            from matchmaker.suggestions import indexing

            print(json.dumps("ready"), flush=True)
            for _ in sys.stdin:
                db.session.rollback()
                ids = list(indexing.get_engine().ids("needs"))
                print(json.dumps(ids), flush=True)


def _touch(obj, seen=None) -> int:
    """Read one byte of every page of every array reachable from obj (a mapped page becomes resident)."""
    import numpy as np

    seen = set() if seen is None else seen
    if id(obj) in seen:
        return 0
    seen.add(id(obj))
    if isinstance(obj, np.ndarray):
        if obj.dtype.hasobject or not obj.flags.c_contiguous or obj.nbytes == 0:
            return 0
        return int(obj.reshape(-1).view(np.uint8)[::4096].sum())
    if isinstance(obj, (list, tuple)) and len(obj) < 64:  # not the vocabulary or id maps: no arrays there
        return sum(_touch(v, seen) for v in obj)
    if hasattr(obj, "__dict__"):
        return sum(_touch(v, seen) for v in vars(obj).values())
    return 0


def _memory_kb(pid) -> dict:
    """Rss, Pss and the private/shared split of a process, in kB (Linux smaps_rollup)."""
    out = {}
    for line in Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines():
        parts = line.split()
        if len(parts) == 3 and parts[2] == "kB":
            out[parts[0].rstrip(":")] = int(parts[1])
    return out


def _spawn(args, env):
    return subprocess.Popen([sys.executable, __file__, "--child", *args], env=dict(os.environ, **env), cwd=ROOT,
                            stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)  # fmt: skip


# ---------------------------------------------------------------------------------------- figures
def double_refit_runs(n=4):
    """n processes call start_refit at the same instant; count the refits that ran."""
    from tests.jobs.cluster import Cluster, prepare_platform  # not in the index-loading children

    c = Cluster(queue="sqlite", pg_url=PG_URL)
    try:
        app = c.app()
        prepare_platform(app, extra_results=300)
        env = dict(c.env, MATCHMAKER_JOBS_IMMEDIATE="true")  # each process runs the refit it starts itself
        start_at = time.time() + 8  # every process has booted by then
        procs = [_spawn(["refit", str(start_at)], env) for _ in range(n)]
        outs = [json.loads(p.communicate(timeout=600)[0].strip().splitlines()[-1]) for p in procs]
        from matchmaker.extensions import db
        from matchmaker.models import IndexJob

        with app.app_context():
            ran = db.session.scalar(
                db.select(db.func.count(IndexJob.id)).where(IndexJob.trigger == "admin", IndexJob.status == "done")
            )
            db.session.remove()
        emit("double_refit_runs", ran, "refits", "= 1")
        return outs
    finally:
        c.close()


def missed_after_long_txn(n=20, hold=30.0):
    """Listings whose transaction commits `hold` s after their change, while a second process syncs."""
    from tests.jobs.cluster import Cluster, prepare_platform  # not in the index-loading children

    c = Cluster(queue="sqlite", pg_url=PG_URL)
    try:
        app = c.app()
        ids = prepare_platform(app)
        watcher = _spawn(["watch"], c.env)
        assert json.loads(watcher.stdout.readline()) == "ready"

        def ask():
            watcher.stdin.write("sync\n")
            watcher.stdin.flush()
            return set(json.loads(watcher.stdout.readline()))

        from matchmaker.extensions import db
        from matchmaker.listings.tokens import refresh_tokens
        from matchmaker.models import TechNeed

        with app.app_context():
            needs = []
            for i in range(n):
                need = TechNeed(organization_id=ids["org_id"], created_by_id=ids["enterprise_id"], status="published",
                                title=f"长事务需求{i} 智能门锁指纹识别", keywords="智能门锁", problem="长事务中的需求。")  # fmt: skip
                refresh_tokens(need)
                needs.append(need)
            db.session.add_all(needs)
            db.session.flush()  # the change happens now; the commit comes `hold` seconds later
            t_end = time.monotonic() + hold
            while time.monotonic() < t_end:
                ask()  # the second process syncs over and over meanwhile
                time.sleep(1.0)
            db.session.commit()
            new_ids = {x.id for x in needs}
            db.session.remove()
        seen = ask()
        watcher.stdin.close()
        watcher.wait(timeout=30)
        emit("missed_after_long_txn", len(new_ids - seen), "listings", "= 0")
    finally:
        c.close()


def _cache_dir() -> Path:
    d = Path(tempfile.gettempdir()) / "matchmaker-bench"
    d.mkdir(exist_ok=True)
    return d


def corpus(n_results):
    """Synthetic needs and results with their token caches, {"needs": [(title, keywords, body,
    tokens)], "results": [...]}, built once per size and kept under $TMPDIR/matchmaker-bench/."""
    import pickle

    from benchmarks.match_synth import build
    from matchmaker.matching.docs import Doc, tokenize_doc

    path = _cache_dir() / f"corpus-{n_results}.pkl"
    if path.exists():
        with open(path, "rb") as f:
            return pickle.load(f)  # noqa: S301 - written by this script
    raw_needs, raw_results = build(n_results=n_results, n_needs=max(100, n_results // 10))
    out = {
        name: [(t, k, b, tokenize_doc(Doc(0, t, k, b)).tokens) for t, k, b in raw]
        for name, raw in (("needs", raw_needs), ("results", raw_results))
    }
    tmp = path.with_suffix(f".{os.getpid()}")
    with open(tmp, "wb") as f:
        pickle.dump(out, f, protocol=5)
    os.replace(tmp, path)
    return out


def index_rss_ratio(n_results, n_workers=4):
    """PSS of n processes that loaded the saved index, summed, over the PSS of one process alone."""
    import shutil

    from matchmaker.matching.docs import Doc
    from matchmaker.matching.engine import MatchEngine
    from matchmaker.matching.store import IndexStore

    data = corpus(n_results)
    needs = [Doc(i, t, k, b, tok) for i, (t, k, b, tok) in enumerate(data["needs"], 1)]
    results = [Doc(i, t, k, b, tok) for i, (t, k, b, tok) in enumerate(data["results"], 1)]
    del data
    engine = MatchEngine().fit(needs, results)
    directory = tempfile.mkdtemp(prefix="mm-rss-", dir=_cache_dir())
    IndexStore(directory).save(engine)
    del engine, needs, results
    procs = []
    try:

        def start():
            p = _spawn(["load", directory], {})
            procs.append(p)
            return p

        def ready(p):
            line = p.stdout.readline()
            if not line:
                raise RuntimeError("a loading process died")
            return json.loads(line)["before"]

        first = start()
        base = [ready(first)]
        alone = _memory_kb(first.pid)  # before any other process maps the same files
        others = [start() for _ in range(n_workers - 1)]
        base += [ready(p) for p in others]
        together = [_memory_kb(p.pid) for p in procs]
    finally:
        for p in procs:
            p.stdin.close()
            p.wait(timeout=60)
        shutil.rmtree(directory, ignore_errors=True)
    name = "index_rss_ratio_4_workers" if n_results == 100_000 else f"index_rss_ratio_4_workers_{n_results // 1000}k"
    emit(name, round(sum(m["Pss"] for m in together) / alone["Pss"], 2), "x", "<= 1.5")
    mb = 1024
    print(
        f"# one process alone: Pss {alone['Pss'] // mb} MB (Rss {alone['Rss'] // mb} MB); "
        f"{n_workers} together: Pss {sum(m['Pss'] for m in together) // mb} MB, "
        f"private each {[(m['Private_Clean'] + m['Private_Dirty']) // mb for m in together]} MB, "
        f"shared each {[(m['Shared_Clean'] + m['Shared_Dirty']) // mb for m in together]} MB; "
        f"sum of Rss over one Rss {sum(m['Rss'] for m in together) / alone['Rss']:.2f} (counts shared pages 4 times)",
        file=sys.stderr,
    )
    # The same ratio for the index alone: each process's Pss over what it had before loading it
    # (interpreter, libraries, tokenizer dictionary), which no index layout can share.
    added = [m["Pss"] - b["Pss"] for m, b in zip(together, base)]
    print(
        f"# before loading the index: Pss {[b['Pss'] // mb for b in base]} MB; the index's own ratio "
        f"{sum(added) / (alone['Pss'] - base[0]['Pss']):.2f} ({sum(added) // mb} MB for {n_workers} "
        f"over {(alone['Pss'] - base[0]['Pss']) // mb} MB for one)",
        file=sys.stderr,
    )


def publish_to_suggestion(n=200, extra_results=2000):
    """Needs published through gunicorn (2 workers) with one consumer: seconds until the first suggestion row."""
    import threading

    from matchmaker.extensions import db
    from matchmaker.models import MatchSuggestion, Result
    from tests.jobs.cluster import Client, Cluster, prepare_platform, redis_available
    from tests.jobs.test_processes import publish_need

    queue = "redis" if redis_available() else "sqlite"
    c = Cluster(queue=queue, pg_url=PG_URL)
    try:
        app = c.app()
        ids = prepare_platform(app, extra_results=extra_results)
        with app.app_context():
            texts = db.session.execute(db.select(Result.title, Result.keywords, Result.abstract).limit(n)).all()
            db.session.remove()
        c.start_web("web", workers=2)
        c.start_consumer("consumer")
        client = Client(c.ports["web"])
        assert client.login(ids["enterprise"])
        posted, seen, lock, done = {}, {}, threading.Lock(), threading.Event()

        def poll():
            with app.app_context():
                while not done.is_set() or len(seen) < len(posted):
                    with lock:
                        waiting = [i for i in posted if i not in seen]
                    if waiting:
                        found = db.session.scalars(
                            db.select(MatchSuggestion.need_id).where(MatchSuggestion.need_id.in_(waiting)).distinct()
                        ).all()
                        now = time.monotonic()
                        with lock:
                            for i in found:
                                seen.setdefault(i, now)
                    db.session.rollback()
                    if done.is_set() and time.monotonic() > done_at[0] + 60:
                        break
                    time.sleep(0.05)
                db.session.remove()

        done_at = [0.0]
        poller = threading.Thread(target=poll, daemon=True)
        poller.start()
        time.sleep(5)  # the consumer has booted
        for title, keywords, abstract in texts:
            need_id = publish_need(client, title=title[:90], keywords=keywords[:150], problem=abstract[:1000])
            with lock:
                posted[need_id] = time.monotonic()
            time.sleep(0.2)
        done_at[0] = time.monotonic()
        done.set()
        poller.join(timeout=90)
        lat = sorted(seen[i] - posted[i] for i in posted if i in seen)
        missing = len(posted) - len(lat)
        p95 = lat[max(0, int(0.95 * len(posted)) - 1)] if len(lat) >= 0.95 * len(posted) else float("inf")
        emit("publish_to_suggestion_p95_s", round(p95, 3), "s", "<= 2")
        if missing:
            print(f"# {missing} of {len(posted)} needs got no suggestion within 60 s", file=sys.stderr)
    finally:
        c.close()


def _server_cpu() -> float:
    """CPU seconds used so far by the PostgreSQL backends of this app's database (same machine), 0 on SQLite."""
    from matchmaker.extensions import db

    if db.engine.dialect.name != "postgresql":
        return 0.0
    with db.engine.connect() as conn:
        pids = conn.exec_driver_sql("SELECT pid FROM pg_stat_activity WHERE datname = current_database()").scalars()
        total = 0
        for pid in pids:
            try:  # utime and stime, the 14th and 15th fields of /proc/<pid>/stat
                total += sum(int(x) for x in Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[11:13])
            except OSError:
                pass
    return total / os.sysconf("SC_CLK_TCK")


def resuggest_all_bench(n_results):
    """Needs and results in the database, a refit, and the time of re-suggesting everything from it."""
    from sqlalchemy import insert

    from matchmaker.extensions import db
    from matchmaker.listings.tokens import ensure_dictionary
    from matchmaker.models import MatchSuggestion, Result, TechNeed
    from matchmaker.suggestions import bulk, indexing, store
    from tests.jobs.cluster import Cluster, prepare_platform  # not in the index-loading children

    c = Cluster(queue="sqlite", pg_url=PG_URL)
    try:
        app = c.app()
        ids = prepare_platform(app)
        data = corpus(n_results)
        raw_needs, raw_results = data["needs"], data["results"]
        with app.app_context():
            ensure_dictionary()
            uni_id = db.session.scalar(db.select(Result.organization_id).limit(1))
            owner_id = db.session.scalar(db.select(Result.owner_id).limit(1))
            for model, raw, body, extra in (
                (Result, raw_results, "abstract", {"organization_id": uni_id, "owner_id": owner_id}),
                (TechNeed, raw_needs, "problem",
                 {"organization_id": ids["org_id"], "created_by_id": ids["enterprise_id"]}),
            ):  # fmt: skip
                rows = []
                for title, keywords, text, tokens in raw:
                    rows.append({"title": title[:100], "keywords": keywords[:200], body: text, "status": "published",
                                 "tokens": tokens, "search_tokens": tokens, **extra})  # fmt: skip
                    if len(rows) == 5000:
                        db.session.execute(insert(model), rows)
                        rows = []
                if rows:
                    db.session.execute(insert(model), rows)
                db.session.commit()
            took = {}

            def timed(engine, synced_at, report):
                profile = os.environ.get("MATCHMAKER_BENCH_PROFILE")  # a file for cProfile's stats
                if profile:
                    import cProfile

                    prof = cProfile.Profile()
                    prof.enable()
                t0, c0, s0 = time.perf_counter(), time.process_time(), _server_cpu()
                n = bulk.resuggest_all(engine, synced_at, report)
                took["s"], took["cpu"] = time.perf_counter() - t0, time.process_time() - c0
                took["server"], took["load"] = _server_cpu() - s0, os.getloadavg()
                if profile:
                    prof.disable()
                    prof.dump_stats(profile)
                return n

            indexing.fit_index(trigger="cli", resuggest=timed)
            n = db.session.scalar(db.select(db.func.count(MatchSuggestion.id)))
            # The reasons follow in explain_pending jobs (and pages compute the ones they show):
            # their cost on a sample, from the saved version as a consumer would run them.
            pending = db.session.scalar(
                db.select(db.func.count(MatchSuggestion.id)).where(MatchSuggestion.reasons_pending.is_not(None))
            )
            t0, c0 = time.perf_counter(), time.process_time()
            sample, _ = store.explain_pending(limit=min(pending, 5000))
            took["explain"], took["explain_cpu"], took["sample"], took["pending"] = (
                time.perf_counter() - t0, time.process_time() - c0, sample, pending,
            )  # fmt: skip
            db.session.remove()
        name = "resuggest_all_s_100k" if n_results == 100_000 else f"resuggest_all_s_{n_results // 1000}k"
        emit(name, round(took["s"], 2), "s", "<= 60")
        # CPU seconds of this process (all its threads; SQLite runs inside it): on a shared machine
        # the wall-clock figure above also holds the time spent waiting for a core.
        print(f"# {n} suggestions written; {took['cpu']:.1f} s of CPU in this process", file=sys.stderr)
        if PG_URL:
            print(f"# PostgreSQL's backends of the database: {took['server']:.1f} s of CPU", file=sys.stderr)
        print(f"# load average at the end: {' '.join(f'{x:.1f}' for x in took['load'])} (2 cores)", file=sys.stderr)
        if took.get("sample"):
            per = took["explain_cpu"] / took["sample"]
            print(f"# reasons afterwards (explain_pending): {took['sample']} of {took['pending']} pending pairs in "
                  f"{took['explain']:.1f} s wall, {1000 * per:.2f} ms CPU a pair, all of them ~{per * took['pending']:.0f} "
                  f"s CPU", file=sys.stderr)  # fmt: skip
    finally:
        c.close()


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--child", nargs=argparse.REMAINDER)
    ap.add_argument("--only", default="")
    ap.add_argument("--results", type=int, default=100_000)
    ap.add_argument("--publishes", type=int, default=200)
    args = ap.parse_args()
    if args.child:
        child(args.child)
        return
    only = set(filter(None, args.only.split(",")))

    def want(name):
        return not only or name in only

    if want("resuggest_all_s_100k"):
        resuggest_all_bench(args.results)
    if want("publish_to_suggestion_p95_s"):
        publish_to_suggestion(args.publishes)
    if want("double_refit_runs"):
        double_refit_runs()
    if want("missed_after_long_txn"):
        missed_after_long_txn()
    if want("index_rss_ratio_4_workers"):
        index_rss_ratio(args.results)


if __name__ == "__main__":
    main()
