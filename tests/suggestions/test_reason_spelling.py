"""Reason labels spell Latin words as the listings do: the engine folds case (“led”), the page shows “LED”."""

import re

from ..factories import make_need, make_result, make_suggestion


def _reason(term, need, result, weight=0.2):
    return {"term": term, "weight": weight, "lexical": weight, "semantic": 0.0, "need": need, "result": result}


def labels(html):
    return re.findall(r'<span class="reason-term">([^<]*)</span>', html)


def test_latin_reason_words_take_the_listings_case(client, auth):
    need = make_need(title="大功率LED路灯散热", keywords="LED,散热", problem="LED光源结温过高，MiniLED背光不均")
    result = make_result(title="LED与散热工程化技术服务", keywords="led,散热")
    reasons = [_reason("led", ["led"], ["led"]), _reason("散热", ["散热"], ["散热"], 0.1),
               _reason("miniled ↔ 背光", ["miniled"], ["背光"], 0.05)]  # fmt: skip
    result.abstract = "背光模组与散热"
    s = make_suggestion(need=need, result=result, score=0.5, reasons=reasons + [{"rest": 0.15}])
    auth.login("broker")
    html = client.get(f"/broker/suggestions/{s.id}").get_data(as_text=True)
    assert labels(html)[:3] == ["LED", "散热", "MiniLED ↔ 背光"]
    assert "reason-outdated" not in html  # every word is still in its text
    queue = client.get("/broker/").get_data(as_text=True)
    assert "LED" in labels(queue) and "led" not in labels(queue)


def test_a_word_gone_from_the_needs_text_takes_the_results_spelling_and_is_flagged(client, auth):
    need = make_need(title="路灯散热改进", keywords="散热", problem="路灯散热")
    result = make_result(title="LED散热技术", keywords="LED,散热")
    s = make_suggestion(need=need, result=result, score=0.3,
                        reasons=[_reason("led", ["led"], ["led"]), {"rest": 0.1}])  # fmt: skip
    auth.login("broker")
    html = client.get(f"/broker/suggestions/{s.id}").get_data(as_text=True)
    assert labels(html)[0] == "LED"  # the result still writes it
    assert "以下理由按修改前的文字得出" in html
