"""Two applications pledging one patent sent at the same moment (two tabs, or two staff of one enterprise, each
with its own form): the open-case check ran in both before either committed, so on PostgreSQL both were saved
and the patent was pledged twice. One is saved; the other is refused with what to do, the form kept."""

from matchmaker.extensions import db
from matchmaker.models import FinancingCase
from matchmaker.utils.once import new_key

from ..factories import make_user
from ..races import posts_at_once
from .test_financing import _valid_patent


def _client(app, email):
    c = app.test_client()
    assert c.post("/auth/login", data={"email": email, "password": "password123"}).status_code == 302
    return c


def test_two_applications_pledging_one_patent_at_once_save_one(file_app):
    """Two colleagues apply with the same patent at once: one case, the other told 请勿重复申请."""
    with file_app.app_context():
        first = make_user("enterprise")
        second = make_user("enterprise", org=first.organization)
        emails = [first.email, second.email]
        db.session.remove()
    clients = [_client(file_app, e) for e in emails]
    patent = _valid_patent()
    bodies = [{"patents": patent, "amount_wanted": "300", "term_months": "12", "purpose": f"第{i}份申请",
               "submission_key": new_key()} for i in range(2)]  # fmt: skip
    answers = posts_at_once(clients, "/financing/new", bodies)
    codes = sorted(a.status_code for a in answers)
    assert codes == [302, 400], codes
    refused = next(a for a in answers if a.status_code == 400).get_data(as_text=True)
    assert f"专利 {patent} 已在本单位" in refused and "请勿重复申请" in refused
    with file_app.app_context():
        assert db.session.scalar(db.select(db.func.count(FinancingCase.id))) == 1
        db.session.remove()
