"""A researcher's result page showed a summary-only need's pair as 锂电池 31 · 电解液 14 · 低温 8 · 其余 22: the
reasons resting on the need's unpublished text had joined 其余, the second largest part, with no word why.
其余 now says it holds words of the part the enterprise did not publish; the need's owner sees them all."""

from .conftest import publish_need

WITHHELD = "其余（含需求方未公开部分的词语）"


def test_the_researcher_is_told_what_the_remainder_holds(client, auth, corpus):
    need = publish_need(corpus["enterprise"], confidentiality="summary", summary="门锁模块需求")
    auth.login(corpus["researcher"])
    body = client.get(f"/results/{corpus['result'].id}").get_data(as_text=True)
    assert need.title in body and WITHHELD in body


def test_the_owner_of_the_need_sees_every_reason(client, auth, corpus):
    need = publish_need(corpus["enterprise"], confidentiality="summary", summary="门锁模块需求")
    auth.login(corpus["enterprise"])
    body = client.get(f"/needs/{need.id}").get_data(as_text=True)
    assert corpus["result"].title in body and WITHHELD not in body and "指纹识别" in body


def test_a_public_need_has_nothing_withheld(client, auth, corpus):
    need = publish_need(corpus["enterprise"])
    auth.login(corpus["researcher"])
    body = client.get(f"/results/{corpus['result'].id}").get_data(as_text=True)
    assert need.title in body and WITHHELD not in body
