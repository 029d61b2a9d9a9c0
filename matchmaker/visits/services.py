"""Visit use cases: record a visit (experts included), collect needs during it, an enterprise's
service history, and the figures the service statistics read.

Each function owns its transaction and commits once; a collected need is matched after the commit.
"""

import re
from datetime import date

from sqlalchemy import func
from sqlalchemy.orm import joinedload, selectinload

from ..admin.services import organizations_named
from ..extensions import db
from ..listings import lifecycle
from ..listings.services import apply_data
from ..models import ListingStatus, Organization, OrgKind, Role, TechNeed, UrgentRequest, User, Visit, VisitExpert
from ..models.enums import Source, VisitKind
from ..models.visits import visit_need
from ..notifications.services import notify
from ..suggestions import services as matcher
from ..utils import clock, once
from ..utils.rows import count_rows
from ..utils.search import contains_any
from ..utils.text import has_visible
from ..utils.versions import fingerprint, hold, unless_stale

EXPERT_ORG_KINDS = (OrgKind.UNIVERSITY.value, OrgKind.INSTITUTE.value, OrgKind.RND.value)


class VisitError(ValueError):
    """A refused visit action; the message is shown to the user, under ``field`` of the form when given."""

    def __init__(self, message, field=None):
        super().__init__(message)
        self.field = field


# 、 (and its half-width form) lists items in Chinese: several experts' names in one line, never a field boundary.
_NAME_LIST = re.compile(r"[、､]")


def parse_experts(text):
    """Lines “姓名，单位[，职称]” → [(name, institution, title)], one per expert; raises VisitError naming the line.

    Fields are separated by commas (，or ,). Names listed with 、 (李明、王芳，南方理工大学，教授) are that many experts
    of the one 单位 and 职称: 、 separated fields before, so 王芳 was saved as the 单位 and 南方理工大学 as the 职称."""
    out = []
    for n, line in enumerate((text or "").splitlines(), start=1):
        line = line.strip()
        if not line:
            continue
        parts = [p.strip() for p in line.replace("，", ",").split(",")]
        names = list(dict.fromkeys(x.strip() for x in _NAME_LIST.split(parts[0]) if has_visible(x)))
        if len(parts) < 2 or not names or not has_visible(parts[1]):  # ㅤ draws nothing
            hint = "（顿号只用于分隔同一单位的多位专家姓名，姓名与单位之间请用逗号）" if _NAME_LIST.search(line) else ""
            raise VisitError(f"第 {n} 行应为“姓名，单位”或“姓名，单位，职称”{hint}")
        institution, title = parts[1], ",".join(parts[2:]).strip() or None
        if max(map(len, names)) > 50 or len(institution) > 100 or (title and len(title) > 50):
            raise VisitError(f"第 {n} 行过长（姓名不超过 50 字，单位不超过 100 字，职称不超过 50 字）")
        out.extend((name, institution, title) for name in names)
    if len(out) > 30:
        raise VisitError("一次走访最多登记 30 位专家")
    return out


def experts_text(visit):
    """The visit's experts as its edit form shows them: one “姓名，单位，职称” a line."""
    return "\n".join("，".join(x for x in (e.name, e.institution, e.title) if x) for e in visit.experts)


def visit_version(visit):
    """A fingerprint of what the edit form shows of the visit as stored."""
    return fingerprint((visit.organization_id, visit.kind, visit.visited_on, visit.topic, visit.people, visit.hosts,
                        visit.summary, experts_text(visit)))  # fmt: skip


def save_visit(visit, data, actor, key=None, version=None):
    """Create or update a visit and its experts from validated form data; commits.

    ``version``: the visit_version its edit page showed; a visit saved since then by someone else (another
    broker, an admin, another tab) is not overwritten (EditConflict) unless this save changes nothing (the
    second submit of a double click)."""
    with unless_stale(visit, version, visit_version, "走访记录",
                      who="其他经纪人、管理员"):  # fmt: skip
        claimed = _apply_visit(visit, data, actor, key)
    if visit.id is None:
        visit.recorded_by_id = actor.id
        db.session.add(visit)
        db.session.flush()
        once.bind(claimed, visit.id)
    db.session.commit()
    return visit


def _apply_visit(visit, data, actor, key):
    """Check the form data and set it on the visit; returns the new visit's one-time key claim."""
    org = db.session.get(Organization, data["organization_id"])
    if org is None or org.kind != OrgKind.ENTERPRISE:
        raise VisitError("请选择被走访的企业", "enterprise")
    if visit.id is not None and org.id != visit.organization_id and visit.needs:
        # Its collected needs stay the first enterprise's: the visit would count and show them for another.
        raise VisitError("该走访已登记征集需求，不能更换被走访企业；如选错企业，请另行登记走访", "enterprise")
    try:
        experts = parse_experts(data.get("experts"))
    except VisitError as exc:
        raise VisitError(str(exc), "experts") from None
    if data["kind"] == VisitKind.EXPERT and not experts:
        raise VisitError("专家进企业须登记至少一位随行专家", "experts")
    if data["visited_on"] > clock.today():
        raise VisitError("走访日期不能晚于今天", "visited_on")
    visit.organization_id, visit.kind, visit.visited_on = org.id, data["kind"], data["visited_on"]
    visit.topic, visit.people = data["topic"].strip(), data["people"].strip()
    visit.hosts = (data.get("hosts") or "").strip() or None
    visit.summary = (data.get("summary") or "").strip()
    found = organizations_named((e[1] for e in experts), Organization.kind.in_(EXPERT_ORG_KINDS))
    known = {name: org_id for name, (org_id, _kind) in found.items()}
    claimed = once.claim(key, "visit", actor) if visit.id is None else None  # a new visit is made once per form
    visit.experts = [VisitExpert(name=n, institution=i, title=t, organization_id=known.get(i)) for n, i, t in experts]
    return claimed


def _speaker_for(org_id):
    """The enterprise user a collected need is filed under (its first active user), or None."""
    return db.session.scalar(
        db.select(User.id)
        .where(User.organization_id == org_id, User.role == Role.ENTERPRISE, User.active.is_(True))
        .order_by(User.id)
    )


def collect_need(visit, data, actor, publish=True, key=None):
    """A need collected (征集) during the visit, posted for the enterprise; source 走访收集; commits."""
    claimed = once.claim(key, f"visit_need:{visit.id}", actor)  # another visit's (or /needs/new's) key: not a repeat
    # The visit held and read again, as an edit holds it: an edit moving it to another enterprise at this moment
    # either sees this need (and is refused) or is committed first and the need is that enterprise's (it was
    # filed under the enterprise the page had read, and the visit showed another enterprise's need).
    hold(visit)
    need = TechNeed(organization_id=visit.organization_id, created_by_id=_speaker_for(visit.organization_id),
                    status=ListingStatus.DRAFT.value)  # fmt: skip
    apply_data(need, dict(data, source=Source.VISIT.value))
    if publish:
        try:
            lifecycle.transition(need, "publish", actor=actor)
        except lifecycle.LifecycleError as exc:
            db.session.rollback()  # the key reserved above goes with it
            raise VisitError(str(exc)) from None
    visit.needs.append(need)
    db.session.flush()
    once.bind(claimed, need.id)
    if need.created_by_id:
        notify(need.created_by_id, "visit",
               f"平台经纪人 {actor.name} 在{visit.kind_label}时为贵单位征集了技术需求“{need.title}”，请核对",
               f"/needs/{need.id}")  # fmt: skip
    if lifecycle.is_live(need):
        matcher.schedule_matching(need)  # after the commit; a matcher failure is retried, the need stays
    db.session.commit()
    return need


def visit_query(args, user):
    """Visits by kind, enterprise, date range and recorder; newest first."""
    stmt = db.select(Visit).join(Organization, Organization.id == Visit.organization_id)
    if args.get("kind") in {k.value for k in VisitKind}:
        stmt = stmt.where(Visit.kind == args["kind"])
    for arg, op in (("from", "__ge__"), ("to", "__le__")):
        try:
            day = date.fromisoformat((args.get(arg) or "").strip())
        except ValueError:
            continue
        stmt = stmt.where(getattr(Visit.visited_on, op)(day))
    if args.get("mine") == "1":
        stmt = stmt.where(Visit.recorded_by_id == user.id)
    q = (args.get("q") or "").strip()[:50]
    if q:
        stmt = stmt.where(contains_any(q, Organization.name, Visit.topic, Visit.people))
    return stmt.order_by(Visit.visited_on.desc(), Visit.id.desc())


# Service history -------------------------------------------------------------------------

HISTORY_PROVIDERS = []  # other service areas add (title, function(org) -> HistoryRows of (date, text, link), staff_links)
HISTORY_LIMIT = 50  # newest rows shown per section; the page says how many there are in all


class HistoryRows(list):
    """A section's newest rows (at most HISTORY_LIMIT) as (date, text, link), and ``total``: how many in all."""

    def __init__(self, rows, total):
        super().__init__(rows)
        self.total = total


def history_rows(stmt, item, scalars=True):
    """Count the statement's rows and make ``item(row)`` of its newest HISTORY_LIMIT (an enterprise with
    thousands of visits or cases read and formatted every one, one query each for a visit's experts)."""
    total = count_rows(stmt)
    result = db.session.scalars(stmt.limit(HISTORY_LIMIT)) if scalars else db.session.execute(stmt.limit(HISTORY_LIMIT))
    return HistoryRows([item(row) for row in result], total)


def history_provider(title, staff_links=False):
    """Register a section of an enterprise's service history; ``staff_links``: its rows link to pages only brokers
    and admins may open (the enterprise reading its own history sees those rows as text)."""

    def register(fn):
        HISTORY_PROVIDERS.append((title, fn, staff_links))
        return fn

    return register


@history_provider("走访与专家服务", staff_links=True)
def _visits(org):
    stmt = (
        db.select(Visit)
        .where(Visit.organization_id == org.id)
        .options(selectinload(Visit.experts))
        .order_by(Visit.visited_on.desc(), Visit.id.desc())
    )
    return history_rows(stmt, lambda v: (v.visited_on, f"{v.kind_label}：{v.topic}" + (
        f"（专家 {len(v.experts)} 位）" if v.experts else ""), f"/visits/{v.id}"))  # fmt: skip


@history_provider("技术需求")
def _needs(org):
    stmt = (
        db.select(TechNeed)
        .where(TechNeed.organization_id == org.id)
        .order_by(TechNeed.created_at.desc(), TechNeed.id.desc())
    )
    return history_rows(stmt, lambda n: (n.created_at.date(), f"{n.title}（{Source.label_of(n.source)}，{n.status_label}）",
                                         f"/needs/{n.id}"))  # fmt: skip


@history_provider("快速通道")
def _urgent(org):
    stmt = (
        db.select(UrgentRequest)
        .where(UrgentRequest.organization_id == org.id)
        .options(joinedload(UrgentRequest.need))
        .order_by(UrgentRequest.id.desc())
    )
    return history_rows(
        stmt, lambda r: (r.requested_at.date(), f"急需：{r.need.title}（{r.status_label}）", f"/urgent/{r.id}")
    )


def service_history(org, staff=True):
    """Every service the enterprise received, by kind: [(title, HistoryRows)], the newest rows of each; for a
    viewer who is not ``staff``, rows link only to pages they may open (a visit's page answered an enterprise 403)."""
    sections = []
    for title, fn, staff_links in HISTORY_PROVIDERS:
        rows = fn(org)
        if staff_links and not staff:
            rows = HistoryRows([(day, text, None) for day, text, _link in rows], rows.total)
        sections.append((title, rows))
    return sections


# Figures ----------------------------------------------------------------------------------


def counts(start, end):
    """Visits in [start, end] (dates): visits, enterprises visited or received, expert visits and their enterprises."""
    v = Visit
    in_period = v.visited_on.between(start, end)
    plain = (VisitKind.VISIT.value, VisitKind.RECEPTION.value)
    row = db.session.execute(
        db.select(
            func.count(v.id),
            func.count(func.distinct(v.organization_id)),
            func.count(v.id).filter(v.kind == VisitKind.EXPERT.value),
        ).where(in_period)
    ).one()
    key = db.session.scalar(db.select(func.count(func.distinct(v.organization_id))).where(in_period, v.kind.in_(plain)))
    expert_orgs = db.session.scalar(
        db.select(func.count(func.distinct(v.organization_id))).where(in_period, v.kind == VisitKind.EXPERT.value)
    )
    needs = db.session.scalar(
        db.select(func.count(visit_need.c.need_id)).join(v, v.id == visit_need.c.visit_id).where(in_period)
    )
    return {"visits": row[0], "enterprises": row[1], "key_enterprises": key, "expert_visits": row[2],
            "expert_enterprises": expert_orgs, "needs_collected": needs}  # fmt: skip
