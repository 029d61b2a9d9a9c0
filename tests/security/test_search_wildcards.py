"""Searches find % and _ as characters: they were LIKE wildcards, so "%" or "_" listed every row."""

from matchmaker.admin.services import org_query, user_query
from matchmaker.extensions import db

from ..factories import make_org, make_user


def test_admin_searches_take_percent_and_underscore_literally(app):
    make_org("enterprise", name="百分之百科技有限公司")
    make_org("enterprise", name="100%_纯净科技有限公司")
    make_user("researcher", name="张三")
    make_user("researcher", name="李_四")
    orgs = [o.name for o in db.session.scalars(org_query(q="%"))]
    assert orgs == ["100%_纯净科技有限公司"]
    assert [o.name for o in db.session.scalars(org_query(q="0%_"))] == ["100%_纯净科技有限公司"]
    assert [u.name for u in db.session.scalars(user_query(q="_"))] == ["李_四"]
