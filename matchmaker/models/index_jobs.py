"""Matching-index jobs: one row per refit, with its progress, readable by every process."""

from ..extensions import db
from .base import utcnow
from .enums import IndexJobStatus


class IndexJob(db.Model):
    """A full index refit (vocabulary, IDF, suggestions), polled by the admin page."""

    __tablename__ = "index_job"
    # At most one job is queued or running: ``active`` is True for those and NULL otherwise, under a
    # unique index, so four simultaneous starts insert one row (the others get IntegrityError).
    __table_args__ = (db.Index("uq_index_job_active", "active", unique=True),)
    id = db.Column(db.Integer, primary_key=True)
    active = db.Column(db.Boolean)
    status = db.Column(db.String(20), nullable=False, default="queued", index=True)  # queued/running/done/failed
    trigger = db.Column(db.String(20), nullable=False, default="admin")  # admin / cli / schedule / auto / demo
    stage = db.Column(db.String(20), nullable=False, default="")
    done = db.Column(db.Integer, nullable=False, default=0)
    total = db.Column(db.Integer, nullable=False, default=0)
    message = db.Column(db.String(500), nullable=False, default="")
    version = db.Column(db.String(40))
    documents = db.Column(db.Integer)
    vocabulary = db.Column(db.Integer)
    suggestions = db.Column(db.Integer)
    seconds = db.Column(db.Float)  # wall time of the whole job, not money
    dictionary = db.Column(db.String(20))  # domain-dictionary version the cached tokens were made with
    requested_by_id = db.Column(db.Integer, db.ForeignKey("user.id"))
    created_at = db.Column(db.DateTime, nullable=False, default=utcnow, index=True)
    started_at = db.Column(db.DateTime)
    finished_at = db.Column(db.DateTime)
    # Written every few seconds by the process running the job: a running job whose heartbeat is
    # older than JOBS_STALE_SECONDS belonged to a process that died, and is run again.
    heartbeat_at = db.Column(db.DateTime)
    attempts = db.Column(db.Integer, nullable=False, default=0)

    requested_by = db.relationship("User")

    STAGE_LABELS = {
        "": "排队中",
        "load": "读取需求与成果",
        "tokenize": "分词",
        "vectorize": "构建词表与权重",
        "semantic": "计算语义空间",
        "index": "建立索引",
        "save": "保存索引",
        "suggest": "计算匹配建议",
        "done": "已完成",
    }

    @property
    def stage_label(self):
        return self.STAGE_LABELS.get(self.stage, self.stage)

    @property
    def status_label(self):
        return IndexJobStatus.label_of(self.status)

    @property
    def percent(self):
        """Progress of the current stage in percent (0 when unknown)."""
        if self.status == "done":
            return 100
        return int(100 * self.done / self.total) if self.total else 0


class IndexVersion(db.Model):
    """One saved index version (the memory-mapped files ``INDEX_DIR/index-<version>/``).

    A refit writes the row as ``saving``, saves the files, then marks it ``ready`` with the
    checksum of its ``engine.pkl``: every process switches to the newest ready version at its next
    query (and refuses files whose checksum differs). Versions whose files were pruned are
    ``retired``; a save that failed is ``failed``.
    """

    __tablename__ = "index_version"
    id = db.Column(db.Integer, primary_key=True)
    version = db.Column(db.String(40), nullable=False, unique=True)  # the directory's name
    parameters = db.Column(db.JSON, nullable=False, default=dict)  # the engine's constructor parameters
    documents = db.Column(db.Integer, nullable=False, default=0)
    checksum = db.Column(db.String(64))  # SHA-256 of engine.pkl, once saved
    state = db.Column(db.String(20), nullable=False, default="saving", index=True)  # saving/ready/retired/failed
    job_id = db.Column(db.Integer, db.ForeignKey("index_job.id"), index=True)
    created_at = db.Column(db.DateTime, nullable=False, default=utcnow, index=True)
    ready_at = db.Column(db.DateTime)

    STATE_LABELS = {"saving": "保存中", "ready": "可用", "retired": "已清理", "failed": "保存失败"}

    @property
    def state_label(self):
        return self.STATE_LABELS.get(self.state, self.state)
