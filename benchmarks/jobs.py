"""Background-job figures (issue 11), one JSON line each:

resuggest_all_s_100k         re-suggesting everything after a refit at 100,000 results (target <= 60)
publish_to_suggestion_p95_s  a need published through gunicorn until its suggestion row exists,
                             one consumer running, 200 publishes (target <= 2)
index_rss_ratio_4_workers    summed resident memory of 4 processes that loaded the 100k index over
                             one process's (target <= 1.5)
double_refit_runs            4 processes start a refit at the same moment: refits run (target = 1)
missed_after_long_txn        listings committed 30 s after their change, not seen by a second
                             process that synced meanwhile (target = 0)

python benchmarks/jobs.py                  # all, PostgreSQL when MATCHMAKER_DATABASE_URL is set, else SQLite
python benchmarks/jobs.py --only double_refit_runs,missed_after_long_txn
python benchmarks/jobs.py --results 20000  # a smaller corpus for resuggest/rss (name keeps the real size)
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

from tests.jobs.cluster import Cluster, prepare_platform, redis_available  # noqa: E402

PG_URL = os.environ.get("MATCHMAKER_DATABASE_URL")


def emit(name, value, unit, target):
    print(json.dumps({"name": name, "value": value, "unit": unit, "target": target}, ensure_ascii=False), flush=True)


def _size_name(base, n):
    return base if n == 100_000 else f"{base[:-5]}_{n // 1000}k" if base.endswith("_100k") else base


# ---------------------------------------------------------------------------------------- children
def child(argv):
    """Entry of the subprocesses: ``--child refit START_AT`` or ``--child watch`` or ``--child load DIR``."""
    mode = argv[0]
    if mode == "load":  # load the saved index and report resident memory
        from matchmaker.matching.store import IndexStore

        engine = IndexStore(argv[1]).load()
        engine.results_for_need(int(engine.ids("needs")[0]), top_k=10)  # touch it as a query would
        print(json.dumps({"rss_kb": _rss_kb()}), flush=True)
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


def _rss_kb():
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    return 0


def _spawn(args, env):
    return subprocess.Popen([sys.executable, __file__, "--child", *args], env=dict(os.environ, **env), cwd=ROOT,
                            stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)  # fmt: skip


# ---------------------------------------------------------------------------------------- figures
def double_refit_runs(n=4):
    """n processes call start_refit at the same instant; count the refits that ran."""
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


def index_rss_ratio(n_results, n_workers=4):
    """Resident memory of n processes that loaded the saved index, over one process's."""
    from benchmarks.match_synth import build
    from matchmaker.matching.docs import Doc
    from matchmaker.matching.engine import MatchEngine
    from matchmaker.matching.store import IndexStore

    raw_needs, raw_results = build(n_results=n_results, n_needs=max(1000, n_results // 10))
    needs = [Doc(i, *d) for i, d in enumerate(raw_needs, 1)]
    results = [Doc(i, *d) for i, d in enumerate(raw_results, 1)]
    engine = MatchEngine().fit(needs, results)
    directory = tempfile.mkdtemp(prefix="mm-rss-")
    IndexStore(directory).save(engine)
    del engine, needs, results
    procs = [_spawn(["load", directory], {}) for _ in range(n_workers)]
    rss = [json.loads(p.stdout.readline())["rss_kb"] for p in procs]
    for p in procs:
        p.stdin.close()
        p.wait(timeout=60)
    emit(_size_name("index_rss_ratio_4_workers", 100_000) if n_results == 100_000 else
         f"index_rss_ratio_4_workers_{n_results // 1000}k", round(sum(rss) / rss[0], 2), "x", "<= 1.5")  # fmt: skip


def publish_to_suggestion(n=200, extra_results=2000):
    """Needs published through gunicorn (2 workers) with one consumer: seconds until the first suggestion row."""
    import threading

    from matchmaker.extensions import db
    from matchmaker.models import MatchSuggestion, Result
    from tests.jobs.cluster import Client
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


def resuggest_all_bench(n_results):
    """Needs and results in the database, a refit, and the time of re-suggesting everything from it."""
    from sqlalchemy import insert

    from benchmarks.match_synth import build
    from matchmaker.extensions import db
    from matchmaker.listings.tokens import ensure_dictionary
    from matchmaker.matching.docs import Doc, tokenize_doc
    from matchmaker.models import MatchSuggestion, Result, TechNeed
    from matchmaker.suggestions import indexing, store

    c = Cluster(queue="sqlite", pg_url=PG_URL)
    try:
        app = c.app()
        ids = prepare_platform(app)
        raw_needs, raw_results = build(n_results=n_results, n_needs=max(100, n_results // 10))
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
                for title, keywords, text in raw:
                    tokens = tokenize_doc(Doc(0, title, keywords, text)).tokens
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
                t0 = time.perf_counter()
                n = store.resuggest_all(engine, synced_at, report)
                took["s"] = time.perf_counter() - t0
                return n

            indexing.fit_index(trigger="cli", resuggest=timed)
            n = db.session.scalar(db.select(db.func.count(MatchSuggestion.id)))
            db.session.remove()
        name = "resuggest_all_s_100k" if n_results == 100_000 else f"resuggest_all_s_{n_results // 1000}k"
        emit(name, round(took["s"], 2), "s", "<= 60")
        print(f"# {n} suggestions written", file=sys.stderr)
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
