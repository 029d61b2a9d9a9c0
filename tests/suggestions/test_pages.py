"""The engine admin page, the dictionary editor, suggestion pages and the CLI, through the app."""

import re

from matchmaker.extensions import db
from matchmaker.listings.access import introduced_between
from matchmaker.models import DomainTerm, IndexJob, MatchSuggestion
from matchmaker.suggestions import services

from ..factories import make_need, make_user
from .conftest import NEED_TEXT, publish_need


def page_text(resp):
    """The page with highlight marks removed, so titles read as one string."""
    return re.sub(r'<mark class="match-term[^"]*">|</mark>', "", resp.get_data(as_text=True))


def test_admin_page_shows_index_state(client, auth, corpus):
    """Documents, vocabulary, version, last refit and time taken are on the page."""
    auth.login("admin")
    body = client.get("/matches/admin/index").get_data(as_text=True)
    engine = services.get_engine()
    for text in ("匹配引擎", "文档总数", "词表规模", "上次重建", "重建用时", engine.version_, "领域词典"):
        assert text in body
    assert 'src="/static/js/matches.js"' in body


def test_refit_button_runs_a_job_and_status_json_reports_it(client, auth, corpus):
    """The refit POST records a finished job with the new version; the JSON shows it."""
    admin = auth.login("admin")
    old = services.get_engine().version_
    resp = client.post("/matches/admin/index/refit", follow_redirects=True)
    assert "索引已重建" in resp.get_data(as_text=True)
    job = db.session.scalar(db.select(IndexJob).order_by(IndexJob.id.desc()))
    assert job.status == "done" and job.requested_by_id == admin.id and job.version != old
    assert job.documents == 8 and job.vocabulary > 0
    data = client.get("/matches/admin/index/status.json").get_json()
    assert data["job"]["status"] == "done" and data["job"]["percent"] == 100
    assert data["index"]["version"] == job.version


def test_dictionary_editor_adds_and_deletes_words(client, auth):
    """Words are added (duplicates reported), and deleted again."""
    auth.login("admin")
    resp = client.post(
        "/matches/admin/terms", data={"words": "锁芯驱动板\n灯饰驱动电源，锁芯驱动板"}, follow_redirects=True
    )
    assert "已添加 2 个词条" in resp.get_data(as_text=True)
    resp = client.post("/matches/admin/terms", data={"words": "锁芯驱动板"}, follow_redirects=True)
    assert "已添加 0 个词条，1 个已存在" in resp.get_data(as_text=True)
    term = db.session.scalar(db.select(DomainTerm).filter_by(word="锁芯驱动板"))
    resp = client.post(f"/matches/admin/terms/{term.id}/delete", follow_redirects=True)
    assert "已删除词条" in resp.get_data(as_text=True)
    assert db.session.scalars(db.select(DomainTerm.word)).all() == ["灯饰驱动电源"]


def test_dictionary_editor_rejects_bad_words(client, auth):
    """Empty, one-character, punctuation-only or over-long words: a Chinese error, nothing stored."""
    auth.login("admin")
    for words, message in (
        ("", "请填写至少一个词条"),
        ("锁", "过短"),
        ("！！", "须包含文字或数字"),
        ("长" * 51, "过长"),
    ):
        resp = client.post("/matches/admin/terms", data={"words": words})
        assert resp.status_code == 400
        assert message in resp.get_data(as_text=True)
    assert db.session.scalar(db.select(db.func.count(DomainTerm.id))) == 0


def test_admin_pages_are_admin_only(client, auth):
    """Brokers get 403 on the engine page and its JSON."""
    auth.login("broker")
    assert client.get("/matches/admin/index").status_code == 403
    assert client.get("/matches/admin/index/status.json").status_code == 403
    assert client.post("/matches/admin/index/refit").status_code == 403


def test_broker_sees_suggestions_with_status_and_highlights(client, auth, corpus):
    """A broker sees, on the need's page, the suggested result, its score, reasons and the marked terms in both
    texts; and the need on the result's page."""
    need = publish_need(corpus["enterprise"])
    auth.login("broker")
    resp = client.get(f"/needs/{need.id}")
    body = resp.get_data(as_text=True)
    assert 'id="match-suggestions"' in body
    assert "电容式指纹识别芯片" in page_text(resp) and "待审核" in body and "匹配理由" in body
    assert '<mark class="match-term match-lex">指纹识别</mark>' in body
    assert body.count('<mark class="match-term') >= 4  # both titles and both texts
    # The contribution bar: parts in two kinds, the weights printed, adding up to the score.
    assert 'class="reason-bar"' in body and "reason-seg reason-lex" in body and "字面相同" in body
    assert NEED_TEXT["title"] in page_text(client.get(f"/results/{corpus['result'].id}"))


def test_old_suggestion_addresses_lead_to_the_listing_pages(client, auth, corpus):
    """/matches/need/<id> and /matches/result/<id> (pages nothing linked to) send the user to the listing's page
    at the suggestions they may see: all of them for staff, the owner's own section for owners."""
    need = publish_need(corpus["enterprise"])
    auth.login(corpus["enterprise"])
    resp = client.get(f"/matches/need/{need.id}")
    assert resp.status_code == 301 and resp.headers["Location"].endswith(f"/needs/{need.id}#owner-suggestions")
    body = page_text(client.get(f"/needs/{need.id}"))
    assert 'id="owner-suggestions"' in body and "电容式指纹识别芯片" in body
    auth.logout()
    auth.login("broker")
    resp = client.get(f"/matches/result/{corpus['result'].id}")
    assert resp.status_code == 301
    assert resp.headers["Location"].endswith(f"/results/{corpus['result'].id}#match-suggestions")


def test_old_suggestion_addresses_refuse_those_they_are_not_for(client, auth, corpus):
    """Another enterprise asking for a published need's suggestions address is refused (403, 无权访问), not sent
    on; someone else's draft, or a missing need, is 404 (页面不存在), as the need's page answers; a researcher
    asking for another researcher's result is refused likewise."""
    need = publish_need(corpus["enterprise"])
    draft = make_need(user=corpus["enterprise"], status="draft")
    auth.login("enterprise")
    resp = client.get(f"/matches/need/{need.id}")
    assert resp.status_code == 403 and "Location" not in resp.headers and "无权访问" in resp.get_data(as_text=True)
    for missing in (draft.id, 999999):
        resp = client.get(f"/matches/need/{missing}")
        assert resp.status_code == 404 and "页面不存在" in resp.get_data(as_text=True)
    auth.logout()
    auth.login("researcher")
    resp = client.get(f"/matches/result/{corpus['result'].id}")
    assert resp.status_code == 403 and "无权访问" in resp.get_data(as_text=True)


def test_outsiders_cannot_see_a_listings_suggestions(client, auth, corpus):
    """Another enterprise sees the need's page without its suggestions; the service gives them none."""
    need = publish_need(corpus["enterprise"])
    auth.login("enterprise")
    body = page_text(client.get(f"/needs/{need.id}"))
    assert NEED_TEXT["title"] in body
    assert 'suggestions"' not in body and "电容式指纹识别芯片" not in body
    assert services.suggestions_for(need, make_user("researcher")) == []


def test_summary_only_need_text_hidden_from_result_owner(app, corpus):
    """A result owner sees only the summary of a summary-only need, even in an accepted suggestion."""
    need = publish_need(corpus["enterprise"], confidentiality="summary", summary="门锁识别模块需求")
    row = db.session.scalar(db.select(MatchSuggestion).filter_by(need_id=need.id))
    row.status = "accepted"
    db.session.commit()
    views = services.suggestions_for(corpus["result"], corpus["researcher"])
    assert len(views) == 1
    shown = re.sub(r'<mark class="match-term[^"]*">|</mark>', "", str(views[0].other_text))
    assert "家用防盗门" not in shown and "门锁识别模块需求" in shown


def test_highlight_is_escaped_and_width_insensitive():
    """Terms match full-width and upper-case text; other markup stays escaped."""
    html = str(services.highlight("<b>ＬＥＤ</b>照明灯具散热 sealed", ["led", "散热"]))
    assert "&lt;b&gt;" in html and '<mark class="match-term">ＬＥＤ</mark>' in html
    assert '<mark class="match-term">散热</mark>' in html and "sea<mark" not in html


def test_match_cli_prints_suggestions_with_reasons(runner, corpus):
    """match NEED_ID lists the matching result first with its reasons; an unknown id fails in Chinese."""
    need = make_need(user=corpus["enterprise"], **NEED_TEXT)
    result = runner.invoke(args=["match", str(need.id)])
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert "电容式指纹识别芯片" in lines[1] and "理由" in lines[2] and "指纹识别" in lines[2]
    bad = runner.invoke(args=["match", "999999"])
    assert bad.exit_code != 0 and "不存在" in bad.output


def test_near_duplicates_of_own_need_and_any_result(app, corpus):
    """A nearly identical need of the same organisation is found; another organisation's is not."""
    need = publish_need(corpus["enterprise"])
    body = NEED_TEXT["problem"]
    same_org = services.near_duplicates("need", NEED_TEXT["title"], NEED_TEXT["keywords"], body,
                                        corpus["enterprise"].organization_id)  # fmt: skip
    assert [(x.id, round(s, 1)) for x, s in same_org][:1] == [(need.id, 1.0)]
    assert services.near_duplicates("need", NEED_TEXT["title"], NEED_TEXT["keywords"], body, 999999) == []
    assert services.near_duplicates("need", NEED_TEXT["title"], NEED_TEXT["keywords"], body,
                                    corpus["enterprise"].organization_id, exclude_id=need.id) == []  # fmt: skip
    result = corpus["result"]
    found = services.near_duplicates("result", result.title, result.keywords, [result.abstract], 999999)
    assert [x.id for x, _ in found] == [result.id]
    assert services.near_duplicates("result", "", "", "", 1) == []


def test_near_duplicates_partial_renders_links(app, corpus):
    """The partial warns with the title, similarity and a confirmation checkbox."""
    from flask import render_template_string

    with app.test_request_context():
        html = render_template_string(
            '{% include "suggestions/_near_duplicates.html" %}', near_duplicates=[(corpus["result"], 0.96)]
        )
    assert "电容式指纹识别芯片" in html and "96%" in html and 'name="confirm_duplicate"' in html


def test_introduced_between_is_false_without_an_introduction(corpus):
    """No introduction: no contact details."""
    need = publish_need(corpus["enterprise"])
    assert introduced_between(corpus["researcher"], need) is False
