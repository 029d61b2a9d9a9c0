"""All models, importable from one place."""

import time
import weakref

from sqlalchemy import event
from sqlalchemy.exc import DisconnectionError

from .accounts import LoginAttempt, Organization, User
from .api import ApiIdempotencyKey, ApiToken
from .brokers import BrokerAssignment, Event, FollowUp, event_need, event_result, event_suggestion
from .changes import ListingChange
from .contracts import AuditLog, Contract, ContractMonthTotal  # noqa: F401
from .enums import (
    ACTIVE_STATUSES,
    Channel,
    Confidentiality,
    ContractType,
    CoopMode,
    CredentialKind,
    DeclineReason,
    DocumentStatus,
    FollowUpKind,
    ImportStatus,
    IPType,
    ListingStatus,
    Maturity,
    OrgKind,
    RegistrationStatus,
    RejectReason,
    ResponseKind,
    Role,
    SigningParty,
    Source,
    SuggestionStatus,
    TransferMode,
)
from .financing import FinancingCase, FinancingStep  # noqa: F401
from .generations import DataGeneration  # noqa: F401
from .imports import ImportBatch
from .index_jobs import IndexJob, IndexVersion
from .jobs import PendingJob
from .listings import DomainTerm, Result, Taxonomy, TechNeed, Zone, need_zone, result_zone
from .live import AttendanceImport, LiveGuest, LiveRegistration, LiveSession  # noqa: F401
from .notifications import Notification
from .signing import ContractDocument, ContractSignature, SigningCredential
from .submissions import SubmissionKey
from .suggestions import MatchSuggestion, SuggestionMove
from .training import Certificate, TrainingCourse, TrainingEnrolment, TrainingModule, TrainingSession  # noqa: F401
from .urgent import UrgentRequest, UrgentSetting  # noqa: F401
from .visits import Visit, VisitExpert, visit_need  # noqa: F401

__all__ = [
    "ACTIVE_STATUSES", "AuditLog", "BrokerAssignment", "Channel", "Confidentiality", "Contract",
    "ContractType", "CoopMode", "DeclineReason", "DomainTerm", "Event", "FollowUp", "FollowUpKind", "IPType",
    "ImportBatch", "ImportStatus", "IndexJob", "IndexVersion", "ListingChange", "ListingStatus", "LoginAttempt", "MatchSuggestion", "Maturity",
    "Notification", "OrgKind",
    "Organization", "RegistrationStatus", "RejectReason", "ResponseKind", "Result", "Role", "Source",
    "SuggestionMove", "SuggestionStatus", "Taxonomy", "TechNeed", "TransferMode", "User", "Zone", "event_need",
    "event_result", "event_suggestion", "need_zone", "result_zone",
    "PendingJob",  # background jobs
    "SubmissionKey",  # one-time form keys
    # online signing
    "ContractDocument", "ContractSignature", "CredentialKind", "DocumentStatus", "SigningCredential", "SigningParty",
    # the JSON API
    "ApiIdempotencyKey", "ApiToken",
]  # fmt: skip

# Engines whose listeners are set, held weakly: keyed by the engine itself, not id(engine), which a new engine
# takes over from a collected one (a test process makes hundreds): the new engine then went without foreign keys.
_with_pragmas = weakref.WeakSet()
_with_ping = weakref.WeakSet()


def sqlite_pragmas(engine):
    """WAL and foreign keys for SQLite connections (once per engine)."""
    if engine.dialect.name != "sqlite" or engine in _with_pragmas:
        return
    _with_pragmas.add(engine)

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_conn, _record):
        cur = dbapi_conn.cursor()
        cur.execute("PRAGMA foreign_keys=ON")
        if engine.url.database not in (None, "", ":memory:"):
            cur.execute("PRAGMA journal_mode=WAL")
            cur.execute("PRAGMA synchronous=NORMAL")
        cur.close()


def ping_after_idle(engine, seconds):
    """Ping a pooled connection before use when it was returned more than ``seconds`` ago (or at every
    checkout when 0); a dead one is replaced (DisconnectionError makes the pool reconnect). Once per engine."""
    if engine.dialect.name == "sqlite" or engine in _with_ping:
        return
    _with_ping.add(engine)

    @event.listens_for(engine, "connect")
    def _fresh(dbapi_conn, record):
        record.info["returned_at"] = time.monotonic()

    @event.listens_for(engine, "checkin")
    def _returned(dbapi_conn, record):
        record.info["returned_at"] = time.monotonic()

    @event.listens_for(engine, "checkout")
    def _check(dbapi_conn, record, proxy):
        if time.monotonic() - record.info.get("returned_at", 0.0) < seconds:
            return
        try:
            engine.dialect.do_ping(dbapi_conn)
        except engine.dialect.loaded_dbapi.Error as exc:
            if engine.dialect.is_disconnect(exc, dbapi_conn, None):
                raise DisconnectionError() from exc
            raise
