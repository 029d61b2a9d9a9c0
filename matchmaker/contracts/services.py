"""Contract use cases: list, record (from a suggestion too), edit with optimistic locking, void."""

from datetime import date

from flask import url_for
from markupsafe import Markup, escape
from sqlalchemy import not_, or_
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import joinedload
from sqlalchemy.orm.exc import StaleDataError

from ..admin.services import organization_named
from ..brokers.services import need_side_user_ids
from ..extensions import db
from ..listings import lifecycle as listing_lifecycle
from ..models import (
    AuditLog,
    Contract,
    ContractDocument,
    DocumentStatus,
    Event,
    MatchSuggestion,
    Organization,
    OrgKind,
    Result,
    Role,
    TechNeed,
    User,
    Zone,
)
from ..models.enums import ListingStatus
from ..models.signing import contract_awaiting_signatures, contract_signed_online
from ..notifications.services import notify
from ..suggestions import pipeline
from ..suggestions.services import schedule_matching
from ..utils import once
from ..utils.bounds import id_or_none
from ..utils.money import short
from ..utils.search import contains_any
from . import audit, lifecycle
from .lifecycle import ContractError

# What the form edits directly; the registration status is the state machine's (``lifecycle``).
EDITABLE = [
    "contract_no", "registration_no", "type", "title", "amount", "transaction_amount", "signed_on",
    "channel", "event_id", "need_id", "result_id", "broker_id", "note",
]  # fmt: skip


class StaleContract(ContractError):
    """Someone saved the contract since this form was loaded; carries what they changed."""

    def __init__(self, contract, changes):
        super().__init__(
            "保存被拒绝：在您编辑期间，其他人已修改了这份合同。您填写的内容仍保留在表单中，请核对下列变更后再决定是否重新提交。"
        )
        self.contract = contract
        self.changes = changes


# Queries ----------------------------------------------------------------------------------


def contract_query(user, args):
    """Contracts visible to the user, filtered by query args, newest signing first."""
    stmt = db.select(Contract).options(
        joinedload(Contract.buyer), joinedload(Contract.seller), joinedload(Contract.broker)
    )
    if not user.is_admin:
        stmt = stmt.where(or_(Contract.broker_id == user.id, Contract.created_by_id == user.id))
    q = (args.get("q") or "").strip()
    if q:
        stmt = stmt.where(contains_any(q, Contract.title, Contract.contract_no, Contract.registration_no))
    for name in ("type", "channel", "registration_status"):
        if args.get(name):
            stmt = stmt.where(getattr(Contract, name) == args.get(name))
    state = args.get("state", "valid")
    if state == "valid":
        stmt = stmt.where(Contract.voided.is_(False))
    elif state == "voided":
        stmt = stmt.where(Contract.voided.is_(True))
    for name, op in (("from", "__ge__"), ("to", "__le__")):
        day = parse_day(args.get(name))
        if day:
            stmt = stmt.where(getattr(Contract.signed_on, op)(day))
    broker = id_or_none(args.get("broker"))
    if broker and (user.is_admin or broker == user.id):  # a broker's own: credited to them, not only recorded by them
        stmt = stmt.where(Contract.broker_id == broker)
    signing = args.get("signing")
    if signing == "signed_online":
        stmt = stmt.where(contract_signed_online())
    elif signing == "awaiting_signatures":  # left out of every total until signed
        stmt = stmt.where(contract_awaiting_signatures())
    elif signing == "recorded":
        stmt = stmt.where(not_(contract_signed_online()), not_(contract_awaiting_signatures()))
    return stmt.order_by(Contract.signed_on.desc(), Contract.id.desc())


SIGNING_FILTER = {
    "recorded": "经纪人登记",
    "awaiting_signatures": "待网上签署（暂不计入统计）",
    "signed_online": "已网上签约",
}


def awaiting_ids(contracts):
    """Ids of these contracts whose text awaits signatures (left out of every total until signed)."""
    ids = [c.id for c in contracts]
    if not ids:
        return set()
    return set(
        db.session.scalars(
            db.select(ContractDocument.contract_id).where(
                ContractDocument.contract_id.in_(ids), ContractDocument.status == DocumentStatus.AWAITING.value
            )
        )
    )


def date_filter_problems(args):
    """What is wrong with the list's 签订自/至 dates, in Chinese (the query leaves a malformed one out, and a period
    typed the wrong way round finds nothing): said on the page, not passed off as the list without them."""
    days = {name: parse_day(args.get(name)) for name in ("from", "to")}
    problems = [
        f"签订日期“{short(args.get(name).strip())}”格式不正确（应如 2026-01-31），已忽略"
        for name in ("from", "to")
        if (args.get(name) or "").strip() and days[name] is None
    ]
    if days["from"] and days["to"] and days["from"] > days["to"]:
        problems.append("签订起始日期晚于截止日期，没有符合条件的合同，请检查日期范围")
    return problems


def parse_day(text):
    """YYYY-MM-DD to a date, or None when empty or malformed."""
    try:
        return date.fromisoformat((text or "").strip())
    except ValueError:
        return None


def broker_choices():
    """(id, name) of active brokers and admins, for crediting a contract."""
    rows = db.session.execute(
        db.select(User.id, User.name, User.role)
        .where(User.role.in_([Role.BROKER.value, Role.ADMIN.value]), User.active.is_(True))
        .order_by(User.role.desc(), User.name, User.id)
    )
    return [("", "（未指定）")] + [(i, f"{n}（{Role.label_of(r)}）") for i, n, r in rows]


def event_choices():
    """(id, title) of events, most recent first (bounded)."""
    rows = db.session.execute(
        db.select(Event.id, Event.title, Event.starts_at).order_by(Event.starts_at.desc(), Event.id.desc()).limit(500)
    )
    return [("", "（无）")] + [(i, f"{t}（{s:%Y-%m-%d}）") for i, t, s in rows]


def zone_choices():
    """(id, name) of zones."""
    rows = db.session.execute(db.select(Zone.id, Zone.name).order_by(Zone.name))
    return [("", "（无）")] + [(i, n) for i, n in rows]


def refusal_from_suggestion(actor, suggestion):
    """Why ``actor`` cannot record a contract from this pair now (a Chinese message), or None; a pair signed
    already names the contracts recorded from it, linked for those the actor may open."""
    try:
        pipeline.check_contract(suggestion, actor)
    except pipeline.PairError as exc:
        said = escape(f"不能从该推荐登记合同：{exc}")
        recorded = pair_contracts(suggestion)
        if not recorded:
            return said
        named = Markup("、").join(_contract_named(c, actor) for c in recorded)
        return Markup("{}。该推荐已登记合同：{}").format(said, named)
    return None


def pair_contracts(suggestion):
    """The valid contracts recorded from the pair, newest first."""
    return db.session.scalars(
        db.select(Contract)
        .where(Contract.suggestion_id == suggestion.id, Contract.voided.is_(False))
        .order_by(Contract.id.desc())
    ).all()


def _contract_named(contract, actor):
    """A contract's number and title, a link to its page when ``actor`` may open it."""
    text = f"{contract.contract_no}「{contract.title}」"
    if not contract.can_view(actor):
        return escape(text)
    return Markup('<a href="{}">{}</a>').format(url_for("contracts.detail", contract_id=contract.id), text)


def prefill_from_suggestion(suggestion):
    """Form defaults for recording a contract from a suggestion."""
    need, result = suggestion.need, suggestion.result
    return {
        "suggestion_id": suggestion.id,
        "title": f"{need.title}".strip()[:200],
        "buyer_name": need.organization.name if need.organization else "",
        "buyer_kind": need.organization.kind if need.organization else OrgKind.ENTERPRISE.value,
        "seller_name": result.organization.name if result.organization else "",
        "seller_kind": result.organization.kind if result.organization else OrgKind.UNIVERSITY.value,
        "need_id": str(need.id),
        "result_id": str(result.id),
        "broker_id": suggestion.assigned_broker_id,
        "industry": need.industry or "",
        "town": need.town or "",
    }


# Use cases --------------------------------------------------------------------------------


class _NewOrganisationRace(Exception):
    """A party's new organisation was inserted by a simultaneous request first (its name or a look-alike:
    organization.name_key), or the flush inserting it failed otherwise (a registration number, told by retrying)."""


def find_or_create_org(name, kind):
    """The organisation of that name (its brackets typed either width: 华星(深圳) is 华星（深圳）, not a second
    organisation), or a new one of the given kind."""
    org = organization_named(name, any_brackets=True)
    if org is None:
        org = Organization(name=name, kind=kind if kind in OrgKind._value2member_map_ else OrgKind.ENTERPRISE.value)
        db.session.add(org)
        try:
            db.session.flush()
        except IntegrityError:  # its name (or a look-alike) saved meanwhile, most likely: the caller rolls back
            raise _NewOrganisationRace from None
    return org


def _apply(contract, data):
    """Copy cleaned form data onto a contract and take the grouping snapshots."""
    for name in EDITABLE:
        if name in data:
            setattr(contract, name, data[name])
    contract.buyer = find_or_create_org(data["buyer_name"], data.get("buyer_kind"))
    contract.seller = find_or_create_org(data["seller_name"], data.get("seller_kind"))
    if contract.buyer is contract.seller:  # the same name with brackets of the other width
        raise ContractError("买方和卖方不能是同一单位")
    need = db.session.get(TechNeed, contract.need_id) if contract.need_id else None
    source = need or contract.buyer
    contract.industry = data.get("industry") or source.industry
    contract.town = data.get("town") or source.town
    zone_id = data.get("zone_id")
    if zone_id is None and need is not None and need.zones:
        zone_id = min(z.id for z in need.zones)
    contract.zone_id = zone_id


def _commit(contract):
    """Commit, turning a registration-number race into a Chinese error."""
    try:
        db.session.commit()
    except IntegrityError:
        db.session.rollback()
        raise ContractError("该登记编号已被其他合同使用，未保存") from None
    return contract


def record_contract(actor, data, suggestion_id=None, key=None, with_contract=None):
    """Record a signed contract; from a suggestion, through the pipeline's ``signed`` move, the only way
    there (refused for a pair that is not introduced or negotiating, nor signed without a contract, or not the
    actor's), and its need solved.

    ``key``: the form's one-time key; a repeat raises ``once.Repeat`` with the first contract's id.
    ``with_contract(contract)``, when given, runs before the commit (the API records its
    Idempotency-Key in the same transaction).

    Two requests naming the same new party at once: the second's insert of the organisation meets the
    first's (its unique name); it is rolled back and recorded again, finding the organisation."""
    try:
        return _record_contract(actor, data, suggestion_id, key, with_contract)
    except _NewOrganisationRace:
        pass
    try:
        return _record_contract(actor, data, suggestion_id, key, with_contract)  # finds the organisation now
    except _NewOrganisationRace:
        raise ContractError("甲方或乙方单位正被同时登记，请重试") from None


def _record_contract(actor, data, suggestion_id, key, with_contract):
    claimed = once.claim(key, "contract", actor)
    suggestion = None
    if suggestion_id:
        suggestion = db.session.get(MatchSuggestion, suggestion_id)
        if suggestion is None:
            db.session.rollback()
            raise ContractError("找不到该推荐，未登记")
        data = dict(data, need_id=suggestion.need_id, result_id=suggestion.result_id)
    contract = Contract(created_by_id=actor.id, suggestion_id=suggestion.id if suggestion else None)
    try:
        _apply(contract, data)
    except (IntegrityError, _NewOrganisationRace):
        db.session.rollback()
        raise _NewOrganisationRace from None
    except ContractError:
        db.session.rollback()
        raise
    status = data.get("registration_status") or "unsubmitted"
    try:
        lifecycle.move(contract, lifecycle.REGISTERED if status == "registered" else lifecycle.RECORDED, actor,
                       registration=status, registered_on=data.get("registered_on"))  # fmt: skip
    except ContractError:
        db.session.rollback()
        raise
    except IntegrityError:
        db.session.rollback()
        raise ContractError("该登记编号已被其他合同使用，未保存") from None
    once.bind(claimed, contract.id)
    if suggestion is not None:
        _mark_signed(actor, suggestion, contract)
    _name_listings(actor, contract)
    if with_contract is not None:
        with_contract(contract)
    return _commit(contract)


def _name_listings(actor, contract, named_before=(None, None)):
    """The need and result the contract names now, through the listings' life cycle (held, its pair's need
    solved: ``contract_names``), the same for a contract recorded and one edited; a need solved is withdrawn
    from matching once the contract is committed."""
    need = listing_lifecycle.contract_names(contract, named_before, actor)
    if need is not None:
        schedule_matching(need)


def _mark_signed(actor, suggestion, contract):
    """The pair moves to signed (the pipeline checks the move and the actor; a pair signed without a contract,
    old data, is not moved again); its need is solved by ``_name_listings``."""
    try:
        pipeline.sign_by_contract(suggestion, actor, f"登记技术合同 {contract.contract_no}", contract.id)
    except pipeline.PairError as exc:
        db.session.rollback()
        raise ContractError(f"不能从该推荐登记合同：{exc}") from None


def update_contract(actor, contract, data, base_version):
    """Save an edit made on version ``base_version``; a stale one raises StaleContract.

    A party renamed to a new organisation that a simultaneous request inserted first (the same name, or
    brackets of the other width): rolled back and saved again, finding that organisation."""
    try:
        return _update_contract(actor, contract, data, base_version)
    except _NewOrganisationRace:
        pass
    try:
        return _update_contract(actor, contract, data, base_version)  # finds the organisation now
    except _NewOrganisationRace:
        raise ContractError("该登记编号已被其他合同使用，未保存") from None  # no race then: the number


def _update_contract(actor, contract, data, base_version):
    if contract.voided:
        raise ContractError("已作废的合同不能修改")
    if str(base_version) != str(contract.version):
        if _changes_nothing(contract, data):  # the second submit of a double click: its first one is saved
            return contract
        raise StaleContract(contract, changes_since(contract, base_version))
    from .signing_services import edit_refusal

    refusal = edit_refusal(contract, data)  # terms being signed, or signed online, are fixed
    if refusal:
        raise ContractError(refusal)
    if not contract.can_edit(actor):
        raise ContractError("您无权修改这份合同")
    refusal = pair_listings_refusal(contract, data)
    if refusal:
        raise ContractError(refusal)
    before, named = audit.snapshot(contract), (contract.need_id, contract.result_id)
    try:
        if "registration_status" in data:  # reaching or leaving 已认定登记 is a move of the state machine
            lifecycle.set_registration(contract, actor, data["registration_status"], data.get("registered_on"))
        with db.session.no_autoflush:  # the version-checked UPDATE happens in the flush below
            _apply(contract, data)
        db.session.flush()  # UPDATE ... WHERE version = loaded version: catches a race in between
        _name_listings(actor, contract, named)
    except ContractError:
        db.session.rollback()
        raise
    except StaleDataError:
        db.session.rollback()
        contract = db.session.get(Contract, contract.id)
        if _changes_nothing(contract, data):  # two submits of a double click at once: the other one saved this
            return contract
        raise StaleContract(contract, changes_since(contract, base_version)) from None
    except _NewOrganisationRace:
        db.session.rollback()
        raise
    except IntegrityError:
        db.session.rollback()
        raise ContractError("该登记编号已被其他合同使用，未保存") from None
    after = audit.snapshot(contract)
    if audit.changed(before, after) == ["version"] or not audit.changed(before, after):
        db.session.rollback()  # nothing changed: no new version, no audit row
        return contract
    audit.record(actor, "contract", contract.id, "update", before, after)
    return _commit(contract)


def pair_listings_refusal(contract, data):
    """Why an edit may not name this need and result (a Chinese message), or None. A contract recorded from a
    pair names the pair's need and result (``_record_contract``), and the pair stays signed and its need solved
    on that ground: an edit naming others would leave them so for a contract that no longer names them. Kept as
    stored (the form shows them read-only); a contract without a pair names what it likes (``contract_names``)."""
    if contract.suggestion_id is None:
        return None
    if all(data.get(k, getattr(contract, k)) == getattr(contract, k) for k in ("need_id", "result_id")):
        return None
    return f"未保存：{pair_note(contract)}"


def pair_note(contract):
    """Why a pair's contract shows its need and result read-only, and what to do instead (Chinese)."""
    return f"由推荐 #{contract.suggestion_id} 登记的合同，需求与成果不可更改；如登记有误请作废后重新登记"


def _changes_nothing(contract, data):
    """Whether saving ``data`` would leave the contract as stored. A save from a page older than the contract's
    last save that changes nothing overwrites nothing: it is the second submit of a double-clicked save, which
    found its own first submit saved and was refused as "其他人已修改了这份合同". Tried, then rolled back."""
    registration = (contract.registration_status, contract.registered_on)
    if "registration_status" in data and (data["registration_status"], data.get("registered_on")) != registration:
        return False
    before, buyer, seller = audit.snapshot(contract), contract.buyer, contract.seller
    try:
        with db.session.no_autoflush:
            _apply(contract, data)
            same = (contract.buyer, contract.seller) == (buyer, seller) and not audit.changed(
                before, audit.snapshot(contract)
            )
    except (ContractError, _NewOrganisationRace):
        same = False
    db.session.rollback()
    return same


def void_contract(actor, contract, reason, base_version=None):
    """Void a contract with a reason (never deleted); it leaves every total."""
    if contract.voided:
        raise ContractError("这份合同已经作废")
    if base_version not in (None, "") and str(base_version) != str(contract.version):
        raise StaleContract(contract, changes_since(contract, base_version))
    try:
        lifecycle.move(contract, lifecycle.VOIDED, actor, reason=reason)  # a text out for signing is withdrawn
        db.session.flush()
        _unsign_pair(actor, contract)
        _tell_need_side(contract)
    except pipeline.PairError as exc:
        db.session.rollback()
        raise ContractError(f"未作废：{exc}") from None
    except ContractError:
        db.session.rollback()
        raise
    except StaleDataError:
        db.session.rollback()
        contract = db.session.get(Contract, contract.id)
        raise StaleContract(contract, changes_since(contract, base_version)) from None
    return _commit(contract)


def _unsign_pair(actor, contract):
    """The pair a voided contract was recorded from is signed no more, unless another live contract
    of the pair remains (the need stays as it is: once none of its contracts is live, its owner or an
    admin reopens it with 重新开放 if the deal fell through, listings.lifecycle's ``reopen``)."""
    if contract.suggestion_id is None:
        return
    others = db.select(Contract.id).where(
        Contract.suggestion_id == contract.suggestion_id, Contract.id != contract.id, Contract.voided.is_(False)
    )
    if db.session.scalar(others.limit(1)) is None:
        suggestion = db.session.get(MatchSuggestion, contract.suggestion_id)
        pipeline.undo_signing(suggestion, actor, f"合同 {contract.contract_no} 已作废")


def _tell_need_side(contract):
    """The void leaves the need it solved 已解决 (reopening is its owner's move, ``_unsign_pair``): once no live
    contract names the need, those who speak for it are told, with the way back (重新开放) if the deal fell through
    (a notification row in the void's transaction; no commit)."""
    need = db.session.get(TechNeed, contract.need_id) if contract.need_id is not None else None
    if need is None or need.status != ListingStatus.SOLVED.value or listing_lifecycle.has_live_contract(need):
        return
    text = (f"技术合同《{contract.title}》（{contract.contract_no}）已作废，您的技术需求「{need.title}」仍为已解决；"
            f"如交易未成，可在需求页面点击「重新开放」继续征集解决方案")  # fmt: skip
    for user_id in need_side_user_ids(need):
        notify(user_id, "contract", text, f"/needs/{need.id}")


def changes_since(contract, base_version):
    """Audit rows of a contract saved after ``base_version``, each with its changed fields."""
    try:
        base = int(base_version)
    except (TypeError, ValueError):
        base = 0
    rows = db.session.scalars(
        db.select(AuditLog)
        .options(joinedload(AuditLog.actor))
        .filter_by(entity="contract", entity_id=contract.id)
        .order_by(AuditLog.id)
    ).all()
    later = [r for r in rows if int((r.after or {}).get("version") or 0) > base]
    return describe_rows(later)


# What an audit row's snapshot holds besides the contract's fields: the state a move reached, its reason.
AUDIT_LABELS = {**audit.CONTRACT_FIELDS, "state": "合同状态", "reason": "说明", "password_reentered": "重新输入密码"}
# Fields of the other areas' audit rows, per entity (a token's "name" is not a person's).
_LISTING_AUDIT_LABELS = {
    "status": "状态",
    "action": "操作",
    "fields": "查看的内容",
    "via": "查看途径",
    "suggestion_id": "推荐配对",
}
ENTITY_AUDIT_LABELS = {
    "api_token": {"user_id": "代表的账号", "name": "令牌名称", "scopes": "权限", "days": "有效期", "kind": "令牌类型"},
    "user": {"role": "角色", "email": "邮箱", "active": "账号状态", "name": "姓名", "phone": "手机"},
    "organization": {
        "address": "地址",
        "contact_name": "联系人",
        "contact_phone": "联系电话",
        "contact_email": "联系邮箱",
    },
    "tech_need": _LISTING_AUDIT_LABELS,
    "need": _LISTING_AUDIT_LABELS,
    "result": _LISTING_AUDIT_LABELS,
}
# What a broker or admin viewed of someone else's listing (listings.access.log_confidential_view), and where.
VIEWED_LABELS = {"details": "详细内容", "contacts": "联系方式"}
VIA_LABELS = {"suggestion": "推荐配对"}
# Audit actions as people read them (contracts' moves, accounts, API tokens, listings).
ACTION_LABELS = {
    "create": "新增", "update": "修改", "void": "作废", "sign_start": "发起网上签约", "sign_stop": "撤回网上签约",
    "sign_done": "完成网上签约", "register": "认定登记", "unregister": "撤销认定登记", "view": "查看",
    "reset_password": "管理员重置密码", "reset_self": "通过邮件重置密码", "reset_mailed": "发送重置密码邮件",
    "revoke": "吊销", "status": "状态变更", "activate": "启用账号", "deactivate": "停用账号",
    "update_profile": "修改个人资料", "admin_update_profile": "管理员修改姓名和手机",
    "update_contacts": "修改单位联系方式",
}  # fmt: skip
ENTITY_LABELS = {
    "contract": "合同",
    "tech_need": "技术需求",
    "need": "技术需求",  # views of confidential details before 2026-12-04
    "result": "科技成果",
    "user": "账号",
    "organization": "单位",
    "api_token": "API 令牌",
}


def describe_rows(rows):
    """Audit rows as dicts with readable changed fields: [{row, fields: [(label, before, after)]}]."""
    names = _names_for(rows)
    out = []
    for row in rows:
        keys = [k for k in audit.changed(row.before, row.after) if k != "version"]
        if row.action == "create":
            keys = [k for k, v in (row.after or {}).items() if k != "version" and v not in (None, "", False)]
        labels = {**AUDIT_LABELS, **ENTITY_AUDIT_LABELS.get(row.entity, {})}
        fields = [
            (labels.get(k, k), show(k, (row.before or {}).get(k), names, row.entity),
             show(k, (row.after or {}).get(k), names, row.entity))
            for k in keys
        ]  # fmt: skip
        out.append({"row": row, "fields": fields})
    return out


def _show_listing(key, value, entity):
    # A listing's audit values (its status moves and the confidential parts viewed), in its own words: a
    # result is 已转化 where a need is 已解决. None for other keys.
    from ..listings.lifecycle import ACTIONS

    model = Result if entity == "result" else TechNeed
    if key == "status":
        return model.status_label_of(value)
    if key == "action":
        return ACTIONS[value][2].format(solved=model.SOLVED_LABEL) if value in ACTIONS else str(value)
    if key == "fields":
        return "、".join(VIEWED_LABELS.get(f, str(f)) for f in (value if isinstance(value, list) else [value]))
    if key == "via":
        return VIA_LABELS.get(value, str(value))
    return None


LOOKUPS = {
    "buyer_id": (Organization, "name"),
    "seller_id": (Organization, "name"),
    "broker_id": (User, "name"),
    "user_id": (User, "name"),  # the account an API token acts as
    "event_id": (Event, "title"),
    "zone_id": (Zone, "name"),
}


def _names_for(rows):
    """Resolve the ids mentioned in audit rows to names, one query per kind."""
    wanted = {}
    for row in rows:
        for snap in (row.before or {}, row.after or {}):
            for key, (model, _) in LOOKUPS.items():
                if snap.get(key):
                    wanted.setdefault(model, set()).add(snap[key])
    names = {}
    for model, ids in wanted.items():
        attr = {Organization: "name", User: "name", Event: "title", Zone: "name"}[model]
        for i, n in db.session.execute(db.select(model.id, getattr(model, attr)).where(model.id.in_(ids))):
            names[(model, i)] = n
    return names


def show(key, value, names, entity=None):
    """A stored audit value as a person reads it (``entity``: the row's, for values whose words depend on it)."""
    from ..models import Channel, ContractType, RegistrationStatus, Role
    from ..models.enums import ApiScope, ApiTokenKind

    if value is None or value == "":
        return "—"
    if entity in ("tech_need", "need", "result"):
        shown = _show_listing(key, value, entity)
        if shown is not None:
            return shown
    if key in LOOKUPS:
        return names.get((LOOKUPS[key][0], value), f"#{value}")
    labels = {"type": ContractType, "channel": Channel, "registration_status": RegistrationStatus,
              "kind": ApiTokenKind, "role": Role}  # fmt: skip
    if key in labels:
        return labels[key].label_of(value)
    if key == "scopes":  # an API token's, as a list
        return "、".join(ApiScope.label_of(v) for v in (value if isinstance(value, list) else [value]))
    if key == "days":
        return f"{value} 天"
    if key == "active":
        return "正常" if value else "已停用"
    if key in ("need_id", "result_id", "suggestion_id"):
        return f"#{value}"
    if key in ("voided", "password_reentered"):
        return "是" if value else "否"
    if key == "state":
        from .lifecycle import LABELS

        return LABELS.get(value, str(value))
    return str(value)


def audit_query(args):
    """Audit rows filtered by entity id, action and actor, newest first."""
    stmt = db.select(AuditLog).options(joinedload(AuditLog.actor)).order_by(AuditLog.id.desc())
    if args.get("entity"):
        stmt = stmt.where(AuditLog.entity == args["entity"])
    if id_or_none(args.get("entity_id")):
        stmt = stmt.where(AuditLog.entity_id == id_or_none(args["entity_id"]))
    if args.get("action"):
        stmt = stmt.where(AuditLog.action == args["action"])
    if id_or_none(args.get("actor")):
        stmt = stmt.where(AuditLog.actor_id == id_or_none(args["actor"]))
    return stmt
