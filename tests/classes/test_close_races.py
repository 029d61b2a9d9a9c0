"""A session unpublished (编辑场次: 发布 unticked, closing it) while someone's 报名参加 is on its way: the registration
checked 发布 on the copy its request had loaded, so it landed in the session after the unpublishing committed. Now
it reads the session with its row held (the edit holds it too): the two serialise, and the one second sees the
first."""

from matchmaker.classes import services
from matchmaker.extensions import db
from matchmaker.models import LiveRegistration, LiveSession, User

from ..factories import make_user
from ..races import after_another, at_once
from .test_classes import make_session


def _setup(app):
    with app.app_context():
        broker = make_user("broker")
        s = make_session(creator=broker, capacity=10)
        ids = s.id, broker.id, make_user("enterprise").id
        db.session.remove()
    return ids


def _unpublish(sid, broker_id):
    session, actor = db.session.get(LiveSession, sid), db.session.get(User, broker_id)
    data = {name: getattr(session, name) for name in services.FORM_FIELDS}
    shown = services.session_version(session)  # the edit page as loaded
    return lambda: services.save_session(session, dict(data, published=False), actor, version=shown)


def _register(sid, user_id):
    session, user = db.session.get(LiveSession, sid), db.session.get(User, user_id)
    session.published, user.role  # noqa: B018 - loaded before the others act, as the request's page would have
    return lambda: services.register(session, user)


def _registered(app, sid):
    with app.app_context():
        n = db.session.scalar(db.select(db.func.count(LiveRegistration.id)).filter_by(session_id=sid))
        published = db.session.get(LiveSession, sid).published
        db.session.remove()
    return n, published


def test_a_registration_loaded_before_the_session_was_unpublished_is_refused(file_app):
    sid, broker_id, user_id = _setup(file_app)
    outcome = after_another(file_app, lambda: _register(sid, user_id), lambda: _unpublish(sid, broker_id)(),
                            services.LiveError)  # fmt: skip
    assert outcome == "该场次尚未发布"
    assert _registered(file_app, sid) == (0, False)


def test_unpublishing_and_registering_at_once_serialise(file_app):
    """Both at the same moment: the registration goes first (then the edit is saved after it) or is refused."""
    sid, broker_id, user_id = _setup(file_app)
    outcomes = at_once(file_app, [lambda: _unpublish(sid, broker_id), lambda: _register(sid, user_id)],
                       services.LiveError)  # fmt: skip
    assert outcomes[0] == "ok" and outcomes[1] in ("ok", "该场次尚未发布"), outcomes
    assert _registered(file_app, sid) == (1 if outcomes[1] == "ok" else 0, False)
