"""Two saves from one edit page at the same moment (a double click, two tabs of one version): identical ones
both go through (the second changes nothing), different ones keep one and refuse the other (review of
versions.unless_stale, 2026-12-05)."""

from matchmaker.extensions import db
from matchmaker.listings import services
from matchmaker.listings.kinds import NEED
from matchmaker.models import TechNeed
from matchmaker.utils.versions import EditConflict

from ..races import at_once
from .helpers import need


def _data(listing, title):
    data = {f: getattr(listing, f) for f in NEED.fields}
    return data | {"title": title, "budget": (listing.budget_wan, listing.budget_negotiable), "zones": []}


def test_identical_saves_at_once_both_go_through_and_different_ones_keep_one(file_app):
    with file_app.app_context():
        n = need(title="原标题")
        nid, shown = n.id, services.content_version(n)
        db.session.remove()

    def call(title, version):
        def prepare():
            listing = db.session.get(TechNeed, nid)
            data = _data(listing, title)
            return lambda: services.update(listing, data, version=version)

        return prepare

    assert at_once(file_app, [call("同一标题", shown), call("同一标题", shown)], EditConflict) == ["ok", "ok"]
    with file_app.app_context():
        shown = services.content_version(db.session.get(TechNeed, nid))
        db.session.remove()
    out = at_once(file_app, [call("甲", shown), call("乙", shown)], EditConflict)
    assert sorted(o == "ok" for o in out) == [False, True], out
    assert all(o == "ok" or "已被修改并保存" in o for o in out), out
    with file_app.app_context():
        assert db.session.get(TechNeed, nid).title in {"甲", "乙"}
        db.session.remove()
