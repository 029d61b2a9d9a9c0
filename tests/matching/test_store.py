"""Index versions on disk: arrays memory-mapped read-only and shared, the rest pickled."""

import pickle
import time

import numpy as np
import pytest

from matchmaker.matching import store
from matchmaker.matching.docs import Doc
from matchmaker.matching.engine import MatchEngine
from matchmaker.matching.store import IndexStore

NEEDS = [
    Doc(1, "智能门锁指纹识别模块开发", "智能门锁 指纹识别", "需要低功耗的智能门锁指纹识别方案，用于家用防盗门。"),
    Doc(2, "LED照明灯具散热技术", "led照明 散热设计", "寻求大功率LED照明灯具的散热设计技术，降低结温。"),
    Doc(3, "中药配方颗粒质量控制", "中药配方颗粒", "希望提升中药配方颗粒的质量控制与一致性评价水平。"),
]
RESULTS = [
    Doc(11, "电容式指纹识别芯片", "指纹识别", "用于智能门锁的电容式指纹识别芯片与识别算法，功耗低。"),
    Doc(12, "石墨烯导热膜", "石墨烯 散热", "石墨烯导热膜用于LED照明灯具散热，显著降低灯具温度。"),
    Doc(13, "中药配方颗粒指纹图谱质控方法", "中药配方颗粒 质量控制", "建立中药配方颗粒的质量控制方法。"),
    Doc(15, "锂离子电池正极材料", "锂离子电池 正极材料", "高镍正极材料的制备工艺。"),
]


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
