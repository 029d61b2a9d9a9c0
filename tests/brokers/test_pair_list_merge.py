"""The lists of several statuses (the queue's 全部进行中, the pipeline's 全部, a broker's own pipeline) read each status's
pairs apart and merge them: their pages show the pairs the list's one statement orders, in its order, every sort, by
下一页, 上一页 and page numbers, with keys tying across statuses and pairs leaving the list or changing status between
pages."""

import random
import re
from datetime import datetime, timedelta

import pytest
from sqlalchemy import insert

from matchmaker.brokers import queries
from matchmaker.extensions import db
from matchmaker.models import MatchSuggestion, Result, TechNeed
from matchmaker.models.enums import PIPELINE_STATUSES

from ..factories import make_user
from .test_pair_pages import _next_link, _shown
from .test_pair_pages_back import _prev_link

BASE = datetime(2026, 6, 1, 9, 0)
STATUSES = ("suggested", *PIPELINE_STATUSES)
LISTS = {  # url, the page's arguments as its view completes them
    "queue, 全部进行中": ("/broker/?status=open&assigned=all", "queue", {"status": "open", "assigned": "all"}),
    "queue, 全部进行中, mine or free": ("/broker/?status=open", "queue", {"status": "open"}),
    "pipeline, 全部": ("/broker/pipeline?assigned=all", "pipeline", {"assigned": "all"}),
    "pipeline, a broker's own": ("/broker/pipeline?status=", "pipeline", {"assigned": "mine"}),
}
MOVES = {"suggested": "accepted", "accepted": "introduced", "introduced": "negotiating", "negotiating": "accepted",
         "signed": "accepted", "failed": "introduced"}  # fmt: skip


def _seed(me, other, n=240):
    """n pairs in every status, whose scores, moments and request moments tie often, across statuses (so ids
    order them); a quarter asked for by their owners; mine, another broker's or nobody's."""
    ent, res = make_user("enterprise"), make_user("researcher")
    db.session.execute(insert(TechNeed), [{"organization_id": ent.organization_id, "title": f"需求{i}",
                                           "status": "published"} for i in range(n)])  # fmt: skip
    db.session.execute(insert(Result), [{"organization_id": res.organization_id, "owner_id": res.id, "title": "成果",
                                         "status": "published"}])  # fmt: skip
    result_id = db.session.scalar(db.select(Result.id))
    need_ids = db.session.scalars(db.select(TechNeed.id).order_by(TechNeed.id)).all()
    rnd, rows = random.Random(11), []
    for i, need_id in enumerate(need_ids):
        made = BASE + timedelta(minutes=rnd.randrange(6))
        asked = BASE + timedelta(days=1, minutes=rnd.randrange(3)) if rnd.random() < 0.25 else None
        rows.append({"need_id": need_id, "result_id": result_id, "status": rnd.choice(STATUSES),
                     "score": rnd.randrange(8) / 8, "reasons": [], "engine_version": "test", "manual": False,
                     "assigned_broker_id": rnd.choice((me.id, me.id, other.id, None)), "created_at": made,
                     "updated_at": made, "last_activity_at": BASE + timedelta(minutes=rnd.randrange(6)),
                     "owner_requested_at": asked})  # fmt: skip
    db.session.execute(insert(MatchSuggestion), rows)
    db.session.commit()


def _whole(me, kind, args):
    """The list's order, as its one statement (ORDER BY requested first, the sort, id) gives it."""
    f = queries.Filters.from_args(args, me, default_status="suggested" if kind == "queue" else "")
    stmt = (queries.queue_stmt if kind == "queue" else queries.pipeline_stmt)(me, f, 14)
    return [s.id for s in db.session.scalars(stmt)]


def _change(me, kind, args, shown, rnd):
    """Between two pages: a pair shown leaves the list (rejected), a pair not shown moves to another status of the
    list (its keys kept); the list's order after it."""
    whole = _whole(me, kind, args)
    if len(shown) > 2:
        db.session.get(MatchSuggestion, rnd.choice(shown[1:-1])).status = "rejected"
    rest = [i for i in whole if i not in shown]
    if rest:
        moved = db.session.get(MatchSuggestion, rnd.choice(rest))
        moved.status = MOVES[moved.status]
    db.session.commit()
    return _whole(me, kind, args)


@pytest.mark.parametrize("sort", sorted(queries.SORTS))
@pytest.mark.parametrize("name", sorted(LISTS))
def test_a_list_of_several_statuses_pages_as_its_one_statement_orders_it(client, auth, name, sort):
    me, other = make_user("broker"), make_user("broker")
    _seed(me, other)
    auth.login(me)
    path, kind, args = LISTS[name]
    args = args | {"sort": sort}
    url = f"{path}&sort={sort}"
    whole = _whole(me, kind, args)
    assert len(whole) > 60 and len({db.session.get(MatchSuggestion, i).status for i in whole[:20]}) > 1

    # Unchanged: every page by 下一页, then back by 上一页, then by its number.
    bodies, next_url = [], url
    while next_url:
        bodies.append(client.get(next_url).get_data(as_text=True))
        next_url = _next_link(bodies[-1])
    pages = [whole[i : i + 20] for i in range(0, len(whole), 20)]
    assert [_shown(b) for b in bodies] == pages, name
    back, body = [], bodies[-1]
    while (prev := _prev_link(body)) is not None:
        body = client.get(prev).get_data(as_text=True)
        back.append(_shown(body))
    assert back == pages[-2::-1], name
    for number in range(1, min(len(pages), 10) + 1):
        assert _shown(client.get(f"{url}&page={number}").get_data(as_text=True)) == pages[number - 1], number

    # Changing between pages: 下一页 starts after the last pair shown, 上一页 ends before the first one.
    rnd, body = random.Random(sort + name), client.get(url).get_data(as_text=True)
    steps = 0
    while (next_url := _next_link(body)) is not None:
        whole = _change(me, kind, args, _shown(body), rnd)
        after = whole.index(_shown(body)[-1]) + 1
        body = client.get(next_url).get_data(as_text=True)
        assert _shown(body) == whole[after : after + 20], (name, steps)
        steps += 1
    while (prev := _prev_link(body)) is not None:
        whole = _change(me, kind, args, _shown(body), rnd)
        before = whole.index(_shown(body)[0])
        body = client.get(prev).get_data(as_text=True)
        assert _shown(body) == (whole[max(0, before - 20) : before] or whole[:20]), (name, steps)
        steps += 1
    assert steps >= 4 and re.search(r"第 1 / \d+ 页", body)
