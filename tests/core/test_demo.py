"""`demo` fills an empty database; every page its users can reach answers 200."""

import re
from datetime import datetime
from urllib.parse import urlsplit

from matchmaker.extensions import db
from matchmaker.models import LiveRegistration, Organization, Result, TechNeed, User

from ..conftest import app_on
from ..needs.test_status_owner import status_writes  # noqa: F401  (listing statuses set outside their owner)

HREF = re.compile(r'href="(/[^"#]*)"')


def crawl(client, start="/dashboard", limit=120, bodies=None):
    """GET every same-site link reachable from start; return {url: status} (and fill ``bodies``
    with {url: text} of the HTML pages, for callers that read them)."""
    seen, queue, status = set(), [start], {}
    while queue and len(seen) < limit:
        url = queue.pop(0)
        if url in seen or url.startswith("/static/"):
            continue
        seen.add(url)
        resp = client.get(url)
        status[url] = resp.status_code
        if resp.mimetype == "text/html":
            text = resp.get_data(as_text=True)
            if bodies is not None:
                bodies[url] = text
            for link in HREF.findall(text):
                link = link.replace("&amp;", "&")
                if not urlsplit(link).netloc and link not in seen:
                    queue.append(link)
    return status


def test_demo_then_every_reachable_page_is_200(fresh_db_url, tmp_path, status_writes):  # noqa: F811
    app = app_on(fresh_db_url, tmp_path)
    with app.app_context():
        runner = app.test_cli_runner()
        result = runner.invoke(args=["demo"])
        assert result.exit_code == 0, result.output
        assert "admin@demo.cn" in result.output
        assert status_writes == []  # every need and result reached its state through the listing life cycle
        assert db.session.scalar(db.select(db.func.count(User.id))) >= 20
        kinds = set(db.session.scalars(db.select(Organization.kind)))
        assert kinds == {"enterprise", "university", "institute", "agency", "government", "bank", "insurer",
                         "appraiser"}  # fmt: skip
        # Results come from institutions that work in their industry (a medical university offered compressor and
        # lighting services, cycled onto topics it had nothing to do with).
        medical = db.session.scalars(
            db.select(Result.industry).join(Organization, Organization.id == Result.organization_id)
            .where(Organization.name.in_(("东海医科大学", "市生物医药创新研究院")))
        ).all()  # fmt: skip
        assert medical and set(medical) <= {"健康医药", "现代农业"}, sorted(set(medical))
        # The 2020 records (fast channel, visits) were last changed in 2020: 我的需求 lists by last change and put
        # them, solved and closed years ago, above the enterprise's current needs.
        changed = db.session.scalars(db.select(TechNeed.updated_at).where(TechNeed.created_at < datetime(2021, 1, 1)))
        assert {d.year for d in changed} == {2020}
        # A registrant who stayed away has no watch time from the export (the attendance page showed 43 分钟, 导入
        # beside an unticked box).
        absent = db.session.execute(
            db.select(LiveRegistration.minutes, LiveRegistration.attendance_source).filter_by(attended=False)
        ).all()  # fmt: skip
        assert absent and set(absent) == {(None, None)}
        again = runner.invoke(args=["demo"])
        assert again.exit_code != 0 and "不是空的" in again.output
        for email in ("admin@demo.cn", "broker1@demo.cn", "ent1@demo.cn", "res1@demo.cn", None):
            client = app.test_client()
            if email:
                resp = client.post("/auth/login", data={"email": email, "password": "demo12345"})
                assert resp.status_code == 302
            status = crawl(client, "/dashboard" if email else "/")
            bad = {u: s for u, s in status.items() if s != 200}
            assert not bad, f"{email}: {bad}"
        db.session.remove()
        db.engine.dispose()
