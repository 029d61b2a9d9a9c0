"""Online signing use cases: prepare the text and PDF, sign as a party, the platform's final signature,
withdraw, verify. Each use case commits once; the PDF work is done by ``matchmaker.signing``.
"""

import logging
import math
import os
import threading
from datetime import UTC, date, timedelta, timezone
from decimal import Decimal

from flask import current_app
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError, OperationalError
from sqlalchemy.orm import undefer
from sqlalchemy.orm.exc import StaleDataError

from ..auth import recent, throttle
from ..extensions import db
from ..models import Contract, ContractDocument, ContractSignature, DocumentStatus, Role, SigningParty, User
from ..models.base import today, utcnow
from ..models.signing import contract_not_awaiting, contract_signed_online
from ..notifications.services import notify
from ..signing import pades
from ..signing.authority import fingerprint
from ..signing.fonts import find_font
from ..signing.isolation import TIMED_OUT, TOO_MUCH_MEMORY, VerifierCrashed, VerifierFailed, verify_isolated
from ..signing.pdf import document_hash, missing_characters, render_pdf
from ..signing.slots import Busy, slot
from ..signing.text import ContractTerms, Party, build_text
from ..signing.verify import NotAPdf  # raised through verify_upload, caught by the routes
from ..utils import once
from ..utils.bounds import id_or_none
from . import lifecycle
from .signing_keys import authority, credential_for, log_issued, signer_for, timestamper, trust_roots

log = logging.getLogger(__name__)
CHINA = timezone(timedelta(hours=8))
SIGNER_ROLES = (Role.ENTERPRISE.value, Role.RESEARCHER.value)
RETRIES = 3
CRASHED_LEAD = "验证进程异常退出："  # the pages' wording of isolation.CRASHED, before what was not verified
FAILED_LEAD = "验证程序出错："  # VerifierFailed: the verifier raised what it never raises for a file (a bug)
FAILED_UPLOAD = "验证程序出错，未能完成验证，请联系平台管理员"  # the same, for an upload (the page, the command)


class SigningError(Exception):
    """A signing step refused, with a Chinese message for the user; ``status`` is the answer's status code;
    ``field``, the sign form's field the message is about (shown beside it), or None."""

    status = 422
    field = None


class WrongPassword(SigningError):
    """The password re-entered to sign is not the signer's: said beside 登录密码 too."""

    field = "password"


class SigningUnverified(SigningError):
    """The platform's final signature was made but its PDF not verified (stopped at the time or memory limit, the
    verifier crashed): nothing was saved, the party may sign again. ``status`` 503 when a less loaded machine may
    finish it (the time limit), else 500."""

    def __init__(self, message, status):
        super().__init__(message)
        self.status = status


class SigningLocked(SigningError):
    """The signer's password is not checked: the account's login is locked for ``retry_after`` seconds."""

    def __init__(self, message, retry_after):
        super().__init__(message)
        self.retry_after = retry_after


class VerifierBusy(Exception):
    """Every verification slot of this machine stayed taken for SIGNING_VERIFY_WAIT: try again in ``retry_after``
    seconds (the route answers 503)."""

    def __init__(self, message, retry_after):
        super().__init__(message)
        self.retry_after = retry_after


class DocumentUnverified(Exception):
    """The stored PDF of a document was not verified: stopped at the time limit (``status`` 503: a less loaded
    machine may finish it), at the memory limit, or unreadable (500); ``str()`` says so in Chinese."""

    def __init__(self, message, status):
        super().__init__(message)
        self.status = status


class NotASigner(SigningError):
    """The user is not the authorised signer of any unsigned party (the route answers 403)."""


class AlreadySigned(SigningError):
    """This party has signed already (a repeated or concurrent submit): nothing more to do."""


def china_time(value):
    """A naive UTC datetime (as stored) or an aware one, in Beijing time."""
    if value is None:
        return None
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    return value.astimezone(CHINA)


# The contract's signing state: recorded → awaiting_signatures → signed_online, and back to recorded when
# a text is withdrawn. The moves belong to the contract state machine (``lifecycle.move``); this module
# prepares, signs and withdraws documents and asks it to move the contract.

RECORDED, AWAITING, SIGNED_ONLINE = lifecycle.RECORDED, lifecycle.AWAITING, lifecycle.SIGNED_ONLINE
STATE_LABELS = {k: lifecycle.LABELS[k] for k in (RECORDED, AWAITING, SIGNED_ONLINE)}
contract_state = lifecycle.signing_state


def latest_document(contract):
    """The newest document of a contract (any status), or None; its bytes are read when used (document_with_pdf
    reads them with it)."""
    return contract.signing_documents.order_by(ContractDocument.version.desc()).first()


def document_with_pdf(contract, version=None):
    """The newest document of a contract, or its version N, with its bytes read in the same statement, so that
    its status and its bytes are of one moment (read apart, a signature saved in between gave a file named
    待签署 holding the signed PDF)."""
    stmt = select(ContractDocument).filter_by(contract_id=contract.id)
    stmt = stmt.filter_by(version=version) if version else stmt.order_by(ContractDocument.version.desc()).limit(1)
    # populate_existing: the status read before (by can_view) is read again with the bytes
    return db.session.scalar(stmt.options(undefer(ContractDocument.pdf)).execution_options(populate_existing=True))


def _move(contract, to, actor, **kw):
    """``lifecycle.move``, its refusal as a SigningError (no commit)."""
    try:
        return lifecycle.move(contract, to, actor, **kw)
    except lifecycle.ContractError as exc:
        raise SigningError(str(exc)) from None


def not_awaiting():
    """SQL condition: the contract is not waiting for signatures."""
    return contract_not_awaiting()


def signed_online():
    """SQL condition: the contract was signed online on the platform."""
    return contract_signed_online()


# Fixed terms: the contract form may not change what is being, or was, signed.
SIGNED_FIELDS = {"contract_no": "合同编号", "type": "合同类型", "title": "合同名称", "amount": "合同金额",
                 "signed_on": "签订日期", "channel": "签订渠道"}  # fmt: skip


def edit_refusal(contract, data):
    """Why the contract form may not save ``data`` now, or None."""
    state = contract_state(contract)
    if state == AWAITING:
        return "合同正在网上签约中，请先在签约页面撤回签约，再修改合同"
    if state != SIGNED_ONLINE:
        return None
    changed = [label for name, label in SIGNED_FIELDS.items() if name in data and data[name] != getattr(contract, name)]
    if data.get("buyer_name", contract.buyer.name) != contract.buyer.name:
        changed.append("甲方")
    if data.get("seller_name", contract.seller.name) != contract.seller.name:
        changed.append("乙方")
    if changed:
        return f"合同已网上签约，{'、'.join(changed)}以签署的 PDF 为准，不能修改（登记编号、登记状态、备注等仍可修改）"
    return None


# Who sees what ----------------------------------------------------------------------------


def can_view(user, contract):
    """Staff who may see the contract, and the signers designated on its newest document while they belong to
    their party (a signer chosen for a text since withdrawn and sent to someone else, or who has left for another
    organisation, sees no more of it than any other outsider)."""
    if not getattr(user, "is_authenticated", False):
        return False
    if contract.can_view(user):
        return True
    doc = latest_document(contract)
    party = doc.party_of(user) if doc is not None else None
    if party is None:
        return False
    return user.organization_id == (contract.buyer_id if party == SigningParty.BUYER.value else contract.seller_id)


def _as_party(user, unsigned=False):
    """SQL condition on a document (its contract joined): the user is its designated signer for a party they still
    belong to (one who has left sees no more of it: ``can_view``); with ``unsigned``, that party has not signed."""
    D, S, C = ContractDocument, ContractSignature, Contract

    def side(signer, org, party):
        cond = (signer == user.id) & (org == user.organization_id)
        return cond & ~select(S.id).where(S.document_id == D.id, S.party == party).exists() if unsigned else cond

    buyer = side(D.buyer_signer_id, C.buyer_id, SigningParty.BUYER.value)
    return buyer | side(D.seller_signer_id, C.seller_id, SigningParty.SELLER.value)


def my_documents(user, awaiting=False):
    """Documents the user is the authorised signer of, newest first (their 待我签署 list); with ``awaiting``
    only those waiting for the user's signature."""
    D = ContractDocument
    stmt = select(D).join(Contract, Contract.id == D.contract_id).where(D.status != DocumentStatus.WITHDRAWN.value)
    if awaiting:
        stmt = stmt.where(D.status == DocumentStatus.AWAITING.value, _as_party(user, unsigned=True))
    else:
        stmt = stmt.where(_as_party(user))
    return stmt.order_by(D.prepared_at.desc(), D.id.desc())


def awaiting_my_signature_count(user):
    """How many documents wait for the user's signature."""
    D = ContractDocument
    return db.session.scalar(
        select(func.count(D.id))
        .join(Contract, Contract.id == D.contract_id)
        .where(D.status == DocumentStatus.AWAITING.value, _as_party(user, unsigned=True))
    )


# Preparing the text -----------------------------------------------------------------------


def signer_choices(org):
    """(id, label) of the organisation's active users who may sign for it."""
    if org is None:
        return []
    rows = db.session.execute(
        select(User.id, User.name, User.email)
        .where(User.organization_id == org.id, User.active.is_(True), User.role.in_(SIGNER_ROLES))
        .order_by(User.name, User.id)
    )
    return [(i, f"{n}（{e}）") for i, n, e in rows]


def prepare_defaults(contract):
    """What the preparation form starts with: the contract's own data and its need and result."""
    need, result = contract.need, contract.result
    subject = "\n".join(x for x in ((need.problem if need else ""), (result.abstract if result else "")) if x)
    start = today()
    return {
        "subject": subject[:4000] or contract.title,
        "payment_terms": "合同生效后十五日内，甲方向乙方一次性支付全部合同金额。",
        "start": start,
        "end": start.replace(year=start.year + 1) - timedelta(days=1),
        "place": contract.buyer.town or "",
        "buyer_address": contract.buyer.address or "",
        "buyer_representative": "",
        "seller_address": contract.seller.address or "",
        "seller_representative": "",
    }


def _party(org, address, representative, signer):
    return Party(
        name=org.name,
        uscc=org.uscc or "",
        address=(address or "").strip(),
        representative=(representative or "").strip(),
        contact=f"{signer.name} {signer.phone or signer.email}".strip(),
    )


def _terms_json(t: ContractTerms):
    party = lambda p: {k: getattr(p, k) for k in ("name", "uscc", "address", "representative", "contact")}  # noqa: E731
    return {
        "contract_no": t.contract_no, "type": t.type, "title": t.title, "buyer": party(t.buyer),
        "seller": party(t.seller), "subject": t.subject, "amount": f"{t.amount:.2f}", "payment_terms": t.payment_terms,
        "start": t.start.isoformat(), "end": t.end.isoformat(), "place": t.place, "acceptance": t.acceptance,
        "ip_terms": t.ip_terms, "extra": t.extra, "prepared_on": t.prepared_on.isoformat(), "version": t.version,
        "platform": t.platform,
    }  # fmt: skip


def terms_of(doc):
    """The ContractTerms a document was built from (rebuilds exactly the text that was signed)."""
    d = doc.terms
    return ContractTerms(
        **{k: d[k] for k in ("contract_no", "type", "title", "subject", "payment_terms", "place", "acceptance",
                             "ip_terms", "extra", "version", "platform")},
        buyer=Party(**d["buyer"]), seller=Party(**d["seller"]), amount=Decimal(d["amount"]),
        start=date.fromisoformat(d["start"]), end=date.fromisoformat(d["end"]),
        prepared_on=date.fromisoformat(d["prepared_on"]),
    )  # fmt: skip


def text_of(doc):
    return build_text(terms_of(doc))


def _check_signer(user_id, org, label):
    user = db.session.get(User, id_or_none(user_id)) if id_or_none(user_id) else None
    if user is None or user.organization_id != org.id or not user.active or user.role not in SIGNER_ROLES:
        raise SigningError(f"{label}签署人必须是{org.name}在平台上的有效账户")
    return user


def prepare_form(contract):
    """The one-time key's form name of a contract's 发起网上签约: a key sent for another contract is not a repeat."""
    return f"contract_document:{contract.id}"


def prepare(actor, contract, data, key=None):
    """Build the contract's text and PDF from the form and ask both parties to sign it.

    ``key``: the form's one-time key; a twin of a submit that sent the text (a double click, both past the
    state check while the PDF was laid out) raises ``once.Repeat`` instead of being refused."""
    try:
        lifecycle.check(contract, AWAITING, actor)  # before the PDF is built
    except lifecycle.ContractError as exc:
        state = lifecycle.state_of(contract)
        if state in (AWAITING, SIGNED_ONLINE):
            raise SigningError(f"这份合同{STATE_LABELS[state]}，不能重复发起") from None
        if state == lifecycle.VOIDED:
            raise SigningError("已作废的合同不能发起网上签约") from None
        raise SigningError(str(exc)) from None
    if contract.buyer_id == contract.seller_id:
        raise SigningError("甲乙双方不能是同一单位")
    buyer_signer = _check_signer(data.get("buyer_signer_id"), contract.buyer, "甲方")
    seller_signer = _check_signer(data.get("seller_signer_id"), contract.seller, "乙方")
    latest = latest_document(contract)
    version = (latest.version + 1) if latest else 1
    try:
        terms = ContractTerms(
            contract_no=contract.contract_no, type=contract.type, title=contract.title,
            buyer=_party(contract.buyer, data.get("buyer_address"), data.get("buyer_representative"), buyer_signer),
            seller=_party(contract.seller, data.get("seller_address"), data.get("seller_representative"), seller_signer),
            subject=data["subject"].strip(), amount=contract.amount, payment_terms=data["payment_terms"].strip(),
            start=data["start"], end=data["end"], place=(data.get("place") or "").strip(),
            acceptance=(data.get("acceptance") or "").strip(), ip_terms=(data.get("ip_terms") or "").strip(),
            extra=(data.get("extra") or "").strip(), prepared_on=today(), version=version,
            platform=current_app.config["SIGNING_PLATFORM_NAME"],
        )  # fmt: skip
    except ValueError as exc:
        raise SigningError(str(exc)) from None
    text, font = build_text(terms), find_font(current_app.config.get("SIGNING_FONT"))
    missing = missing_characters(text, font)
    if missing:  # the browser would show them, the signed PDF would not
        shown = "、".join(missing[:10]) + ("等" if len(missing) > 10 else "")
        raise SigningError(f"以下字符无法写入合同 PDF（字体中没有）：{shown}。请删除或改用常用字后再提交")
    pdf = render_pdf(text, font)
    digest = document_hash(pdf)
    doc = ContractDocument(
        contract_id=contract.id, version=version, terms=_terms_json(terms), document_hash=digest,
        prepared_size=len(pdf), pdf=pdf, current_hash=digest, buyer_signer_id=buyer_signer.id,
        seller_signer_id=seller_signer.id, prepared_by_id=actor.id,
    )  # fmt: skip
    claimed = once.claim(key, prepare_form(contract), actor)  # the first write: after the slow PDF, not around it
    try:
        _move(contract, AWAITING, actor, document=doc)
        once.bind(claimed, doc.id)
        link = f"/contracts/{contract.id}/signing"
        for signer, label in ((buyer_signer, "甲方"), (seller_signer, "乙方")):
            notify(
                signer,
                "signing",
                f"请以{label}授权代表身份阅读并签署技术合同《{contract.title}》（{contract.contract_no}）",
                link,
            )
        db.session.commit()
    except (IntegrityError, StaleDataError):
        db.session.rollback()
        raise SigningError("合同刚刚被其他人修改或已发起网上签约，未生成合同文本，请刷新页面核对后再操作") from None
    return doc


def _nothing_awaiting(contract, doc, signing):
    """Why the contract has no text awaiting signatures, for a signature (``signing``) or a withdrawal that found
    none: voided, never prepared, completed or withdrawn (and why)."""
    if contract.voided:
        return "合同已作废，网上签约已终止" + ("，未签署" if signing else "")
    if doc is None:
        return "这份合同尚未发起网上签约，没有待签署的文本"
    if doc.is_signed:
        return "这份合同已完成网上签约" + ("" if signing else "，不能撤回")
    why = f"（撤回原因：{doc.withdraw_reason}）" if doc.withdraw_reason else ""
    return f"这份合同的网上签约已撤回{why}，没有待签署的文本" + ("，未签署" if signing else "，无需再次撤回")


def withdraw(actor, contract, reason):
    """Stop the signing of the contract's document (its signatures are kept, the document is void)."""
    doc = latest_document(contract)
    if doc is None or not doc.is_awaiting:
        if not contract.can_edit(actor):
            raise SigningError("您无权撤回这份合同的网上签约")
        raise SigningError(_nothing_awaiting(contract, doc, signing=False))
    try:
        _move(contract, RECORDED, actor, reason=reason, document=doc)
        for uid in {doc.buyer_signer_id, doc.seller_signer_id}:
            notify(uid, "signing", f"技术合同《{contract.title}》的网上签约已撤回：{doc.withdraw_reason}",
                   f"/contracts/{contract.id}/signing")  # fmt: skip
        db.session.commit()
    except StaleDataError:
        db.session.rollback()
        raise SigningError("合同刚刚被签署或更新，请刷新页面后再操作") from None
    return doc


# Signing ----------------------------------------------------------------------------------


_limiter_lock = threading.Lock()


def _password_limiter():
    from limits import RateLimitItemPerSecond
    from limits.storage import storage_from_string
    from limits.strategies import MovingWindowRateLimiter

    cfg = current_app.config
    cache = current_app.extensions.setdefault("signing", {})
    with _limiter_lock:  # one limiter per app: two made at once would count apart (in memory)
        if "limiter" not in cache:
            options = cfg.get("RATELIMIT_STORAGE_OPTIONS") or {}
            cache["limiter"] = MovingWindowRateLimiter(storage_from_string(cfg["RATELIMIT_STORAGE_URI"], **options))
    item = RateLimitItemPerSecond(cfg["SIGNING_PASSWORD_MAX_FAILURES"], cfg["LOGIN_FAILURE_WINDOW"])
    return cache["limiter"], item


def _confirm_password(user, password, address=None):
    """The signer's password, re-entered; failures are counted and end in a pause.

    Two counts: this page's own (SIGNING_PASSWORD_MAX_FAILURES per account, from any address), and the login
    throttle's (auth/throttle.py: a wrong password here is a failed login of the account from ``address``),
    so signing guesses no more passwords than the login form allows, and a lock-out there stops signing too."""
    key = ("sign-password", str(user.id))
    # Counted before the (slow) check: of any number of attempts sent at once, at most the limit are
    # checked; a right password forgets the attempts, as a successful login does. An attempt this page's
    # own count refuses is not recorded by the login throttle (it looks first), nor one the throttle refuses
    # by this page's count.
    if not _count("test", key):
        raise SigningError("密码错误次数过多，请稍后再签署")
    admitted, wait = throttle.admit(user.email, address)
    if not admitted:
        raise SigningLocked(f"密码错误次数过多，请 {math.ceil(wait / 60)} 分钟后再签署", wait)
    if not _count("hit", key):
        raise SigningError("密码错误次数过多，请稍后再签署")
    if not password or not user.check_password(password):
        raise WrongPassword("密码不正确，未签署")
    # The failures are forgotten with the signature's commit (sign_as_party calls recent.forget_now), or after
    # the request when the signature is refused: no commit of their own.
    recent.forget_later(user.email, address)
    _count("clear", key)


def _count(op, key):
    """The password limiter's ``hit`` or ``clear``; with its storage (Redis) unreachable, this process
    counts meanwhile, as the site's other rate limits do, rather than signing answering 500."""
    limiter, item = _password_limiter()
    try:
        return getattr(limiter, op)(item, *key)
    except Exception as exc:  # noqa: BLE001 - limits raises the storage driver's own errors
        log.warning("signing password limiter: storage unreachable (%s); counting in this process", exc)
        from limits.storage import MemoryStorage
        from limits.strategies import MovingWindowRateLimiter

        cache = current_app.extensions["signing"]
        with _limiter_lock:
            fallback = cache.setdefault("fallback", MovingWindowRateLimiter(MemoryStorage()))
        return getattr(fallback, op)(item, *key)


def _apply_signature(doc, party, org, user, new_pdf, cred, fp, ip, ua, confirmed_at=None):
    """The signature's rows (``cred``, the credential, saved with it when just issued; None for the platform's)."""
    doc.pdf = new_pdf
    doc.current_hash = document_hash(new_pdf)
    # The time the file's signature states (its timestamp's), not the time of this row: the last party's row is
    # written after the platform's signature and its verification, seconds later than the signature was made.
    field = {SigningParty.BUYER.value: pades.PARTY_FIELDS[0], SigningParty.SELLER.value: pades.PARTY_FIELDS[1]}
    signed_at = pades.signing_time(new_pdf, field.get(party, pades.PLATFORM_FIELD)) or utcnow()
    db.session.add(
        ContractSignature(
            document=doc, party=party, organization_id=getattr(org, "id", None), user_id=getattr(user, "id", None),
            credential=cred, certificate_fingerprint=fp, signed_at=signed_at, password_confirmed_at=confirmed_at,
            signed_hash=doc.current_hash, size_after=len(new_pdf), ip_address=(ip or "")[:45] or None,
            user_agent=(ua or "")[:200] or None,
        )
    )  # fmt: skip


def _certified(pdf, contract_id):
    """The platform's final signature with a timestamp on ``pdf`` (both parties' signatures), verified: the bytes
    to save. Slow (a signature, a timestamp, a wait for a verification slot, the verification); it neither reads
    nor writes the database: the caller runs it outside any transaction (on SQLite a write transaction stops every
    other writer of the platform until it commits; on PostgreSQL an open one is a session idle in transaction)."""
    ca = authority()
    platform = current_app.config["SIGNING_PLATFORM_NAME"]
    final = pades.sign_platform(pdf, ca.platform_signer(), "平台见证：甲乙双方均已签署，本文件自此锁定",
                                name=platform, timestamper=timestamper())  # fmt: skip
    # Bounded as every verification is (a slot of the machine's, a child process): VerifierBusy goes to the caller.
    try:
        check = _verify_bounded(final, f"the certified PDF of contract {contract_id}", "重新提交签署")
    except VerifierCrashed:
        raise SigningUnverified(f"{CRASHED_LEAD}签署后的合同文件未能验证，未签署，请稍后重新提交签署", 500) from None
    except VerifierFailed:  # logged by _verify_bounded
        raise SigningUnverified(f"{FAILED_LEAD}签署后的合同文件未能验证，未签署，请联系平台管理员", 500) from None
    except NotAPdf as exc:
        if str(exc) == TIMED_OUT:
            log.warning("verifying the certified PDF of contract %s was stopped: %s", contract_id, exc)
            wait = math.ceil(current_app.config["SIGNING_VERIFY_TIMEOUT"])
            message = f"验证超时：签署后的合同文件未能在 {wait} 秒内验证完毕，未签署，请稍后重新提交签署"
            raise SigningUnverified(message, 503) from None
        log.error("verifying the certified PDF of contract %s failed: %s", contract_id, exc)
        if str(exc) == TOO_MUCH_MEMORY:
            message = "验证所需内存超出限制：签署后的合同文件未能验证，未签署，请联系平台管理员"
            raise SigningUnverified(message, 500) from None
        raise SigningError("签名完成后的文件未通过验证，已停止签署，请联系平台管理员") from None
    if not check.complete():
        log.error("the signed contract %s does not verify: %s", contract_id, [s.summary for s in check.signatures])
        raise SigningError("签名完成后的文件未通过验证，已停止签署，请联系平台管理员")
    return final


def _certify(doc, contract, actor, final):
    """The platform's final signature ``final`` (from ``_certified``) saved: the document is complete and locked."""
    fp = fingerprint(authority().platform)
    _apply_signature(doc, SigningParty.PLATFORM.value, None, None, final, None, fp, None, None)
    _move(contract, SIGNED_ONLINE, actor, document=doc)  # the last party's signature completes it


class _Raced(Exception):
    """The other party's signature row is newer than the bytes this signature was made on."""


def _holds(pdf, signature):
    """Whether the bytes contain the revision the signature saved."""
    return len(pdf) >= signature.size_after and document_hash(pdf[: signature.size_after]) == signature.signed_hash


def _as_it_is_now(doc_id):
    """The document's status, version and bytes read in one statement (its signatures right after)."""
    stmt = select(ContractDocument).where(ContractDocument.id == doc_id).options(undefer(ContractDocument.pdf))
    return db.session.scalar(stmt.execution_options(populate_existing=True))


def _no_longer_awaiting(contract):
    """The refusal for a document withdrawn, voided or completed meanwhile (the transaction rolled back)."""
    db.session.rollback()
    db.session.refresh(contract)
    if contract.voided:
        return SigningError("合同已被作废，未签署")
    return SigningError("这份合同的签署已撤回或已完成")


def sign_as_party(user, contract, shown_hash, password, ip=None, user_agent=None):
    """The authorised signer of a party signs the document they read; the last party's signature completes it."""
    doc = latest_document(contract)  # each attempt below reads it again with its bytes
    if doc is None or not doc.is_awaiting:
        if doc is not None and doc.is_signed and doc.party_of(user):
            raise AlreadySigned("您已签署，合同已完成网上签约")
        raise SigningError(_nothing_awaiting(contract, doc, signing=True))
    party = doc.party_of(user)
    if party is None:
        raise NotASigner("您不是这份合同指定的签署人")
    if doc.signature_of(party) is not None:
        raise AlreadySigned("您已签署过这份合同")
    if (shown_hash or "").strip().lower() != doc.document_hash:
        raise SigningError("合同文本已更新，请重新阅读后再签署")
    org = contract.buyer if party == SigningParty.BUYER.value else contract.seller
    org_id = org.id
    if user.organization_id != org_id:
        raise NotASigner(f"您已不属于{org.name}，不能代表其签署")
    _confirm_password(user, password, ip)
    confirmed_at = utcnow()
    index = 0 if party == SigningParty.BUYER.value else 1
    label = SigningParty.label_of(party)
    doc_id, contract_id, org_name, user_name = doc.id, contract.id, org.name, user.name
    for attempt in range(RETRIES):
        try:
            # Issued now when the organisation has none, saved with the signature.
            cred = credential_for(org)
            issued = cred.serial if cred.id is None else None  # logged once stored, with the signature
            # The password check committed (the login throttle) and a retry rolled back: every row read before
            # is read again, the bytes apart from the status unless read together. Read together here, a text
            # withdrawn or voided meanwhile is not signed (its version is the one the save checks).
            doc = _as_it_is_now(doc_id)
            if doc.signature_of(party) is not None:
                db.session.rollback()
                raise AlreadySigned("您已签署过这份合同")
            if not doc.is_awaiting:
                raise _no_longer_awaiting(contract)
            before, version = doc.pdf, doc.lock_version
            other = doc.signature_of(SigningParty.SELLER.value if index == 0 else SigningParty.BUYER.value)
            if other is not None and not _holds(before, other):
                # Saved after the bytes were read (PostgreSQL reads each statement afresh, so the signature rows
                # can be newer than the bytes): start again from the bytes saved.
                raise _Raced
            signer, fp = signer_for(cred), cred.fingerprint
            # The read transaction ends here: the slow steps (the signatures, their timestamps, the wait for a
            # verification slot, the verification) run in none, holding no lock and no connection, and read
            # nothing from the database (every object read is expired now: only the values kept above are used).
            db.session.rollback()
            signed = pades.sign_party(before, signer, index, f"{label}（{org_name}）同意并签署本合同",
                                      name=user_name, timestamper=timestamper())  # fmt: skip
            try:
                # The last party's signature: the platform's completes it.
                final = _certified(signed, contract_id) if other is not None else None
            except (SigningError, VerifierBusy):  # nothing of this signature is saved: it may be sent again
                db.session.refresh(contract)  # say what the contract is now
                if contract.voided:
                    raise SigningError("合同已被作废，未签署") from None
                if not db.session.get(ContractDocument, doc_id).is_awaiting:
                    raise SigningError("这份合同的签署已撤回或已完成") from None
                raise
            # The write transaction: the document read again; its version, the one the bytes were read with, or
            # it changed meanwhile (a signature, a withdrawal, a voiding). The save checks the version again.
            doc = _as_it_is_now(doc_id)
            if doc.lock_version != version:
                raise _Raced
            _apply_signature(doc, party, org, user, signed, cred, fp, ip, user_agent, confirmed_at)
            if final is not None:
                _certify(doc, contract, user, final)
            _notify_signed(doc, contract, user, label)
            recent.forget_now()  # the throttle's failures forgotten with the signature (_confirm_password)
            db.session.commit()
            if issued:
                log_issued(issued, org_id)
            return doc
        except (StaleDataError, IntegrityError, OperationalError, _Raced) as exc:
            # Someone signed, withdrew or voided the same document meanwhile: start again from what is saved.
            db.session.rollback()
            log.info("signing contract %s raced (%s), attempt %s", contract_id, type(exc).__name__, attempt + 1)
            doc = db.session.get(ContractDocument, doc_id)
            db.session.refresh(doc)
            if doc.signature_of(party) is not None:
                raise AlreadySigned("您已签署过这份合同") from None
            if not doc.is_awaiting:
                raise _no_longer_awaiting(contract) from None
        except pades.SigningFailed as exc:
            # The bytes may already hold this party's signature (read after a concurrent commit).
            db.session.rollback()
            doc = db.session.get(ContractDocument, doc_id)
            if doc.signature_of(party) is not None:
                raise AlreadySigned("您已签署过这份合同") from None
            raise SigningError(str(exc)) from None
    raise SigningError("其他签署人正在签署，请稍后重试")


def _notify_signed(doc, contract, user, label):
    link = f"/contracts/{contract.id}/signing"
    title = f"《{contract.title}》（{contract.contract_no}）"
    if doc.is_signed:
        for uid in {doc.buyer_signer_id, doc.seller_signer_id, contract.broker_id, doc.prepared_by_id} - {None}:
            notify(uid, "signing", f"技术合同{title}已完成网上签约，可下载签署后的 PDF", link)
        return
    waiting = doc.seller_signer_id if label == "甲方" else doc.buyer_signer_id
    notify(waiting, "signing", f"{label}已签署技术合同{title}，请您阅读并签署", link)
    for uid in {contract.broker_id, doc.prepared_by_id} - {None, user.id}:
        notify(uid, "signing", f"{label}（{user.name}）已签署技术合同{title}", link)


# Verification -----------------------------------------------------------------------------


def verify_document(doc):
    """The stored PDF of a document, checked as a stranger would check it, and bounded as an upload is
    (``verify_upload``): its signatures include organisations' certificates imported by admins and timestamp
    servers' replies. VerifierBusy when no slot frees; DocumentUnverified when it is stopped at the time or memory
    limit, the verifier crashes, or it cannot be read."""
    what = f"the stored PDF of document {doc.id} (contract {doc.contract_id})"
    contact = "请联系平台管理员"
    try:
        return _verify_bounded(doc.pdf, what, "刷新本页再试")
    except VerifierCrashed:  # logged by _verify_bounded
        message = f"{CRASHED_LEAD}平台存档的合同文件未能验证，请稍后刷新本页再试；如仍不成功，{contact}"
        raise DocumentUnverified(message, 500) from None
    except VerifierFailed:  # logged by _verify_bounded
        raise DocumentUnverified(f"{FAILED_LEAD}平台存档的合同文件未能验证，{contact}", 500) from None
    except NotAPdf as exc:
        reason = str(exc)
        if reason == TIMED_OUT:  # the machine may be loaded: a warning, as an upload's
            log.warning("verifying %s was stopped: %s", what, reason)
            wait = math.ceil(current_app.config["SIGNING_VERIFY_TIMEOUT"])
            message = (
                f"验证超时：平台存档的合同文件未能在 {wait} 秒内验证完毕，请稍后刷新本页再试；如仍不成功，{contact}"
            )
            raise DocumentUnverified(message, 503) from None
        log.error("verifying %s failed: %s", what, reason)  # the platform's own file: something is wrong with it
        if reason == TOO_MUCH_MEMORY:
            raise DocumentUnverified(f"验证所需内存超出限制：平台存档的合同文件未能验证，{contact}", 500) from None
        raise DocumentUnverified(f"平台存档的合同文件未能验证（{reason}），{contact}", 500) from None


def verify_upload(data):
    """An uploaded PDF checked against the platform CA, bounded as ``_verify_bounded`` says; with the platform's
    matching document if any. VerifierCrashed (its message in Chinese, without what to do) when the verifier dies,
    VerifierFailed (say FAILED_UPLOAD) when it fails (a bug)."""
    what = f"an upload of {len(data)} bytes"
    try:
        result = _verify_bounded(data, what, "重新选择文件再试")
    except NotAPdf as exc:
        if str(exc) in (TIMED_OUT, TOO_MUCH_MEMORY):  # a hostile file, most likely: not the platform's fault
            log.warning("verifying %s was stopped: %s", what, exc)
        raise
    match = db.session.scalar(
        select(ContractDocument).where(ContractDocument.current_hash == document_hash(data)).limit(1)
    )
    return result, match


def _verify_bounded(data, what, again):
    """``verify_pdf`` of ``data`` against the trusted roots and the platform CA, in a separate process bounded in time
    and memory (``SIGNING_VERIFY_TIMEOUT``, ``SIGNING_VERIFY_MEMORY``: NotAPdf(TIMED_OUT / TOO_MUCH_MEMORY), logged by
    the caller), at most ``SIGNING_VERIFY_CONCURRENCY`` at once on this machine (VerifierBusy after
    ``SIGNING_VERIFY_WAIT`` seconds, at once when ``SIGNING_VERIFY_WAITERS`` others are waiting already; its message
    ends with ``again``, what to do then); VerifierCrashed (logged here) when the child dies without an answer,
    VerifierFailed (logged here, with the child's traceback) when it raised something unexpected (a bug).
    ``what`` names the file in the log."""
    config = current_app.config
    timeout = config["SIGNING_VERIFY_TIMEOUT"]
    slots = config.get("SIGNING_VERIFY_SLOTS_DIR") or os.path.join(current_app.instance_path, "verify-slots")
    try:
        with slot(slots, config["SIGNING_VERIFY_CONCURRENCY"], config["SIGNING_VERIFY_WAIT"],
                  waiters=config["SIGNING_VERIFY_WAITERS"]):  # fmt: skip
            return verify_isolated(data, trust_roots(), authority().root, timeout=timeout,
                                   memory=config["SIGNING_VERIFY_MEMORY"])  # fmt: skip
    except Busy as exc:
        log.warning("no verification slot for %s, refused: %s", what, exc)
        wait = math.ceil(timeout)  # the longest a slot is held
        raise VerifierBusy(f"系统正忙：同时验证的文件过多，请约 {wait} 秒后{again}", wait) from None
    except VerifierCrashed as exc:
        log.error("the verifier of %s died without an answer (%s)", what, exc.how)
        raise
    except VerifierFailed as exc:  # str(): the child's traceback
        log.error("the verifier of %s failed (a bug in the verifier); in the child:\n%s", what, exc)
        raise


def pdf_name(doc, contract):
    suffix = "已签署" if doc.is_signed else ("已撤回" if doc.status == DocumentStatus.WITHDRAWN.value else "待签署")
    return f"{contract.contract_no}-第{doc.version}版-{suffix}.pdf"


def document_times(doc):
    """Each signature's time in Beijing time, for pages."""
    return {s.party: china_time(s.signed_at) for s in doc.signatures}
