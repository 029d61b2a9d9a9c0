"""The pair lists' 上一页 ends before the first pair shown (a signed ``before``), as 下一页 starts after the last one.

It went by offset (page=N-1): from a page reached by 下一页 it read every pair before it, and a pair leaving the list
meanwhile made the page before skip one pair and repeat another."""

import html
import re

import pytest

from matchmaker.brokers import pages, queries
from matchmaker.extensions import db
from matchmaker.models import MatchSuggestion

from ..factories import make_need, make_user
from ..sql import page_id_reads
from .test_pair_pages import BASE, _next_link, _pairs, _shown, _whole, make_suggestion

NOTICE = "该“上一页”链接已失效"


def _prev_link(body):
    found = re.search(r'<a class="page-link" rel="prev" href="([^"]+)">上一页</a>', body)
    return html.unescape(found.group(1)) if found else None


def _walk(client, url, shown=_shown):
    """Every page by 下一页 from ``url``: [(its pairs, its body)]."""
    out = []
    while url:
        body = client.get(url).get_data(as_text=True)
        out.append((shown(body), body))
        url = _next_link(body)
    return out


def _back(client, body, shown=_shown):
    """Every page by 上一页 from the page ``body``, nearest first: [(its pairs, its body)]."""
    out = []
    while (url := _prev_link(body)) is not None:
        assert "before=" in url and "page=" not in url and "after=" not in url, url
        body = client.get(url).get_data(as_text=True)
        out.append((shown(body), body))
    return out


@pytest.mark.parametrize("requested", [0, 3, 22])
@pytest.mark.parametrize("sort", sorted(queries.SORTS))
def test_forward_then_back_shows_the_same_pages(client, auth, sort, requested):
    """Four pages of the queue by 下一页, then back by 上一页 to page 1: each page as it was, numbered as it was, and
    page 1's 上一页 is off (keys tying in threes; requested pairs first, 22: the cut inside them)."""
    me = make_user("broker")
    _pairs(me, 65, requested)
    auth.login(me)
    whole = _whole(me, "queue", sort=sort)
    forward = _walk(client, f"/broker/?sort={sort}")
    assert [ids for ids, _ in forward] == [whole[:20], whole[20:40], whole[40:60], whole[60:]]
    back = _back(client, forward[-1][1])
    assert [ids for ids, _ in back] == [whole[40:60], whole[20:40], whole[:20]]
    assert [re.search(r"第 (\d) / 4 页", body).group(1) for _, body in back] == ["3", "2", "1"]
    assert '<span class="page-link" aria-disabled="true">上一页</span>' in back[-1][1]  # page 1: 上一页 is off
    assert _next_link(back[0][1]) and _shown(client.get(_next_link(back[0][1])).get_data(as_text=True)) == whole[60:]


def test_the_pipeline_goes_back_by_keys_too(client, auth):
    """The pipeline (its default sort, 最久未处理): back from page 2 is page 1."""
    me = make_user("broker")
    _pairs(me, 30, status="negotiating")
    auth.login(me)
    whole = _whole(me, "pipeline")
    forward = _walk(client, "/broker/pipeline")
    assert [ids for ids, _ in forward] == [whole[:20], whole[20:]]
    assert [ids for ids, _ in _back(client, forward[-1][1])] == [whole[:20]]


@pytest.mark.parametrize("gone_at", [5, 25, 45])
def test_a_pair_leaving_the_queue_while_going_back_is_neither_skipped_nor_repeated(client, auth, gone_at):
    """On page 3, a pair of page 1, 2 or 3 is accepted by another broker: going back, every pair before page 3's
    first one is shown once, none of page 3's again; page 1 (上一页 off) is as short as that leaves it."""
    me = make_user("broker")
    _pairs(me, 65)
    auth.login(me)
    whole = _whole(me, "queue")
    third = _walk(client, "/broker/")[2]
    assert third[0] == whole[40:60]
    db.session.get(MatchSuggestion, whole[gone_at]).status = "accepted"
    db.session.commit()
    now = _whole(me, "queue")
    back = _back(client, third[1])
    seen = [i for ids, _ in reversed(back) for i in ids]
    before_third = now[: now.index(whole[40])]
    assert seen == before_third and len(set(seen)) == len(seen)
    assert "第 1 / " in back[-1][1] and _prev_link(back[-1][1]) is None
    # From the page 上一页 reached, 下一页 is the page it came from.
    assert _shown(client.get(_next_link(back[0][1])).get_data(as_text=True)) == now[len(before_third) :][:20]


def test_back_to_a_page_whose_pairs_all_left_shows_the_first_page(client, auth):
    """Every pair before page 2's first one left meanwhile: 上一页 shows the list's first page."""
    me = make_user("broker")
    _pairs(me, 30)
    auth.login(me)
    whole = _whole(me, "queue")
    second = _walk(client, "/broker/")[1]
    for i in whole[:20]:
        db.session.get(MatchSuggestion, i).status = "rejected"
    db.session.commit()
    body = client.get(_prev_link(second[1])).get_data(as_text=True)
    assert _shown(body) == whole[20:] and NOTICE not in body and _prev_link(body) is None


def test_my_pairs_go_back_by_keys_and_skip_none_when_one_is_answered(client, auth, sides):
    """我的对接 · 待我回复意向: on page 2, a pair of page 1 is answered (it leaves the list): 上一页 shows the other
    19 of page 1, none of page 2; 下一页 from there is page 2 again."""
    made = [sides["s"]]
    for i in range(29):
        made.append(make_suggestion(make_need(user=sides["ent"]), sides["result"], status="accepted",
                                    last_activity_at=BASE.replace(minute=i // 3)))  # fmt: skip
    sides["s"].status, sides["s"].last_activity_at = "accepted", BASE
    db.session.commit()
    whole = [s.id for s in sorted(made, key=lambda s: (s.last_activity_at, s.id), reverse=True)]
    auth.login(sides["res"])

    def shown(body):
        return [int(i) for i in re.findall(r'<div class="card mb-2" id="s(\d+)"', body)]

    first, second = _walk(client, "/broker/mine?awaiting=1", shown)
    assert first[0] == whole[:20] and second[0] == whole[20:]
    assert [ids for ids, _ in _back(client, second[1], shown)] == [whole[:20]]
    db.session.get(MatchSuggestion, whole[7]).result_response = "interested"
    db.session.commit()
    back = _back(client, second[1], shown)
    assert [ids for ids, _ in back] == [whole[:7] + whole[8:20]]
    assert "awaiting=1" in _prev_link(second[1])
    assert shown(client.get(_next_link(back[0][1])).get_data(as_text=True)) == whole[20:]
    body = client.get(_prev_link(second[1]).replace("awaiting=1", "awaiting=0")).get_data(as_text=True)
    assert NOTICE in body and shown(body) == whole[:20]  # 全部 still lists the answered pair


def test_an_altered_or_foreign_previous_link_shows_the_first_page_with_a_notice(app, client, auth):
    """上一页 links are signed and tied to their user, list, filters and sort: one altered, cut, of another sort,
    filter or user, or a 下一页 value sent as 上一页 shows page 1 with a notice (200), never a 500; so do both at once."""
    me, other = make_user("broker"), make_user("broker")
    _pairs(me, 45)
    for s in db.session.scalars(db.select(MatchSuggestion)):
        s.assigned_broker_id = None  # both brokers see the same queue (我的和未分配)
    db.session.commit()
    auth.login(me)
    first = client.get("/broker/?sort=score").get_data(as_text=True)
    second = client.get(_next_link(first)).get_data(as_text=True)
    link = _prev_link(second)
    before = link.split("before=", 1)[1]
    after = _next_link(first).split("after=", 1)[1]
    bad = [
        link.replace(before, before[:-3] + ("AAA" if not before.endswith("AAA") else "BBB")),
        link.replace(before, before[: len(before) // 2]),
        link.replace("sort=score", "sort=newest"),
        link + "&assigned=all",
        "/broker/?sort=score&before=" + after,
        "/broker/?before=%E4%B8%AD.abc",
        "/broker/pipeline?sort=score&before=" + before,
    ]
    for url in bad:
        resp = client.get(url)
        body = resp.get_data(as_text=True)
        assert resp.status_code == 200 and NOTICE in body, url
        if url.startswith("/broker/?"):
            assert "第 1 / 3 页" in body and 'aria-current="page">1<' in body, url
    for url in (link + "&after=" + after, link + "&after=x.y"):  # both at once: not a link this list wrote
        body = client.get(url).get_data(as_text=True)
        assert "该“下一页”链接已失效" in body and _shown(body) == _shown(first), url
    body = client.get(link).get_data(as_text=True)
    assert NOTICE not in body and "第 1 / 3 页" in body and _shown(body) == _shown(first)
    auth.logout()
    auth.login(other)
    body = client.get(link).get_data(as_text=True)
    assert NOTICE in body and _shown(body) == _shown(first)


def test_going_back_from_a_deep_page_reads_from_its_position_not_past_an_offset(client, auth):
    """上一页 reads the pairs before the first one shown (no OFFSET)."""
    me = make_user("broker")
    _pairs(me, 65)
    auth.login(me)
    third = _walk(client, "/broker/?sort=score&assigned=all")[2]
    with page_id_reads() as seen:
        body = client.get(_prev_link(third[1])).get_data(as_text=True)
    assert len(_shown(body)) == 20 and "第 2 / 4 页" in body
    # SQLite writes OFFSET 0 after any LIMIT: the offset bound must be 0 (PostgreSQL: no OFFSET at all).
    assert seen and all("OFFSET" not in sql.upper() or list(params)[-1] == 0 for sql, params in seen), seen


def test_numbered_links_stop_at_shallow_pages_but_the_current_one(app):
    """Past page OFFSET_PAGES the pager shows no number (each would read every pair before it) but the current
    page's; 上一页 and 下一页 reach the others."""
    me = make_user("broker")
    _pairs(me, 30)
    f = queries.Filters.from_args({"assigned": "all"}, me)
    stmt = queries.queue_stmt(me, f, 14)

    def numbers(n):
        page = pages.CountCachedPagination(select=stmt, session=db.session(), page=n, per_page=2, error_out=False,
                                           count_key=None)  # fmt: skip
        return list(page.iter_pages(left_edge=1, left_current=2, right_current=3, right_edge=1))

    assert pages.OFFSET_PAGES == 10
    assert numbers(12) == [1, None, 10, None, 12, None]
    assert numbers(3) == [1, 2, 3, 4, 5, 6, None]
    assert numbers(9) == [1, None, 7, 8, 9, 10, None]
