"""Full-text search (jieba tokens, ranked), filters, sort and pagination of the public lists."""

import re
from decimal import Decimal

import pytest

from .helpers import need, result


@pytest.fixture
def corpus():
    """A few needs on clearly different topics."""
    return {
        "vision": need(title="注塑件外观缺陷机器视觉检测", keywords="机器视觉,缺陷检测",
                       problem="需要用工业相机和深度学习算法在线检测注塑件缩痕", industry="智能家电"),
        "battery": need(title="储能锂电池热管理系统优化", keywords="锂电池,热管理",
                        problem="储能电站锂电池组温差大，需要液冷热管理方案", industry="新能源"),
        "lock": need(title="智能门锁低功耗指纹识别模组", keywords="指纹识别,低功耗",
                     problem="门锁电池续航短，指纹模组待机功耗需降低", industry="五金锁具"),
        "led": need(title="大功率LED灯具散热结构设计", keywords="散热,LED",
                    problem="户外LED灯具光衰严重，需要改进散热器和导热材料", industry="灯饰照明"),
        "drug": need(title="中药提取物质量检测方法开发", keywords="中药,液相色谱",
                     problem="需要建立高效液相色谱指纹图谱检测中药提取物", industry="健康医药"),
    }  # fmt: skip


def titles(client, url):
    body = client.get(url).get_data(as_text=True)
    return re.findall(r'<h2 class="h6 mb-1"><a href="/(?:needs|results)/\d+">([^<]+)</a>', body)


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("机器视觉检测注塑缺陷", "vision"),
        ("储能锂电池液冷", "battery"),
        ("指纹门锁", "lock"),
        ("LED灯具散热", "led"),
        ("液相色谱检测", "drug"),
    ],
)
def test_search_puts_the_obvious_listing_first(client, corpus, query, expected):
    found = titles(client, f"/needs/?q={query}")
    assert found and found[0] == corpus[expected].title


def test_search_is_by_words_not_substrings(client, corpus):
    """“电池” is a word in “锂电池 … 电池续航”; a nonsense query finds nothing."""
    assert titles(client, "/needs/?q=量子纠缠通信") == []


@pytest.mark.parametrize("query", ["冲压模具", "冲压", "模具", "钣金", "模具寿命", "石墨烯", "散热膜", "石墨烯散热膜"])
def test_a_listing_is_found_by_its_own_keywords_and_their_words(client, query):
    """A typed keyword is one token ("冲压模具"), a search is split into words (冲压 + 模具): 14 % of the demo
    needs' keywords did not find their own need, and 石墨烯 did not find "石墨烯散热膜量产工艺"."""
    a = need(title="家电钣金件冲压模具寿命提升", keywords="冲压模具,模具寿命,表面处理,钣金")
    b = need(title="石墨烯散热膜量产工艺", keywords="石墨烯散热膜")
    found = titles(client, f"/needs/?q={query}")
    assert a.title in found or b.title in found, (query, found)


def test_keywords_of_a_summary_only_need_stay_unsearchable(client):
    """Only the title and summary of a summary-only need are searchable; its keywords' words too only
    where they occur in those."""
    need(title="保密的精密冲压工艺需求", keywords="钛合金焊接", confidentiality="summary", summary="冲压件毛刺")
    assert titles(client, "/needs/?q=钛合金") == [] and titles(client, "/needs/?q=钛合金焊接") == []
    assert titles(client, "/needs/?q=毛刺") == ["保密的精密冲压工艺需求"]


def test_search_falls_back_to_any_word(client, corpus):
    body = client.get("/needs/?q=锂电池 量子纠缠").get_data(as_text=True)
    assert "包含部分检索词" in body and corpus["battery"].title in body


def test_filters_combine(client):
    a = need(
        title="新能源行业需求甲", industry="新能源", town="临港镇", coop_mode="development", budget_wan=Decimal("50")
    )
    need(title="新能源行业需求乙", industry="新能源", town="高新区", coop_mode="development", budget_wan=Decimal("50"))
    need(title="家电行业需求丙", industry="智能家电", town="临港镇", coop_mode="development", budget_wan=Decimal("50"))
    need(title="新能源行业需求丁", industry="新能源", town="临港镇", coop_mode="transfer", budget_wan=Decimal("50"))
    need(title="新能源行业需求戊", industry="新能源", town="临港镇", coop_mode="development", budget_wan=Decimal("500"))
    found = titles(client, "/needs/?industry=新能源&town=临港镇&coop_mode=development&min=10&max=100")
    assert found == [a.title]


def test_result_filters_and_search_combine(client):
    r = result(title="石墨烯导热膜制备技术", keywords="石墨烯,导热", maturity="pilot", transfer_mode="license",
               price_wan=Decimal("120"), field="先进材料")  # fmt: skip
    result(title="石墨烯导热涂料配方技术", keywords="石墨烯,涂料", maturity="lab", transfer_mode="license",
           price_wan=Decimal("120"), field="先进材料")  # fmt: skip
    result(title="碳纤维复合材料成型工艺", keywords="碳纤维", maturity="pilot", transfer_mode="license",
           price_wan=Decimal("120"), field="先进材料")  # fmt: skip
    assert titles(client, "/results/?q=石墨烯&maturity=pilot&transfer_mode=license&max=200") == [r.title]


def test_bad_amount_filter_is_ignored_with_a_message(client, corpus):
    body = client.get("/needs/?min=abc").get_data(as_text=True)
    assert "最低金额应为不小于 0 的数字" in body


def test_pagination_is_stable(client):
    """Equal publication times still give a fixed order: pages neither repeat nor skip."""
    from matchmaker.extensions import db
    from matchmaker.models.base import utcnow

    now = utcnow()
    made = [need(title=f"分页测试需求第{i:02d}号") for i in range(45)]
    for n in made:
        n.published_at = now
    db.session.commit()
    seen = []
    for page in (1, 2, 3):
        seen += titles(client, f"/needs/?page={page}")
    assert len(seen) == 45 and len(set(seen)) == 45
    assert seen == titles(client, "/needs/?page=1") + titles(client, "/needs/?page=2") + titles(
        client, "/needs/?page=3"
    )


def test_a_page_past_the_end_says_so_and_links_the_last(client):
    """page=999999 said 没有符合条件的技术需求 beside 共 21 条."""
    for i in range(21):
        need(title=f"翻页越界测试需求{i}")
    body = client.get("/needs/?page=999999&sort=new").get_data(as_text=True)
    assert "没有符合条件" not in body and "这一页没有内容" in body
    assert "页不存在：共 21 条，2 页" in body  # (the page number is clamped to 100,000 first)
    assert "上一页" not in body  # no pager counting back from a page that does not exist
    assert re.search(r'<a href="/needs/\?(page=2&amp;sort=new|sort=new&amp;page=2)">前往最后一页</a>', body)


def test_sort_by_budget(client):
    need(title="预算较少的需求", budget_wan=Decimal("10"))
    need(title="预算很多的需求", budget_wan=Decimal("900"))
    need(title="预算面议的需求", budget_negotiable=True)
    assert titles(client, "/needs/?sort=amount_desc") == ["预算很多的需求", "预算较少的需求", "预算面议的需求"]


def test_deadline_sort_does_not_place_a_summary_only_need_by_its_hidden_date(client, auth):
    """A summary-only need's validity date is hidden from others: the 即将到期 order puts it after the
    needs whose dates show, never between them; staff see it in its place."""
    from datetime import timedelta

    from matchmaker.utils import clock

    soon, later = clock.today() + timedelta(days=10), clock.today() + timedelta(days=300)
    need(title="公开的较早到期需求", valid_until=soon)
    need(title="公开的较晚到期需求", valid_until=later)
    need(title="仅摘要的中间到期需求", confidentiality="summary", valid_until=soon + timedelta(days=5))
    order = ["公开的较早到期需求", "公开的较晚到期需求", "仅摘要的中间到期需求"]
    assert titles(client, "/needs/?sort=deadline") == order
    auth.login("broker")
    assert titles(client, "/needs/?sort=deadline") == [order[0], order[2], order[1]]


def test_the_pager_ends_are_no_tab_stops(client):
    """On page 1 the greyed 上一页 was a link (href ?page=1, no aria-disabled): a keyboard user's Tab stopped on a
    control that did nothing; on the last page 下一页 likewise. They are now text marked unavailable."""
    for i in range(21):
        need(title=f"分页键盘测试需求{i}")

    def pager(url):
        body = client.get(url).get_data(as_text=True)
        return body[body.index('<nav aria-label="分页">') :].split("</nav>")[0]

    first, last = pager("/needs/?page=1"), pager("/needs/?page=2")
    assert '<span class="page-link" aria-disabled="true">上一页</span>' in first
    assert re.search(r'<a class="page-link" href="/needs/\?page=2">下一页</a>', first)
    assert '<span class="page-link" aria-disabled="true">下一页</span>' in last
    assert re.search(r'<a class="page-link" href="/needs/\?page=1">上一页</a>', last)
    assert "上一页</a>" not in first and "下一页</a>" not in last


@pytest.mark.parametrize("query", ["MiniLED", "Mini LED", "mini-led", "miniLED 背光"])
def test_a_latin_word_is_found_written_together_or_apart(client, query):
    """Listings tokenise as written: MiniLED is one word, Mini LED two. A search found only its own writing (MiniLED
    found none of the demo's Mini LED needs); each writing now finds both, and nothing else."""
    apart = need(title="Mini LED背光模组亮度均匀性", keywords="背光,光学", problem="Mini LED背光模组存在亮度不均和灯影")
    together = need(title="MiniLED直显屏坏点修复", keywords="直显,修复", problem="MiniLED直显屏坏点率高")
    need(title="大功率LED灯具散热结构设计", keywords="散热,LED", problem="户外LED灯具光衰严重")
    found = titles(client, f"/needs/?q={query}")
    expected = {apart.title} if "背光" in query else {apart.title, together.title}
    assert set(found) == expected, (query, found)


def test_two_latin_words_typed_apart_are_also_found_joined(client):
    wifi = need(title="WiFi模组低功耗设计", keywords="模组,低功耗", problem="WiFi模组待机电流偏大")
    need(title="蓝牙模组天线匹配", keywords="模组,天线", problem="蓝牙模组通信距离短")  # 模组 alone: not all terms
    assert titles(client, "/needs/?q=Wi-Fi 模组") == [wifi.title]
