"""A database restored from a backup while processes run: their engines must not keep what the restore
took away, nor skip the changes written after it (the change log's ids start again from the backup's)."""

from sqlalchemy import text

from matchmaker.extensions import db
from matchmaker.models import MatchSuggestion
from matchmaker.suggestions import indexing
from matchmaker.suggestions.services import schedule_matching

from ..factories import make_need, make_result
from .conftest import NEED_TEXT

BATTERY_NEED = dict(title="废旧锂离子电池正极材料回收", keywords="锂离子电池,正极材料",
                    problem="需要从废旧锂离子电池中回收高镍正极材料并再生，提升量产一致性。")  # fmt: skip
BATTERY_RESULT = dict(title="锂离子电池正极材料再生技术", keywords="锂离子电池,正极材料",
                      abstract="废旧锂离子电池高镍正极材料的回收再生工艺与量产方案。")  # fmt: skip


def _restore_to(change_id, need_id):
    """What restoring a backup taken when the log ended at ``change_id`` does: the need written since is
    gone and the log (with its id sequence) is back where it was; no change row records it."""
    db.session.execute(text("DELETE FROM tech_need WHERE id = :i"), {"i": need_id})
    db.session.execute(text("DELETE FROM listing_change WHERE id > :i"), {"i": change_id})
    if db.engine.dialect.name == "sqlite":
        db.session.execute(text("UPDATE sqlite_sequence SET seq = :i WHERE name = 'listing_change'"), {"i": change_id})
    else:
        db.session.execute(text("SELECT setval(pg_get_serial_sequence('listing_change', 'id'), :i)"), {"i": change_id})
    db.session.commit()


def test_changes_written_after_a_restore_reach_a_running_engine(app, corpus):
    indexing.get_engine()
    before = indexing._slot().cursor  # the backup is taken here
    lock = make_need(user=corpus["enterprise"], **NEED_TEXT).id
    assert lock in set(indexing.get_engine().ids("needs"))  # this process saw the need
    _restore_to(before, lock)
    battery = make_need(user=corpus["enterprise"], **BATTERY_NEED)  # written after the restore
    result = make_result(user=corpus["researcher"], **BATTERY_RESULT)
    schedule_matching(result)
    db.session.commit()  # the result's matching job runs in this process
    pairs = db.session.execute(db.select(MatchSuggestion.need_id).filter_by(result_id=result.id)).scalars().all()
    assert battery.id in pairs
    if battery.id != lock:
        assert lock not in set(indexing.get_engine().ids("needs"))
