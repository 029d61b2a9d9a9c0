"""A summary-only need's hidden words stay hidden in reasons, also when they are Latin words
that happen to be letters of a longer public word ("led" in "sealed")."""

import re

from matchmaker.extensions import db
from matchmaker.models import MatchSuggestion

from ..factories import make_result, make_user
from .conftest import publish_need


def test_hidden_latin_word_inside_a_public_word_is_not_a_reason(client, auth, corpus):
    """The researcher sees no "led" reason: LED is only in the hidden problem text, the summary says "sealed"."""
    researcher = make_user("researcher")
    result = make_result(user=researcher, title="LED灯具散热模组", keywords="led,散热",
                         abstract="大功率LED灯具散热模组，LED结温降低。")  # fmt: skip
    need = publish_need(corpus["enterprise"], title="灯具散热改进", keywords="", confidentiality="summary",
                        summary="sealed 灯具散热改进", problem="大功率LED灯具散热，LED结温过高，LED光衰。")  # fmt: skip
    row = db.session.scalar(db.select(MatchSuggestion).filter_by(need_id=need.id, result_id=result.id))
    assert row is not None and any(r.get("need") == ["led"] for r in row.reasons)  # the matcher's reason
    auth.login(researcher)
    html = client.get(f"/results/{result.id}").get_data(as_text=True)
    terms = re.findall(r'<span class="reason-term">([^<]*)</span>', html)
    assert terms and "led" not in [t.lower() for t in terms], terms
