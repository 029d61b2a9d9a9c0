"""Index versions on disk: arrays memory-mapped read-only and shared, the rest pickled."""

import pickle
import time

import numpy as np
import pytest

from matchmaker.matching import store
from matchmaker.matching.docs import Doc
from matchmaker.matching.engine import MatchEngine
from matchmaker.matching.store import IndexStore

from . import corpus

pytestmark = pytest.mark.usefixtures("explaining")  # compiled and numpy explanations

NEEDS = corpus.NEEDS[:3]
RESULTS = [d for d in corpus.RESULTS if d.id != 14]


@pytest.fixture
def every_array_mapped(monkeypatch):
    """Map even the tiny corpus's arrays (normally only those of 64 KB and more are)."""
    monkeypatch.setattr(store, "_MIN_BYTES", 1)


def _mapped(a) -> bool:
    while a is not None:
        if isinstance(a, np.memmap) or type(a).__name__ == "mmap":
            return True
        a = getattr(a, "base", None)
    return False


def test_arrays_are_mapped_read_only(tmp_path, every_array_mapped):
    """The big arrays of a loaded version are read-only maps of .npy files, sparse ones included."""
    engine = MatchEngine().fit(NEEDS, RESULTS)
    IndexStore(tmp_path).save(engine)
    loaded = IndexStore(tmp_path).load()
    side = loaded.results_
    arrays = (side.X.data, side.X.indices, side.X.indptr, side.postings.data, side.Z, loaded.latent_.components_)
    for a in arrays:
        assert _mapped(a) and not a.flags.writeable
    assert side.dead.flags.writeable and loaded.vectorizer_.extra_df_.flags.writeable  # updated in place
    assert list((tmp_path / f"index-{engine.version_}").glob("*.npy"))
    assert loaded.results_for_need(1) == engine.results_for_need(1)
    assert loaded.needs_for_result(12) == engine.needs_for_result(12)


def test_saved_with_min_bytes_every_array_is_mapped(tmp_path):
    """engine.warm_up saves its tiny index so (its loaded copy is queried as a large index's would be)."""
    engine = MatchEngine().fit(NEEDS, RESULTS)
    store.save(engine, tmp_path, min_bytes=1)
    loaded = store.load(tmp_path)
    assert _mapped(loaded.results_.Z) and not loaded.results_.X.data.flags.writeable
    assert loaded.results_for_need(1) == engine.results_for_need(1)
    store.save(MatchEngine().fit(NEEDS, RESULTS[:-1]), tmp_path / "default")
    assert not _mapped(store.load(tmp_path / "default").results_.Z)  # a tiny index's arrays stay in the pickle


def test_explanation_tables_saved_and_mapped(tmp_path, every_array_mapped):
    """The word tables explanations use are saved with the index and mapped by every process that
    loads it (not rebuilt as private memory in each), and explain as the fitted engine's do."""
    from matchmaker.matching import wordshare

    engine = MatchEngine().fit(NEEDS, RESULTS)
    IndexStore(tmp_path).save(engine)
    loaded = IndexStore(tmp_path).load()
    t = loaded.vectorizer_.__dict__.get("word_tables_")
    assert t is not None and wordshare.tables(loaded.vectorizer_) is t
    for a in (t.grams, t.counts, t.ptr, t.first, t.last):
        assert _mapped(a) and not a.flags.writeable
    assert t.names == loaded.vectorizer_.words()
    assert loaded.results_for_need(1) == engine.results_for_need(1)
    assert loaded.results_for_need(1)[0].reasons


def test_loaded_engine_takes_updates(tmp_path, every_array_mapped):
    """Adding, removing and compacting work on a loaded engine as on a fitted one."""
    fitted = MatchEngine().fit(NEEDS, RESULTS)
    fitted.save(tmp_path)
    for engine in (fitted, IndexStore(tmp_path).load()):
        engine.add_need(Doc(9, "锂电池正极材料回收", "锂离子电池", "回收锂离子电池正极材料。"))
        engine.remove_result(11)
        engine.remove_need(1)
        engine.results_.compact()
        engine.needs_.compact()
    assert engine.results_for_need(9) == fitted.results_for_need(9)
    assert engine.results_for_need(9)[0].result_id == 15
    assert 11 not in engine.ids("results") and 1 not in engine.ids("needs")


def test_old_single_pickle_version_loads(tmp_path):
    """A version saved as one pickle, before the memory-mapped layout, still loads."""
    engine = MatchEngine().fit(NEEDS, RESULTS)
    (tmp_path / f"index-{engine.version_}.pkl").write_bytes(pickle.dumps(engine))
    (tmp_path / "CURRENT").write_text(engine.version_)
    assert IndexStore(tmp_path).load().results_for_need(2) == engine.results_for_need(2)


def test_old_versions_pruned(tmp_path):
    """Three versions stay on disk; CURRENT points at the newest."""
    engine = MatchEngine().fit(NEEDS, RESULTS)
    versions = []
    for i in range(5):
        engine.version_ = f"v{i}"
        versions.append(IndexStore(tmp_path).save(engine))
        time.sleep(0.01)  # distinct modification times
    assert sorted(p.name for p in tmp_path.glob("index-*")) == ["index-v2", "index-v3", "index-v4"]
    assert IndexStore(tmp_path).current_version() == "v4"
