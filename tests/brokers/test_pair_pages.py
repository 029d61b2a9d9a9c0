"""The queue's and pipeline's 下一页 starts after the last pair shown, not at an offset."""

import html
import re
from datetime import datetime, timedelta

import pytest
from itsdangerous import URLSafeSerializer
from sqlalchemy import text

from matchmaker.brokers import pages, queries
from matchmaker.extensions import db
from matchmaker.models import MatchSuggestion

from ..factories import make_need, make_result, make_suggestion, make_user
from ..sql import page_id_reads

BASE = datetime(2026, 5, 1, 9, 0)
NOTICE = "该“下一页”链接已失效"


def _pairs(broker, n, requested=0, status="suggested"):
    """n pairs whose sort keys tie in threes (score, made, last touched); the first `requested` asked for by
    their owners, those too at tying moments."""
    need, made = make_need(title="分页需求"), []
    for i in range(n):
        at = BASE + timedelta(minutes=i // 3)
        asked = BASE + timedelta(days=1, minutes=i // 4) if i < requested else None
        made.append(make_suggestion(need, make_result(title=f"成果{i}"), status=status, broker=broker, score=(i // 3) / 100,
                                    created_at=at, last_activity_at=at, owner_requested_at=asked))  # fmt: skip
    return made


def _shown(body):
    return [int(i) for i in re.findall(r'class="list-group-item pair-row" id="s(\d+)"', body)]


def _next_link(body):
    found = re.search(r'<a class="page-link" rel="next" href="([^"]+)">下一页</a>', body)
    return html.unescape(found.group(1)) if found else None


def _whole(broker, kind, **args):
    """The list's whole order, as its one statement gives it."""
    if kind == "pipeline":
        f = queries.Filters.from_args({"assigned": "mine", "sort": "idle"} | args, broker, default_status="")
        return [s.id for s in db.session.scalars(queries.pipeline_stmt(broker, f, 14))]
    f = queries.Filters.from_args(args, broker)
    return [s.id for s in db.session.scalars(queries.queue_stmt(broker, f, 14))]


@pytest.mark.parametrize("requested", [0, 3, 22])
@pytest.mark.parametrize("sort", sorted(queries.SORTS))
def test_a_pair_leaving_the_queue_between_pages_makes_page_two_skip_none(client, auth, sort, requested):
    """Another broker takes up a pair of page 1 while this one reads it: page 2 (its 下一页 link) starts after
    page 1's last pair, not at the 21st pair of the shorter list, which is the 22nd of the one read; keys tying
    in threes are each shown once, requested pairs (22: the cut inside them) first."""
    me = make_user("broker")
    _pairs(me, 45, requested)
    auth.login(me)
    url = f"/broker/?sort={sort}"
    whole = _whole(me, "queue", sort=sort)
    body = client.get(url).get_data(as_text=True)
    assert _shown(body) == whole[:20]
    gone = db.session.get(MatchSuggestion, whole[3])
    gone.status = "accepted"
    db.session.commit()
    body = client.get(_next_link(body)).get_data(as_text=True)
    assert _shown(body) == whole[20:40] and "第 2 / 3 页" in body
    body = client.get(_next_link(body)).get_data(as_text=True)
    assert _shown(body) == whole[40:] and _next_link(body) is None


@pytest.mark.parametrize("sort", ["idle", "score"])
def test_a_pair_leaving_the_pipeline_between_pages_makes_page_two_skip_none(client, auth, sort):
    """A pair of the pipeline's page 1 rejected meanwhile (gone from the default 全部（不含已驳回）): page 2
    still starts after page 1's last pair."""
    me = make_user("broker")
    _pairs(me, 30, status="negotiating")
    auth.login(me)
    url = f"/broker/pipeline?sort={sort}"
    whole = _whole(me, "pipeline", sort=sort)
    body = client.get(url).get_data(as_text=True)
    assert _shown(body) == whole[:20]
    db.session.get(MatchSuggestion, whole[0]).status = "rejected"
    db.session.commit()
    body = client.get(_next_link(body)).get_data(as_text=True)
    assert _shown(body) == whole[20:]


def _forged(app, payload):
    with app.app_context():
        return URLSafeSerializer(app.config["SECRET_KEY"], salt="broker-pairs-after").dumps(payload)


def test_an_altered_or_foreign_next_link_shows_the_first_page_with_a_notice(app, client, auth):
    """下一页 links are signed and tied to their filters and sort: one altered, cut, of another sort, or
    signed but holding nonsense shows page 1 with a notice (200), never a 500."""
    me = make_user("broker")
    _pairs(me, 25)
    auth.login(me)
    first = client.get("/broker/?sort=score").get_data(as_text=True)
    link = _next_link(first)
    after = link.split("after=", 1)[1]
    scope = list(URLSafeSerializer(app.config["SECRET_KEY"], salt="broker-pairs-after").loads(after)["s"])
    bad = [
        link.replace(after, after[:-3] + ("AAA" if not after.endswith("AAA") else "BBB")),
        link.replace(after, after[: len(after) // 2]),
        link.replace("sort=score", "sort=newest"),
        link + "&assigned=all",
        "/broker/?after=%E4%B8%AD.abc",
        "/broker/?sort=score&after=" + _forged(app, {"s": scope, "p": 2, "k": {"r": 5, "v": "x", "i": "1"}}),
        "/broker/?sort=score&after=" + _forged(app, {"s": scope, "p": 2, "k": {"r": None, "v": "0.1", "i": 1}}),
        "/broker/?sort=score&after=" + _forged(app, {"s": scope, "p": "二", "k": {"r": None, "v": 0.1, "i": 1}}),
        "/broker/?sort=score&after=" + _forged(app, {"s": scope, "p": 2, "k": {"r": "昨天", "v": 0.1, "i": 1}}),
        "/broker/?sort=score&after=" + _forged(app, [1, 2]),
        "/broker/pipeline?sort=score&after=" + after,
    ]
    for url in bad:
        resp = client.get(url)
        body = resp.get_data(as_text=True)
        assert resp.status_code == 200 and NOTICE in body, url
        if url.startswith("/broker/?"):
            assert "第 1 / 2 页" in body and 'aria-current="page">1<' in body, url
    body = client.get(link).get_data(as_text=True)
    assert NOTICE not in body and "第 2 / 2 页" in body
    assert NOTICE not in client.get("/broker/?sort=score&after=").get_data(as_text=True)


def test_page_links_keep_filters_and_drop_the_next_links_position(client, auth):
    """下一页 keeps the filters and sort and drops the page number; a numbered link drops ``after``."""
    me = make_user("broker")
    _pairs(me, 45)
    auth.login(me)
    body = client.get("/broker/?sort=oldest&assigned=mine&page=1").get_data(as_text=True)
    link = _next_link(body)
    assert "sort=oldest" in link and "assigned=mine" in link and "page=" not in link
    body = client.get(link).get_data(as_text=True)
    numbered = html.unescape(re.search(r'href="([^"]+)">3</a>', body).group(1))
    assert "after=" not in numbered and "page=3" in numbered and "sort=oldest" in numbered


def test_a_deep_next_page_reads_from_its_position_not_past_an_offset(app, client, auth):
    """Page 2 onwards reads the pairs after the last one shown (no OFFSET), and on SQLite the score order's
    statement starts in the (status, score) index at that score."""
    me = make_user("broker")
    _pairs(me, 45)
    auth.login(me)
    link = _next_link(client.get("/broker/?sort=score&assigned=all").get_data(as_text=True))
    with page_id_reads() as seen:
        body = client.get(link).get_data(as_text=True)
    assert len(_shown(body)) == 20
    # SQLite writes OFFSET 0 after any LIMIT: the offset bound must be 0 (PostgreSQL: no OFFSET at all).
    assert seen and all("OFFSET" not in sql.upper() or list(params)[-1] == 0 for sql, params in seen), seen
    if db.engine.dialect.name == "sqlite":
        keys = pages.decode(link.split("after=", 1)[1], _scope(me), "score")[1]
        f = queries.Filters.from_args({"sort": "score", "assigned": "all"}, me)
        S = MatchSuggestion
        stmt = (queries.queue_stmt(me, f, 14).order_by(None).with_only_columns(S.id)
                .where(S.owner_requested_at.is_(None), pages._after(S.score, keys["v"], keys["i"], True))
                .order_by(*queries.SORTS["score"][1]).limit(21))  # fmt: skip
        sql = str(stmt.compile(db.engine, compile_kwargs={"literal_binds": True}))
        plan = " ".join(row[-1] for row in db.session.execute(text("EXPLAIN QUERY PLAN " + sql)))
        assert "ix_match_suggestion_status_score (status=? AND score<?)" in plan, plan
        assert "TEMP B-TREE" not in plan, plan


@pytest.mark.parametrize("sort", sorted(queries.SORTS))
def test_a_next_page_inside_a_tie_seeks_to_the_pair_after_the_last_one_shown(app, client, auth, sort):
    """A refit writes its pairs with one created_at (and, untouched, one last_activity_at); scores tie too. 下一页
    bounds the list by the row (sort key, id) of page 1's last pair, which an index seeks to: on PostgreSQL its Index
    Cond holds the row, where ``key <= v AND (key < v OR id < i)`` sought the value and filtered out every pair of the
    tie before the row (34,000 at a deep page of 100,000). Every pair is shown once, in the list's order."""
    me, need = make_user("broker"), make_need(title="分页需求")
    for i in range(45):
        make_suggestion(need, make_result(title=f"成果{i}"), broker=me, score=0.5, created_at=BASE,
                        last_activity_at=BASE)  # fmt: skip
    auth.login(me)
    whole = _whole(me, "queue", sort=sort)
    body = client.get(f"/broker/?sort={sort}&assigned=all").get_data(as_text=True)
    shown = _shown(body)
    with page_id_reads() as seen:
        body = client.get(_next_link(body)).get_data(as_text=True)
    shown += _shown(body)
    shown += _shown(client.get(_next_link(body)).get_data(as_text=True))
    assert shown == whole and len(whole) == 45
    key = queries.SORT_KEYS[sort][0]
    bounded = [(sql, params) for sql, params in seen if f"(match_suggestion.{key}, match_suggestion.id) " in sql]
    assert bounded, seen
    if db.engine.dialect.name == "postgresql":
        with db.engine.connect() as conn:
            # 45 rows: the plan of 100,000 (the sort's index, read in its order), whatever the statistics say
            conn.exec_driver_sql("SET enable_seqscan = off")
            conn.exec_driver_sql("SET enable_sort = off")
            plan = [r[0] for r in conn.exec_driver_sql("EXPLAIN " + bounded[0][0], bounded[0][1])]
        cond = [line for line in plan if "Index Cond" in line]
        assert cond and f"ROW({key}, id)" in cond[0], plan


def _scope(broker):
    f = queries.Filters.from_args({"sort": "score", "assigned": "all"}, broker)
    return [*queries.count_key(broker, f, "queue"), "score"]


def test_a_pair_answered_between_pages_of_my_pairs_makes_page_two_skip_none(client, auth, sides):
    """我的对接 · 待我回复意向: a pair of page 1 the owner (or a colleague) answers meanwhile leaves the list;
    page 2 still starts after page 1's last pair, and pairs last touched together are each shown once."""
    made = [sides["s"]]
    for i in range(29):
        made.append(make_suggestion(make_need(user=sides["ent"]), sides["result"], status="accepted",
                                    last_activity_at=BASE + timedelta(minutes=i // 3)))  # fmt: skip
    sides["s"].status, sides["s"].last_activity_at = "accepted", BASE
    db.session.commit()
    whole = [s.id for s in sorted(made, key=lambda s: (s.last_activity_at, s.id), reverse=True)]
    auth.login(sides["res"])

    def shown(body):
        return [int(i) for i in re.findall(r'<div class="card mb-2" id="s(\d+)"', body)]

    body = client.get("/broker/mine?awaiting=1").get_data(as_text=True)
    assert shown(body) == whole[:20]
    db.session.get(MatchSuggestion, whole[5]).result_response = "interested"
    db.session.commit()
    link = _next_link(body)
    assert "awaiting=1" in link
    body = client.get(link).get_data(as_text=True)
    assert shown(body) == whole[20:] and _next_link(body) is None
    body = client.get(link.replace("awaiting=1", "awaiting=0")).get_data(as_text=True)
    assert NOTICE in body and shown(body) == whole[:20]
    assert NOTICE in client.get("/broker/mine?after=x.y").get_data(as_text=True)
