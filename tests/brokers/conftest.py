"""A need, a result, their owners and brokers, for the brokers' tests."""

import pytest

from matchmaker.extensions import db
from matchmaker.models import MatchSuggestion, Notification, SuggestionMove

from ..factories import make_need, make_org, make_result, make_suggestion, make_user


@pytest.fixture
def sides(app):
    """An enterprise with a need, a researcher with a result, two brokers, a suggestion for broker 1."""
    ent_org = make_org("enterprise", contact_name="企业联系人", contact_phone="13800000001",
                       contact_email="ent@example.cn", industry="新能源")  # fmt: skip
    ent = make_user("enterprise", org=ent_org, name="企业甲")
    res = make_user("researcher", name="研究员乙", phone="13900000002")
    need = make_need(user=ent, title="储能电池热管理", keywords="储能,电池", industry="新能源",
                     contact_name="需求联系人", contact_phone="13800009999")  # fmt: skip
    result = make_result(user=res, title="电池热失控预警技术", keywords="电池,储能", contact_email="lab@uni.cn")
    b1, b2 = make_user("broker", name="经纪人一"), make_user("broker", name="经纪人二")
    s = make_suggestion(need, result, broker=b1, score=0.62)
    return dict(ent=ent, res=res, need=need, result=result, b1=b1, b2=b2, s=s)


def reload(s):
    db.session.expire_all()
    return db.session.get(MatchSuggestion, s.id)


def moves(s):
    return [
        (m.from_status, m.to_status)
        for m in db.session.scalars(db.select(SuggestionMove).filter_by(suggestion_id=s.id).order_by(SuggestionMove.id))
    ]


def notes_of(user):
    return [n.text for n in db.session.scalars(db.select(Notification).filter_by(user_id=user.id))]
