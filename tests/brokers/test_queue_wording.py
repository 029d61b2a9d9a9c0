"""What the queue's and 我的对接's introductions say owners see matches what they see."""

from .conftest import reload


def test_the_queue_says_owners_see_the_platforms_pairs_before_review(client, auth, sides):
    """The queue said 采纳后双方可在各自页面看到推荐, but the sides see a pending pair already (平台推荐, no
    contacts) and may ask for it; the text now says so, and what acceptance and introduction add."""
    auth.login(sides["b1"])
    queue = client.get("/broker/").get_data(as_text=True)
    assert "采纳后双方可在各自页面看到推荐" not in queue
    assert "审核前，需求方和成果方已在各自页面看到这些平台推荐（不含联系方式），并可请经纪人牵线" in queue
    assert "引荐后双方才能看到对方联系方式" in queue
    auth.logout()
    assert reload(sides["s"]).status == "suggested"
    for who, url in ((sides["ent"], f"/needs/{sides['need'].id}"), (sides["res"], "/broker/mine")):
        auth.login(who)
        body = client.get(url).get_data(as_text=True)
        assert f'id="s{sides["s"].id}"' in body and "平台推荐" in body and "lab@uni.cn" not in body
        auth.logout()


def test_my_pairs_says_it_holds_the_platforms_matches_too(client, auth, sides):
    """我的对接 described only pairs a broker had reviewed, above a list holding the pending ones too."""
    auth.login(sides["ent"])
    body = client.get("/broker/mine").get_data(as_text=True)
    assert "平台为您的需求自动匹配的配对（可请经纪人牵线），以及技术经纪人已采纳、引荐的配对" in body
    assert f'id="s{sides["s"].id}"' in body
