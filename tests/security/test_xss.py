"""Stored XSS: a payload in every text field is rendered escaped on every page reached."""

from datetime import date

from matchmaker.extensions import db
from matchmaker.listings.tokens import refresh_tokens
from matchmaker.models import FollowUp

from ..core.test_demo import crawl
from ..factories import make_contract, make_need, make_org, make_result, make_suggestion, make_user

P = '<script>alert("xss")</script><img src=x onerror=alert(1)>'
RAW = ("<script>alert(", "<img src=x onerror")


def plant():
    """Objects whose every text field carries the payload; returns the users who see them."""
    ent_org = make_org("enterprise", name=f"企业{P}"[:100], contact_name=P[:50], address=P, description=P)
    uni = make_org("university", name=f"大学{P}"[:100])
    owner = make_user("enterprise", org=ent_org, name=P[:50])
    researcher = make_user("researcher", org=uni, name="研究员")
    broker = make_user("broker")
    need = make_need(user=owner, title=f"需求{P}"[:100], summary=P, problem=P, indicators=P, conditions=P,
                     keywords=P[:200], contact_name=P[:50], confidentiality="summary", town=P[:50], field=P[:50])  # fmt: skip
    result = make_result(user=researcher, title=f"成果{P}"[:100], abstract=P, detail=P, advantages=P, team=P,
                         patent_numbers=P, keywords=P[:200], contact_name=P[:50])  # fmt: skip
    for listing in (need, result):
        refresh_tokens(listing)
    s = make_suggestion(need=need, result=result, broker=broker, status="introduced", reasons=[[P, 0.5]],
                        reject_note=P, need_response_reason=P)  # fmt: skip
    db.session.add(FollowUp(suggestion_id=s.id, broker_id=broker.id, kind="call", happened_on=date(2024, 1, 2), note=P))
    make_contract(buyer=ent_org, seller=uni, title=f"合同{P}"[:200], contract_no=P[:50], note=P, broker_id=broker.id,
                  created_by_id=broker.id, need_id=need.id, result_id=result.id, signed_on=date(2024, 3, 1))  # fmt: skip
    db.session.commit()
    return {"enterprise": owner, "researcher": researcher, "broker": broker, "admin": make_user("admin")}


def test_payload_is_escaped_on_every_page(app):
    users = plant()
    for role, user in users.items():
        client = app.test_client()
        client.post("/auth/login", data={"email": user.email, "password": "password123"})
        bodies = {}  # each HTML page as the crawl received it (not fetched a second time)
        pages = crawl(client, "/dashboard", limit=250, bodies=bodies)
        pages.update(crawl(client, "/needs/", limit=60, bodies=bodies))
        shown = 0
        for url in [u for u in pages if pages[u] == 200]:
            body = bodies.get(url)
            if body is None:  # not an HTML page
                continue
            for raw in RAW:
                assert raw not in body, f"{role} {url}: unescaped payload"
            shown += "&lt;script&gt;alert(" in body
        assert shown >= 3, f"{role}: the planted text should be on several pages ({shown})"
        assert any("/contracts/" in u for u in pages) or role not in ("broker", "admin")


def test_exports_neutralise_formulas(app, client, auth):
    plant()
    auth.login("admin")
    body = client.get("/reports/export?format=csv&from=2024-01-01&to=2024-12-31").get_data(as_text=True)
    for line in body.splitlines():
        for cell in line.split(","):
            assert not cell.strip('"').startswith(("=", "+", "@")) or cell.strip('"').startswith("'")
