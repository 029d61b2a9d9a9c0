"""The contract state machine, and its one owner: the table of allowed moves and ``move``.

    (new) → recorded → awaiting_signatures → signed_online      online signing (网上签约)
                       awaiting_signatures → recorded           the text withdrawn
    recorded / signed_online → registered                       认定登记 by the registration office
    registered → recorded / signed_online                       a registration recorded by mistake
    every state → voided                                        kept on record, leaves every total

A contract's state lives in the columns it always had (``voided``, ``registration_status``, the
newest signing document's ``status``); only this module writes them, and only through ``move``,
which checks the move against the table and the actor's rights and records who and when in the
audit log. Nothing here commits: the service calling ``move`` owns the transaction.
"""

from sqlalchemy import select

from ..extensions import db
from ..models import ContractDocument, DocumentStatus, RegistrationStatus
from ..models.base import today, utcnow
from . import audit

NEW = None
RECORDED, AWAITING, SIGNED_ONLINE = "recorded", "awaiting_signatures", "signed_online"
REGISTERED, VOIDED = "registered", "voided"
STATES = (RECORDED, AWAITING, SIGNED_ONLINE, REGISTERED, VOIDED)
LABELS = {
    RECORDED: "已登记", AWAITING: "待网上签署", SIGNED_ONLINE: "已网上签约", REGISTERED: "已认定登记", VOIDED: "已作废",
}  # fmt: skip

# from state: the states it may move to (voided is final).
ALLOWED_MOVES = {
    NEW: (RECORDED, REGISTERED),  # recorded after the fact, possibly registered already
    RECORDED: (AWAITING, REGISTERED, VOIDED),
    AWAITING: (RECORDED, SIGNED_ONLINE, VOIDED),
    SIGNED_ONLINE: (REGISTERED, VOIDED),
    REGISTERED: (RECORDED, SIGNED_ONLINE, VOIDED),
}

# (from, to) → the audit action; a target alone when the source does not matter.
ACTIONS = {
    (NEW, RECORDED): "create", (NEW, REGISTERED): "create", (RECORDED, AWAITING): "sign_start",
    (AWAITING, RECORDED): "sign_stop", (AWAITING, SIGNED_ONLINE): "sign_done", (REGISTERED, RECORDED): "unregister",
    (REGISTERED, SIGNED_ONLINE): "unregister", REGISTERED: "register", VOIDED: "void",
}  # fmt: skip
VERBS = {
    RECORDED: "登记为合同", AWAITING: "发起网上签约", SIGNED_ONLINE: "完成网上签约", REGISTERED: "标记为已认定登记",
    VOIDED: "作废",
}  # fmt: skip
REFUSED_ACTOR = {
    "create": "只有技术经纪人或管理员可以登记技术合同",
    "sign_start": "您无权为这份合同发起网上签约",
    "sign_stop": "您无权撤回这份合同的网上签约",
    "sign_done": "您不是这份合同指定的签署人",
    "register": "您无权修改这份合同的登记状态",
    "unregister": "您无权修改这份合同的登记状态",
    "void": "您无权作废这份合同",
}


class ContractError(Exception):
    """A contract change refused, with a Chinese message for the user."""


def label(state):
    return LABELS.get(state, "新合同")


# Reading the state -------------------------------------------------------------------------------


def live_document(contract):
    """The contract's newest document that was not withdrawn (awaiting or signed), or None."""
    if contract.id is None:
        return None
    with db.session.no_autoflush:  # the state as stored, before the caller's pending changes
        return db.session.scalar(
            select(ContractDocument)
            .where(
                ContractDocument.contract_id == contract.id, ContractDocument.status != DocumentStatus.WITHDRAWN.value
            )
            .order_by(ContractDocument.version.desc())
            .limit(1)
        )


def signing_state(contract):
    """recorded / awaiting_signatures / signed_online: where online signing stands (voiding aside)."""
    doc = live_document(contract)
    if doc is None:
        return RECORDED
    return SIGNED_ONLINE if doc.is_signed else AWAITING


def state_of(contract):
    """The contract's state in the machine; NEW (None) for one not stored yet."""
    if contract.id is None:
        return NEW
    if contract.voided:
        return VOIDED
    signing = signing_state(contract)
    if signing == AWAITING:
        return AWAITING
    if contract.registration_status == RegistrationStatus.REGISTERED.value:
        return REGISTERED
    return signing


# Rights ------------------------------------------------------------------------------------------


def _may(actor, contract, to, document):
    """The actor's rights: the assigned broker or an admin; the designated signer to complete signing."""
    if actor is None or not getattr(actor, "is_authenticated", False):
        return False
    if contract.id is None:
        return actor.is_admin or actor.is_broker
    if to == SIGNED_ONLINE:  # only the last party's signature completes a text out for signing
        return document is not None and document.party_of(actor) is not None
    return contract.can_edit(actor)


def check(contract, to, actor, document=None):
    """Raise ContractError unless ``actor`` may move the contract to ``to`` now; returns the source state."""
    here = state_of(contract)
    if to not in ALLOWED_MOVES.get(here, ()):
        if here == to:
            raise ContractError(f"这份合同已是“{label(to)}”状态")
        raise ContractError(f"合同当前状态为“{label(here)}”，不能{VERBS.get(to, '变更')}")
    action = ACTIONS.get((here, to)) or ACTIONS[to]
    if not _may(actor, contract, to, document if document is not None else live_document(contract)):
        raise ContractError(REFUSED_ACTOR[action])
    return here


# The one move ------------------------------------------------------------------------------------


def move(contract, to, actor, reason="", document=None, registration=None, registered_on=None):
    """The one way a contract changes state: checked against ALLOWED_MOVES and the actor's rights,
    applied, and recorded in the audit log with who and when (no commit). Raises ContractError.

    ``reason``: why (voiding, withdrawing a text); ``document``: the signing document being sent
    (to awaiting_signatures) or completed (to signed_online); ``registration`` / ``registered_on``:
    the registration office's answer (to registered, or the status it goes back to).
    """
    doc = document if document is not None else live_document(contract)
    here = check(contract, to, actor, doc)
    if to == REGISTERED and registered_on is None:
        raise ContractError("已认定登记的合同请填写登记日期")
    if here == REGISTERED and to in (RECORDED, SIGNED_ONLINE) and to != signing_state(contract):
        raise ContractError(f"撤销登记后合同应为“{label(signing_state(contract))}”，不能变为“{label(to)}”")
    if to == AWAITING and document is None:
        raise ContractError("缺少待签署的合同文本")
    before = None if here is NEW else dict(audit.snapshot(contract), state=here)
    if to == AWAITING:
        db.session.add(document)  # the new text, awaiting both parties' signatures
    elif here == AWAITING:
        _end_document(doc, to, actor, reason)
    if to == SIGNED_ONLINE:
        # Concluded on the platform: the channel is online, the signing date the platform's signature.
        contract.channel = "online"
        contract.signed_on = today()  # the platform's calendar day, as every other date and report period
    elif to == VOIDED:
        contract.voided = True
        contract.void_reason = (reason or "").strip()[:500]
        contract.voided_at = utcnow()
    elif to == REGISTERED:
        contract.registration_status = RegistrationStatus.REGISTERED.value
        contract.registered_on = registered_on
    elif here in (NEW, REGISTERED):  # recorded anew, or a registration taken back: the office's answer so far
        contract.registration_status = registration or RegistrationStatus.UNSUBMITTED.value
        contract.registered_on = registered_on
    if here is NEW:
        db.session.add(contract)
    else:  # every move is a change of the contract: its version moves, so a save or move racing this one loses
        contract.updated_at = utcnow()
    db.session.flush()  # the audit row needs the contract's id, and records the version the move made
    after = dict(audit.snapshot(contract), state=to)
    if reason and to != VOIDED:
        after["reason"] = reason.strip()[:500]
    action = ACTIONS.get((here, to)) or ACTIONS[to]
    if here is NEW:
        before, after = None, {k: v for k, v in after.items() if k != "state"}
    audit.record(actor, "contract", contract.id, action, before, after)
    return contract


def _end_document(doc, to, actor, reason):
    """The text out for signing is completed (signed online) or withdrawn (the contract voided or taken back)."""
    if to == SIGNED_ONLINE:
        doc.status = DocumentStatus.SIGNED.value
        doc.completed_at = utcnow()
        return
    doc.status = DocumentStatus.WITHDRAWN.value
    doc.withdrawn_at = utcnow()
    doc.withdrawn_by_id = actor.id
    text = (reason or "").strip()
    doc.withdraw_reason = (f"合同作废：{text}" if to == VOIDED else text)[:500]


def set_registration(contract, actor, status, registered_on=None):
    """Record the registration office's answer from the contract form: reaching or leaving 已认定登记
    is a move; the other answers (未提交 / 已提交 / 不予登记) are details of the state it is in."""
    here = state_of(contract)
    if status == RegistrationStatus.REGISTERED.value:
        if here != REGISTERED:
            return move(contract, REGISTERED, actor, registered_on=registered_on)
    elif here == REGISTERED:
        back = SIGNED_ONLINE if signing_state(contract) == SIGNED_ONLINE else RECORDED
        return move(contract, back, actor, registration=status, registered_on=registered_on)
    contract.registration_status = status
    contract.registered_on = registered_on
    return contract
