"""The queue's and the pipeline's pages of one status read their pairs in the order of an index, each sort both ways.

Measured 2026-12-07 on SQLite at 100,000 pairs (50,000 pending): a deep page of 最新推荐 or 最早推荐 read every pending
pair from a status index and sorted them in a temporary B-tree (86-95 ms, either direction) for lack of a
(status, created_at) index; 0.02-0.06 ms from ix_match_suggestion_status_created. Planned on a database made by the
migrations. SQLite only: PostgreSQL plans by its statistics (checked by hand at 100,000 pairs: an index scan of
ix_match_suggestion_status_created, no sort, both ways). Page 1 of every list and sort read every pair of the status
to find the few an owner asked to have introduced (45-95 ms; owner_requested_at was indexed alone and SQLite
preferred a status index); 0.02 ms from ix_match_suggestion_status_requested.

Lists of several statuses (the pipeline's 全部, the queue's 全部进行中, a broker's own pipeline) sorted every pair of the
list for each page (20-40 ms at 100,000 pairs, growing with the list): no index gives one order over several statuses.
Their pages read each status's first rows from its index and merge them (pages.CountCachedPagination._read). On
PostgreSQL too (checked by hand at 100,000 pairs: the pipeline's 全部 by score read 41,878 pairs and sorted them, 31
ms; a broker's own, 13,907 pairs, 16 ms; each status apart, an index scan of 21-70 rows, 0.3-0.5 ms).
"""

import html
import random
import re
from datetime import datetime, timedelta

import pytest
from flask_migrate import upgrade
from sqlalchemy import insert

from matchmaker.brokers import queries
from matchmaker.extensions import db
from matchmaker.models import MatchSuggestion, Result, TechNeed
from matchmaker.models.enums import PIPELINE_STATUSES

from ..conftest import AuthActions, app_on
from ..factories import make_user
from ..sql import page_id_reads

BASE = datetime(2026, 6, 1, 9, 0)
STATUSES = ("suggested", *PIPELINE_STATUSES)
LISTS = {  # the lists of one status, as their pages ask for them
    "queue": "/broker/?assigned=all",
    "queue, mine or free": "/broker/?assigned=mine_or_free",
    **{f"pipeline, {s}": f"/broker/pipeline?assigned=all&status={s}" for s in PIPELINE_STATUSES},
}
MULTI_LISTS = {  # the lists of several statuses
    "queue, 全部进行中": "/broker/?status=open&assigned=all",
    "queue, 全部进行中, mine or free": "/broker/?status=open",
    "pipeline, 全部": "/broker/pipeline?assigned=all",
    "pipeline, a broker's own": "/broker/pipeline?status=",
}
INDEXES = {  # the index each sort's pairs are read from
    "score": "ix_match_suggestion_status_score",
    "newest": "ix_match_suggestion_status_created",
    "oldest": "ix_match_suggestion_status_created",
    "idle": "ix_match_suggestion_status_activity",
}
ASKED_INDEX = "ix_match_suggestion_status_requested"


def _seed(broker, per_status=50, asked=2):
    """per_status pairs in each status, half of them the broker's, the first ``asked`` of each asked for."""
    ent, res = make_user("enterprise"), make_user("researcher")
    n = len(STATUSES) * per_status
    db.session.execute(insert(TechNeed), [{"organization_id": ent.organization_id, "title": f"需求{i}",
                                           "status": "published"} for i in range(n)])  # fmt: skip
    db.session.execute(insert(Result), [{"organization_id": res.organization_id, "owner_id": res.id, "title": "成果",
                                         "status": "published"}])  # fmt: skip
    result_id = db.session.scalar(db.select(Result.id))
    need_ids = db.session.scalars(db.select(TechNeed.id).order_by(TechNeed.id)).all()
    rnd, rows = random.Random(7), []
    for i, need_id in enumerate(need_ids):
        made = BASE + timedelta(minutes=rnd.randrange(100_000))
        rows.append({"need_id": need_id, "result_id": result_id, "status": STATUSES[i % len(STATUSES)],
                     "score": rnd.randrange(100) / 100, "reasons": [], "engine_version": "test", "manual": False,
                     "assigned_broker_id": broker.id if i % 2 else None, "created_at": made, "updated_at": made,
                     "last_activity_at": made + timedelta(minutes=rnd.randrange(10_000)),
                     "owner_requested_at": made if i < asked * len(STATUSES) else None})  # fmt: skip
    db.session.execute(insert(MatchSuggestion), rows)
    db.session.commit()


def _link(body, rel):
    found = re.search(rf'<a class="page-link" rel="{rel}" href="([^"]+)">', body)
    return html.unescape(found.group(1)) if found else None


def _reads(client, url):
    """The statements (with their parameters) reading the ids of page 1, of page 2 by 下一页 and of page 1 again
    by 上一页: the pairs asked for, the others from the start, after a pair and before one."""
    with page_id_reads() as seen:
        body = client.get(url).get_data(as_text=True)
        body = client.get(_link(body, "next")).get_data(as_text=True)
        assert re.search(r"第 2 / \d+ 页", body), url
        body = client.get(_link(body, "prev")).get_data(as_text=True)
        assert re.search(r"第 1 / \d+ 页", body) and _link(body, "prev") is None, url
    return seen


def _plan(statement, parameters):
    with db.engine.connect() as conn:
        return " | ".join(r[-1] for r in conn.exec_driver_sql("EXPLAIN QUERY PLAN " + statement, parameters))


def _check_plans(fresh_db_url, tmp_path, lists, statuses):
    """Every statement reading a page's ids (page 1, 下一页, 上一页) of each list in each sort: from the sort's index
    (or, for the pairs asked for, from theirs) for one status at a time, sorting none of the list's pairs."""
    app = app_on(fresh_db_url, tmp_path)
    with app.app_context():
        if db.engine.dialect.name != "sqlite":
            pytest.skip("PostgreSQL plans by its statistics")
        upgrade(directory=app.extensions["migrate"].directory)
        broker = make_user("broker")
        _seed(broker)
        client = app.test_client()
        AuthActions(client).login(broker)
        checked = 0
        for name, url in lists.items():
            for sort in queries.SORTS:
                reads = _reads(client, f"{url}&sort={sort}")
                asked = [r for r in reads if "owner_requested_at IS NOT NULL" in r[0]]
                # from the start, after a pair and before one: each status's own statement
                assert len(asked) >= statuses and len(reads) - len(asked) >= 3 * statuses, (name, sort, reads)
                for statement, parameters in reads:
                    plan = _plan(statement, parameters)
                    index = ASKED_INDEX if (statement, parameters) in asked else INDEXES[sort]
                    # The pairs asked for are read in the order of their request; only ties on it are sorted.
                    assert f"USING INDEX {index} (status=?" in plan, (name, sort, statement, plan)
                    assert "USE TEMP B-TREE FOR ORDER BY" not in plan, (name, sort, statement, plan)
                    checked += 1
        assert checked >= len(lists) * len(queries.SORTS) * statuses * 5
        db.session.remove()
        db.engine.dispose()


def test_a_page_of_one_status_reads_its_pairs_in_an_index_order_in_every_sort_and_both_ways(fresh_db_url, tmp_path):
    _check_plans(fresh_db_url, tmp_path, LISTS, statuses=1)


def test_a_page_of_several_statuses_reads_each_status_in_an_index_order_in_every_sort_and_both_ways(
    fresh_db_url, tmp_path
):
    """The pipeline's 全部, a broker's own pipeline and the queue's 全部进行中: each statement reads one status's pairs
    from the sort's index (or the pairs asked for from theirs), none sorts the list's pairs."""
    _check_plans(fresh_db_url, tmp_path, MULTI_LISTS, statuses=4)
