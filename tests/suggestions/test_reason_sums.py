"""The numbers a reason bar prints add up to the score it prints, however many reasons it shows."""

import re

from ..factories import make_need, make_result, make_suggestion, make_user

# Eight reasons of 0.0333 each (a third of a point over): rounded one by one they add up to 24, not 27.
REASONS = [
    {"term": f"词{i}", "weight": 0.0333, "lexical": 0.0333, "semantic": 0.0, "need": [f"词{i}"], "result": [f"词{i}"]}
    for i in range(8)
] + [{"rest": 0.3836}]


def printed_sums(html):
    """(score printed, sum of the parts printed) of every reason bar on a page."""
    out = []
    for label in re.findall(r'class="reason-bar" role="img" aria-label="([^"]+)"', html):
        score, parts = re.match(r"匹配度 (\d+)，其中(.*)", label).groups()
        nums = re.findall(r" (\d+|&lt;1)(?=，|$)", parts)
        out.append((int(score), sum(0 if n == "&lt;1" else int(n) for n in nums)))
    return out


def test_owner_and_broker_bars_add_up_to_the_score(client, auth):
    """The owner's panel (six reasons) and the broker's pair page (eight) both print parts summing to 65."""
    owner = make_user("enterprise")
    need = make_need(user=owner, title="词0词1词2词3词4词5词6词7")
    s = make_suggestion(need=need, result=make_result(), score=0.65, reasons=REASONS)
    auth.login(owner)
    sums = printed_sums(client.get(f"/needs/{need.id}").get_data(as_text=True))
    assert sums and all(total == parts == 65 for total, parts in sums), sums
    auth.logout()
    auth.login("broker")
    sums = printed_sums(client.get(f"/broker/suggestions/{s.id}").get_data(as_text=True))
    assert sums and all(total == parts == 65 for total, parts in sums), sums
