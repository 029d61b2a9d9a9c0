"""The seats of a session lowered (编辑场次: 名额 set to the number registered, closing it) at the moment someone
registers: the registration counted its seats against the capacity its page had read, so it went through after
the lowering committed and the session held more registrations than its 名额. Now the registration reads the
capacity with the session's row held: one of the two is refused."""

from matchmaker.classes import services
from matchmaker.extensions import db
from matchmaker.models import LiveRegistration, LiveSession, User

from ..factories import make_user
from ..races import at_once
from .test_classes import make_session


def test_seats_lowered_while_someone_registers_are_never_exceeded(file_app):
    """名额 10 → 1 with one registered, and a second registration at once: never two registrations for one seat."""
    with file_app.app_context():
        broker = make_user("broker")
        s = make_session(creator=broker, capacity=10)
        services.register(s, make_user("enterprise"))
        sid, broker_id, user_id = s.id, broker.id, make_user("researcher").id
        db.session.remove()

    def lower():
        session, actor = db.session.get(LiveSession, sid), db.session.get(User, broker_id)
        data = {name: getattr(session, name) for name in services.FORM_FIELDS}
        shown = services.session_version(session)  # the edit page as loaded
        return lambda: services.save_session(session, dict(data, capacity=1), actor, version=shown)

    def register():
        session, user = db.session.get(LiveSession, sid), db.session.get(User, user_id)
        session.capacity, user.role  # noqa: B018 - loaded before the others act, as the request's page would have
        return lambda: services.register(session, user)

    outcomes = at_once(file_app, [lower, register], services.LiveError)
    with file_app.app_context():
        capacity = db.session.get(LiveSession, sid).capacity
        taken = db.session.scalar(db.select(db.func.count(LiveRegistration.id)).filter_by(session_id=sid))
        assert taken <= capacity, (outcomes, taken, capacity)
        assert outcomes.count("ok") == 1, outcomes
        db.session.remove()
