"""我的对接 (an owner's pairs) reads the owner's pairs from their listings on every page, not every owner's pairs.

Measured 2026-12-07 on SQLite at 100,000 pairs of 500 enterprises' needs and 200 researchers' results: page 1 read
the owner's needs' pairs and sorted them (0.1-0.3 ms), but a page after or before a pair range-scanned
(status, last_activity_at) from the cursor through every owner's pairs (1.2-2.4 s; 340-420 ms in 待我回复意向, whose
statuses, once that bound drew no index, had every pair of theirs read: 60-110 ms); 0.1-0.9 ms from the owner's listings
(queries.Unindexed). Planned on a database made by the migrations; SQLite only (PostgreSQL plans by its statistics).
"""

import html
import random
import re
from datetime import datetime, timedelta

import pytest
from flask_migrate import upgrade
from sqlalchemy import insert

from matchmaker.extensions import db
from matchmaker.models import MatchSuggestion, Result, TechNeed
from matchmaker.models.enums import IN_PROGRESS_STATUSES

from ..conftest import AuthActions, app_on
from ..factories import make_user
from ..sql import page_id_reads

BASE = datetime(2026, 6, 1, 9, 0)


def _seed(owners, others=30, per_listing=4):
    """Each owner's listings (3 needs of the enterprise's, 3 results of the researcher's) and others' listings,
    every pair of one listing of each side: pairs waiting for a reply mostly, then suggested ones."""
    ent, res = owners
    orgs = [ent.organization_id] * 3 + [make_user("enterprise").organization_id for _ in range(others)]
    people = [res] * 3 + [make_user("researcher") for _ in range(others)]
    db.session.execute(insert(TechNeed), [{"organization_id": o, "title": f"需求{i}", "status": "published"}
                                          for i, o in enumerate(orgs)])  # fmt: skip
    db.session.execute(insert(Result), [{"organization_id": p.organization_id, "owner_id": p.id, "title": f"成果{i}",
                                         "status": "published"} for i, p in enumerate(people)])  # fmt: skip
    need_ids = db.session.scalars(db.select(TechNeed.id).order_by(TechNeed.id)).all()
    result_ids = db.session.scalars(db.select(Result.id).order_by(Result.id)).all()
    rnd, rows = random.Random(3), []
    statuses = [*IN_PROGRESS_STATUSES, "suggested"]
    for n in need_ids:
        for r in rnd.sample(result_ids, per_listing * 3):
            made = BASE + timedelta(minutes=rnd.randrange(100_000))
            rows.append({"need_id": n, "result_id": r, "status": rnd.choice(statuses), "score": 0.5, "reasons": [],
                         "engine_version": "test", "manual": False, "created_at": made, "updated_at": made,
                         "last_activity_at": made + timedelta(minutes=rnd.randrange(10_000))})  # fmt: skip
    db.session.execute(insert(MatchSuggestion), rows)
    db.session.commit()


def _link(body, rel):
    found = re.search(rf'<a class="page-link" rel="{rel}" href="([^"]+)">', body)
    return html.unescape(found.group(1)) if found else None


def _plan(statement, parameters):
    with db.engine.connect() as conn:
        return " | ".join(r[-1] for r in conn.exec_driver_sql("EXPLAIN QUERY PLAN " + statement, parameters))


def test_every_page_of_my_pairs_reads_the_owners_pairs_from_their_listings(fresh_db_url, tmp_path):
    """Page 1, the page after it (下一页) and the page before that (上一页), of 我的对接 and of 待我回复意向, for an
    enterprise and a researcher: each statement reads the pairs of the owner's needs (by need_id) or results (by
    result_id), none from a status index."""
    app = app_on(fresh_db_url, tmp_path)
    with app.app_context():
        if db.engine.dialect.name != "sqlite":
            pytest.skip("PostgreSQL plans by its statistics")
        upgrade(directory=app.extensions["migrate"].directory)
        owners = make_user("enterprise"), make_user("researcher")
        _seed(owners)
        checked = 0
        for owner, by in zip(owners, ("(need_id=?)", "(result_id=?)"), strict=True):
            checked += _check(app, owner, by)
        assert checked >= 12
        db.session.remove()
        db.engine.dispose()


def _check(app, owner, by):
    """How many statements reading a page's ids were planned for ``owner``, each asserted to read the pairs ``by``
    their listings; in an app context of its own (the requests share it, and its g the user logged in)."""
    checked = 0
    with app.app_context():
        client = app.test_client()
        AuthActions(client).login(owner)
        for url in ("/broker/mine", "/broker/mine?awaiting=1"):
            with page_id_reads() as reads:
                body = client.get(url).get_data(as_text=True)
                body = client.get(_link(body, "next")).get_data(as_text=True)
                assert _link(body, "prev"), (owner.role, url)
                client.get(_link(body, "prev"))
            assert len(reads) >= 3, (owner.role, url, reads)
            for statement, parameters in reads:
                plan = _plan(statement, parameters)
                assert "SEARCH match_suggestion USING INDEX " in plan and by in plan, (owner.role, url, plan)
                assert "ix_match_suggestion_status" not in plan, (owner.role, url, plan)
                checked += 1
    return checked
