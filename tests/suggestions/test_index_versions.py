"""Index versions in the database: written by a refit, switched to when ready, checked, private files."""

import hashlib
import stat
from pathlib import Path

from matchmaker.extensions import db
from matchmaker.matching.store import IndexStore
from matchmaker.models import IndexVersion
from matchmaker.suggestions import indexing
from matchmaker.suggestions.refit import rebuild


def _versions():
    return db.session.scalars(db.select(IndexVersion).order_by(IndexVersion.id)).all()


def _other_version(app, name):
    """Another process's refit: the same engine saved under a new version name (files only)."""
    store = IndexStore(app.config["INDEX_DIR"])
    engine = store.load(indexing.get_engine().version_)  # a copy of its own, not this process's engine
    engine.version_ = name
    store.save(engine)
    return store.checksum(name)


def test_refit_writes_a_ready_version_with_checksum_and_private_files(app, corpus):
    """A refit's version row is ready, names its parameters and documents, and checks its files;
    the files are readable by the platform's user alone."""
    engine = rebuild(trigger="cli")
    row = _versions()[-1]
    assert (row.version, row.state, row.documents) == (engine.version_, "ready", 8)
    assert row.parameters["semantic_weight"] == engine.semantic_weight and row.job_id and row.ready_at
    folder = Path(app.config["INDEX_DIR"]) / f"index-{row.version}"
    assert row.checksum == hashlib.sha256((folder / "engine.pkl").read_bytes()).hexdigest()
    assert stat.S_IMODE(folder.stat().st_mode) == 0o700
    assert stat.S_IMODE(Path(app.config["INDEX_DIR"]).stat().st_mode) == 0o700
    assert {stat.S_IMODE(p.stat().st_mode) for p in folder.iterdir()} == {0o600}


def test_processes_switch_when_the_row_says_ready(app, corpus):
    """Files of a new version alone change nothing; its row marked ready makes the next query use it."""
    first = rebuild(trigger="cli").version_
    checksum = _other_version(app, "v-other")
    assert indexing.get_engine().version_ == first  # CURRENT moved, but the database still says `first`
    db.session.add(IndexVersion(version="v-other", state="ready", checksum=checksum, documents=8))
    db.session.commit()
    assert indexing.get_engine().version_ == "v-other"


def test_files_not_matching_the_checksum_are_refused(app, corpus):
    """A ready version whose files differ from its checksum is not loaded; the index in use stays."""
    first = rebuild(trigger="cli").version_
    _other_version(app, "v-bad")
    db.session.add(IndexVersion(version="v-bad", state="ready", checksum="0" * 64, documents=8))
    db.session.commit()
    assert indexing.get_engine().version_ == first
    assert indexing.get_engine().version_ == first  # and not tried again on every query


def test_pruned_versions_are_retired(app, corpus):
    """Older versions whose files were pruned (three are kept) are marked retired."""
    for _ in range(4):
        rebuild(trigger="cli", suggest=False)
    states = [v.state for v in _versions()]
    assert states[-1] == "ready" and states.count("retired") >= 1 and "saving" not in states


def test_admin_page_lists_versions(app, corpus, client, auth):
    """The matching-engine page shows the saved versions with their state and checksum."""
    from ..factories import make_user

    rebuild(trigger="cli")
    row = _versions()[-1]
    auth.login(make_user("admin"))
    body = client.get("/matches/admin/index").get_data(as_text=True)
    assert "索引版本" in body and row.version in body and row.checksum[:12] in body and "可用" in body
    # its parameters in words (they showed as n_components=64)
    assert f"语义维度 {row.parameters['n_components']}" in body and "n_components" not in body
