"""A listing edited after its pairs were scored: the page says its reasons are of the old text."""

from matchmaker.extensions import db
from matchmaker.models import MatchSuggestion

from .conftest import publish_need


def test_reasons_of_the_text_before_an_edit_are_flagged(client, auth, corpus):
    """Until the re-match, the broker's pair page says the reasons no longer fit the edited need."""
    need = publish_need(corpus["enterprise"])
    row = db.session.scalar(db.select(MatchSuggestion).filter_by(need_id=need.id, result_id=corpus["result"].id))
    auth.login("broker")
    assert "reason-outdated" not in client.get(f"/broker/suggestions/{row.id}").get_data(as_text=True)
    # The owner rewrites the need (committed; its re-match job has not run yet).
    need.title, need.keywords, need.summary = "食品包装袋封口改进", "封口,包装袋", "包装袋封口不严"
    need.problem, need.indicators = "食品包装袋热封口强度不足，需改进封口工艺。", ""
    db.session.commit()
    html = client.get(f"/broker/suggestions/{row.id}").get_data(as_text=True)
    assert "指纹识别" in html and "以下理由按修改前的文字得出" in html
