"""The pair page holds the 驳回 and 跟进 forms side by side: each label names its own form's box."""

import re

from ..factories import make_need, make_result, make_suggestion


def _label_target(page, text):
    """The id a <label> showing ``text`` points to."""
    return re.search(rf'<label class="form-label" for="([^"]+)">{text}</label>', page).group(1)


def _form_of(page, element_id):
    """The action of the form holding the element with ``element_id``."""
    at = page.index(f'id="{element_id}"')
    return re.findall(r'<form method="post" action="([^"]+)"', page[:at])[-1]


def test_reject_and_follow_up_notes_have_their_own_ids(client, auth, sides):
    """Clicking 记录 (follow-up) went to 驳回's 说明: both boxes had id="note"."""
    s = make_suggestion(make_need(), make_result())
    auth.login(sides["b1"])
    page = client.get(f"/broker/suggestions/{s.id}").get_data(as_text=True)
    ids = re.findall(r' id="([^"]+)"', page)
    assert len(ids) == len(set(ids)), sorted(i for i in ids if ids.count(i) > 1)
    assert _form_of(page, _label_target(page, "记录")).endswith("/follow-ups")
    assert _form_of(page, _label_target(page, "说明")).endswith("/reject")


def test_a_refused_rejection_keeps_its_note_under_its_own_label(client, auth, sides):
    """驳回 with 其他 and a blank 说明: the error is tied to 驳回's box; the follow-up box is untouched."""
    s = make_suggestion(make_need(), make_result())
    auth.login(sides["b1"])
    resp = client.post(f"/broker/suggestions/{s.id}/reject", data={"expected": "suggested", "reason": "other"})
    page = resp.get_data(as_text=True)
    assert resp.status_code == 400 and 'id="reject-note-error"' in page
    assert 'aria-describedby="reject-note-help reject-note-error"' in page


def test_manual_pair_search_boxes_are_named(client, auth, sides):
    """手动配对's two search boxes had only a placeholder: a screen reader announced an unnamed edit box."""
    auth.login(sides["b1"])
    page = client.get("/broker/pairs/new").get_data(as_text=True)
    boxes = re.findall(r'<input class="form-control form-control-sm" name="(nq|rq)"[^>]*>', page)
    assert sorted(boxes) == ["nq", "rq"]
    assert 'aria-label="搜索技术需求（标题或编号）"' in page and 'aria-label="搜索科技成果（标题或编号）"' in page
