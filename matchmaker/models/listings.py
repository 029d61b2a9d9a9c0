"""Technical needs, research results, zones and the maintained choice lists."""

from sqlalchemy.orm import validates

from ..extensions import db
from ..utils.text import zone_key
from ..utils.validators import normalize_phone
from .base import utcnow
from .enums import ListingStatus, UrgentStatus

# A need in these states can still be asked for the fast channel (急需); solved, closed and expired ones cannot.
OPEN_NEED_STATES = (ListingStatus.DRAFT.value, ListingStatus.PUBLISHED.value, ListingStatus.DOCKING.value)


need_zone = db.Table(
    "need_zone",
    db.Column("need_id", db.Integer, db.ForeignKey("tech_need.id", ondelete="CASCADE"), primary_key=True),
    db.Column("zone_id", db.Integer, db.ForeignKey("zone.id", ondelete="CASCADE"), primary_key=True),
)
result_zone = db.Table(
    "result_zone",
    db.Column("result_id", db.Integer, db.ForeignKey("result.id", ondelete="CASCADE"), primary_key=True),
    db.Column("zone_id", db.Integer, db.ForeignKey("zone.id", ondelete="CASCADE"), primary_key=True),
)


class Taxonomy(db.Model):
    """A maintained choice: an industry, a technical field or a town."""

    __tablename__ = "taxonomy"
    __table_args__ = (
        db.UniqueConstraint("kind", "name", name="uq_taxonomy_kind_name"),
        db.UniqueConstraint("kind", "name_key", name="uq_taxonomy_kind_name_key"),
    )
    id = db.Column(db.Integer, primary_key=True)
    kind = db.Column(db.String(20), nullable=False, index=True)  # industry / field / town
    name = db.Column(db.String(50), nullable=False)
    # The name as the list tells look-alikes (utils.text.zone_key: 智能 家电, 智能家电 and ＡＩ芯片 / ai芯片 / AI芯片 are
    # one entry), unique within the list, so a look-alike added by a simultaneous request is refused by the
    # database. NULL only on look-alikes kept by the migration that added it (b4d7e2a9c1f3), until renamed.
    name_key = db.Column(db.Text)
    sort_order = db.Column(db.Integer, nullable=False, default=0)
    active = db.Column(db.Boolean, nullable=False, default=True)

    @validates("name")
    def _set_name_key(self, _key, name):
        """Every new name takes its key; the same name set again keeps the key (a look-alike left NULL stays so)."""
        if name != self.name:
            self.name_key = zone_key(name)
        return name


class Zone(db.Model):
    """A themed zone (专区) collecting needs and results."""

    __tablename__ = "zone"
    id = db.Column(db.Integer, primary_key=True)
    name = db.Column(db.String(50), nullable=False, unique=True)
    # The name as "the same zone" is told (utils.text.zone_key: AI专区, ai专区, ＡＩ专区 and AI 专区 are one): unique,
    # so a look-alike saved by a simultaneous request is refused by the database. NULL only on look-alikes kept
    # by the migration that added it (a database holding two already), until renamed.
    name_key = db.Column(db.Text, unique=True, index=True)
    description = db.Column(db.Text)
    starts_on = db.Column(db.Date)
    ends_on = db.Column(db.Date)
    active = db.Column(db.Boolean, nullable=False, default=True)
    created_at = db.Column(db.DateTime, nullable=False, default=utcnow)

    @validates("name")
    def _set_name_key(self, _key, name):
        """Every new name takes its key (a zone's own look-alike, AI专区 renamed ai专区, keeps the same one);
        saving the same name again keeps the key as it is (a look-alike the migration left NULL stays editable)."""
        if name != self.name:
            self.name_key = zone_key(name)
        return name


class ListingMixin:
    """Columns and behaviour shared by needs and results."""

    id = db.Column(db.Integer, primary_key=True)
    title = db.Column(db.String(100), nullable=False)
    keywords = db.Column(db.String(200), nullable=False, default="")
    field = db.Column(db.String(50), index=True)
    industry = db.Column(db.String(50), index=True)
    town = db.Column(db.String(50), index=True)
    status = db.Column(db.String(20), nullable=False, default=ListingStatus.DRAFT.value, index=True)
    valid_until = db.Column(db.Date, index=True)
    source = db.Column(db.String(20), nullable=False, default="self")
    external_ref = db.Column(db.String(100), unique=True)  # bulk-import key
    contact_name = db.Column(db.String(50))
    contact_phone = db.Column(db.String(30))
    contact_email = db.Column(db.String(120))
    # Cached jieba tokens (space separated): full-text search and index refits read
    # these instead of tokenising again.
    tokens = db.Column(db.Text, nullable=False, default="")
    # What public full-text search may see: "title\nkeywords\nbody" tokens, without the
    # hidden parts of a summary-only need. The search index (FTS5 / tsvector) is built from it.
    search_tokens = db.Column(db.Text, nullable=False, default="")
    created_at = db.Column(db.DateTime, nullable=False, default=utcnow, index=True)
    updated_at = db.Column(db.DateTime, nullable=False, default=utcnow, onupdate=utcnow)
    published_at = db.Column(db.DateTime, index=True)
    confirmed_at = db.Column(db.DateTime)
    expiry_notified_at = db.Column(db.DateTime)

    SOLVED_LABEL = "已解决"  # a result's is 已转化 (a result is transferred, not solved)

    @classmethod
    def status_label_of(cls, status):
        """A status as this kind of listing says it."""
        return cls.SOLVED_LABEL if status == ListingStatus.SOLVED.value else ListingStatus.label_of(status)

    @property
    def status_label(self):
        return self.status_label_of(self.status)

    @validates("contact_phone")
    def _normalize_contact_phone(self, _key, phone):
        """Stored normalised (utils.validators.normalize_phone), as an account's phone is, on every path that sets
        it (the forms, the bulk import, the demo): 138-0013-8000 is 13800138000. Blank is NULL."""
        return normalize_phone(phone)

    @property
    def keyword_list(self):
        return [k for k in (self.keywords or "").replace("，", ",").split(",") if k.strip()]


class TechNeed(ListingMixin, db.Model):
    """A technical need (技术需求) posted by an enterprise."""

    __tablename__ = "tech_need"
    # Covers the public list: count, default/deadline/budget sorts read only this index.
    __table_args__ = (
        db.Index(
            "ix_tech_need_live",
            "status",
            "valid_until",
            "published_at",
            "confidentiality",
            "budget_wan",
            "industry",
            "town",
            "coop_mode",
            "field",
        ),
        # The default order (newest first) read in index order, live rows filtered in the index.
        db.Index("ix_tech_need_recent", "published_at", "id", "status", "valid_until"),
    )
    organization_id = db.Column(db.Integer, db.ForeignKey("organization.id"), nullable=False, index=True)
    created_by_id = db.Column(db.Integer, db.ForeignKey("user.id"), index=True)
    summary = db.Column(db.String(300), nullable=False, default="")
    problem = db.Column(db.Text, nullable=False, default="")  # 拟解决的技术难题
    indicators = db.Column(db.Text, nullable=False, default="")  # 技术指标
    conditions = db.Column(db.Text, nullable=False, default="")  # 现有基础
    coop_mode = db.Column(db.String(20), index=True)
    budget_wan = db.Column(db.Numeric(14, 2))  # None with budget_negotiable: 面议
    budget_negotiable = db.Column(db.Boolean, nullable=False, default=False)
    confidentiality = db.Column(db.String(20), nullable=False, default="public")

    organization = db.relationship("Organization")
    created_by = db.relationship("User")
    zones = db.relationship(
        "Zone", secondary=need_zone, order_by="Zone.id", backref=db.backref("needs", lazy="dynamic")
    )

    @property
    def urgent(self):
        """The need's latest fast-channel request (earlier ones were refused), or None."""
        asked = self.urgent_requests
        return asked[-1] if asked else None

    @property
    def can_ask_urgent(self):
        """Whether the fast channel can be asked for now: the need is open and has no open request."""
        latest = self.urgent
        return self.status in OPEN_NEED_STATES and (latest is None or latest.status == UrgentStatus.REFUSED.value)

    def can_edit(self, user):
        """Enterprise users edit their own organisation's needs; admins any."""
        if not user.is_authenticated:
            return False
        return user.is_admin or (user.role == "enterprise" and user.organization_id == self.organization_id)


class Result(ListingMixin, db.Model):
    """A research result (科技成果) listed by a researcher."""

    __tablename__ = "result"
    SOLVED_LABEL = "已转化"
    __table_args__ = (
        db.Index(
            "ix_result_live",
            "status",
            "valid_until",
            "published_at",
            "price_wan",
            "industry",
            "town",
            "maturity",
            "transfer_mode",
            "field",
        ),
        db.Index("ix_result_recent", "published_at", "id", "status", "valid_until"),
    )
    organization_id = db.Column(db.Integer, db.ForeignKey("organization.id"), nullable=False, index=True)
    owner_id = db.Column(db.Integer, db.ForeignKey("user.id"), index=True)
    abstract = db.Column(db.Text, nullable=False, default="")
    detail = db.Column(db.Text, nullable=False, default="")
    team = db.Column(db.String(200))
    maturity = db.Column(db.String(20), index=True)
    ip_type = db.Column(db.String(20))
    patent_numbers = db.Column(db.String(500))
    transfer_mode = db.Column(db.String(20), index=True)
    price_wan = db.Column(db.Numeric(14, 2))
    price_negotiable = db.Column(db.Boolean, nullable=False, default=False)
    advantages = db.Column(db.Text, nullable=False, default="")

    organization = db.relationship("Organization")
    owner = db.relationship("User")
    zones = db.relationship(
        "Zone", secondary=result_zone, order_by="Zone.id", backref=db.backref("results", lazy="dynamic")
    )

    def can_edit(self, user):
        """Researchers edit their own results; admins any."""
        if not user.is_authenticated:
            return False
        return user.is_admin or (user.role == "researcher" and user.id == self.owner_id)


class DomainTerm(db.Model):
    """A technical term added to the tokeniser's domain dictionary by an admin."""

    __tablename__ = "domain_term"
    id = db.Column(db.Integer, primary_key=True)
    word = db.Column(db.String(50), nullable=False, unique=True)
    added_by_id = db.Column(db.Integer, db.ForeignKey("user.id"))
    created_at = db.Column(db.DateTime, nullable=False, default=utcnow)
