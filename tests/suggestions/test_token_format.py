"""An index fitted before the tokenizer changed: kept from today's tokens, refitted on the job queue."""

import pytest
from sqlalchemy import select, update

from matchmaker.extensions import db
from matchmaker.matching import tokenize as tok
from matchmaker.matching.store import IndexStore
from matchmaker.models import IndexJob, IndexVersion, MatchSuggestion, Result
from matchmaker.suggestions import indexing, refit
from matchmaker.suggestions.refit import rebuild

from ..factories import make_result
from .conftest import publish_need

OLD = "v-old-format"


@pytest.fixture
def old_index(app, corpus):
    """A published Mini LED result, and as the index in use one saved under the previous token format, the
    result's token cache written as that format did (a token today's format no longer makes)."""
    result = make_result(user=corpus["researcher"], title="Mini LED背光灯板", keywords="背光",
                         abstract="Mini LED背光灯板的巨量转移与检测工艺，用于电视背光模组。")  # fmt: skip
    rebuild(trigger="cli")
    store = IndexStore(app.config["INDEX_DIR"])
    engine = store.load(indexing.get_engine().version_)  # a copy of its own, not this process's engine
    engine.version_, engine.token_format_ = OLD, tok.TOKEN_FORMAT - 1
    store.save(engine)
    db.session.add(IndexVersion(version=OLD, state="ready", checksum=store.checksum(OLD), documents=9))
    old_cache = result.tokens.replace("\n", " oldformat\n")
    db.session.execute(update(Result).where(Result.id == result.id).values(tokens=old_cache))
    db.session.commit()
    assert indexing.get_engine().version_ == OLD
    return result


def _suggested(need, result):
    stmt = select(MatchSuggestion).where(MatchSuggestion.need_id == need.id, MatchSuggestion.result_id == result.id)
    return db.session.scalar(stmt)


def test_the_schedule_refits_an_index_of_another_token_format(app, old_index):
    """The periodic check finds the index due ("tokens"); its refit re-tokenises the cached listings."""
    assert indexing.refit_due(indexing.get_engine()) == "tokens"
    job = refit.check_schedule()
    assert job is not None and job.status == "done"
    engine = indexing.get_engine()
    assert engine.version_ != OLD and engine.tokens_current() and indexing.refit_due(engine) is None
    db.session.refresh(old_index)
    assert "oldformat" not in old_index.tokens.split()


def test_a_listing_written_meanwhile_waits_for_the_refit(app, old_index, corpus):
    """A need written while the old index is in use is not put into it (no suggestion from today's tokens against
    the old vocabulary); the worker's periodic check refits, and its re-suggestion matches the need with the result."""
    need = publish_need(corpus["enterprise"], title="MiniLED背光灯板", keywords="背光",
                        problem="寻求MiniLED背光灯板的巨量转移与检测工艺。")  # fmt: skip
    assert indexing.get_engine().version_ == OLD and _suggested(need, old_index) is None
    assert need.id not in set(indexing.get_engine().ids("needs"))
    refit.check_schedule()  # as the worker runs it every 10 minutes
    jobs = db.session.scalars(select(IndexJob).order_by(IndexJob.id)).all()
    assert (jobs[-1].trigger, jobs[-1].status) == ("schedule", "done")
    engine = indexing.get_engine()
    assert engine.version_ != OLD and engine.tokens_current()
    assert _suggested(need, old_index) is not None


def test_the_old_index_never_takes_new_tokens(app, old_index, corpus):
    """Put to the old index, a listing is taken out of it instead (IndexStale), whatever it held before."""
    from matchmaker.listings.tokens import make_doc
    from matchmaker.matching.docs import tokenize_doc

    doc = tokenize_doc(make_doc("result", old_index, retokenize=True))
    with pytest.raises(indexing.IndexStale):
        indexing.index_listing("result", old_index, doc)
    assert old_index.id not in set(indexing.get_engine().ids("results"))
