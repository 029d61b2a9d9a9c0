"""A summary-only need in the brokers' lists (queue, pipeline; the API's pair list: tests/api/test_suggestions.py): only what outsiders see
of it, so that every reading of its organisation, budget and hidden-text words happens on a page that audits
it (the pair page, the need's page, the API's details), and a list page writes nothing."""

import re

from matchmaker.extensions import db
from matchmaker.models import AuditLog

from ..factories import make_need, make_org, make_suggestion, make_user

HIDDEN = "绝密的储能技术难题"  # "储能", a reason of the pair, is only in the hidden problem text


def _pair(status="suggested", broker=None, confidentiality="summary"):
    org = make_org(name="保密企业有限公司" if confidentiality == "summary" else "公开企业有限公司")
    need = make_need(org=org, confidentiality=confidentiality, title="保密需求标题", summary="电池相关需求摘要",
                     problem=HIDDEN, budget_wan=88)  # fmt: skip
    return need, make_suggestion(need=need, status=status, broker=broker)


def _terms(html):
    return re.findall(r'<span class="reason-term">([^<]*)</span>', html)


def _audits(user):
    return db.session.scalar(db.select(db.func.count(AuditLog.id)).filter_by(actor_id=user.id, action="view"))


def test_the_queue_shows_a_summary_only_need_as_outsiders_see_it_and_writes_nothing(client, auth):
    broker = make_user("broker")
    need, s = _pair()
    auth.login(broker)
    html = client.get("/broker/").get_data(as_text=True)
    row = html[html.index(f'id="s{s.id}"') :]
    row = row[: row.index("</form>") if "</form>" in row else None]
    assert "保密需求标题" in row and "仅公开摘要" in row
    assert "保密企业有限公司" not in html and "88" not in row.split("匹配理由")[0].split("技术需求")[1]
    assert "电池" in _terms(row) and "储能" not in _terms(row)
    assert _audits(broker) == 0
    page = client.get(f"/broker/suggestions/{s.id}").get_data(as_text=True)  # the pair page: all of it, audited
    assert "储能" in _terms(page) and "保密企业有限公司" in page
    assert _audits(broker) == 1


def test_the_pipeline_hides_them_too_and_public_needs_show_everything(client, auth):
    broker = make_user("broker")
    _pair(status="introduced", broker=broker)
    _, public = _pair(status="accepted", broker=broker, confidentiality="public")
    auth.login(broker)
    html = client.get("/broker/pipeline").get_data(as_text=True)
    assert "保密企业有限公司" not in html and "公开企业有限公司" in html
    public_row = html[html.index(f'id="s{public.id}"') :]
    assert "储能" in _terms(
        public_row[: public_row.index("list-group-item pair-row") if "pair-row" in public_row else None]
    )
    assert _audits(broker) == 0


def test_an_admin_sees_the_same_list(client, auth):
    admin = auth.login("admin")
    _pair()
    html = client.get("/broker/?assigned=all").get_data(as_text=True)
    assert "保密需求标题" in html and "保密企业有限公司" not in html and "储能" not in _terms(html)
    assert _audits(admin) == 0
