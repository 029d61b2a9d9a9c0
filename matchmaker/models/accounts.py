"""Organisations and users."""

import secrets

from flask_login import UserMixin
from sqlalchemy.orm import validates
from werkzeug.security import check_password_hash, generate_password_hash

from ..extensions import db
from ..utils.text import name_key
from ..utils.validators import normalize_phone
from .base import utcnow
from .enums import OrgKind, Role

# scrypt with werkzeug's defaults (n=2**15, r=8, p=1); asserted by the security tests.
PASSWORD_METHOD = "scrypt"  # noqa: S105 -- a hashing method name, not a password


class Organization(db.Model):
    """An enterprise, university, institute, agency or government body."""

    __tablename__ = "organization"
    id = db.Column(db.Integer, primary_key=True)
    name = db.Column(db.String(100), nullable=False, unique=True)
    # The name as "the same organisation" is told (utils.text.name_key: brackets of either width, full-width
    # letters): unique, so a look-alike saved by a simultaneous request is refused by the database. NULL only
    # on look-alikes kept by the migration that added it (a database holding two already), until renamed.
    name_key = db.Column(db.Text, unique=True, index=True)
    kind = db.Column(db.String(20), nullable=False, index=True)
    uscc = db.Column(db.String(18), unique=True)  # 统一社会信用代码
    town = db.Column(db.String(50))
    industry = db.Column(db.String(50))
    address = db.Column(db.String(200))
    contact_name = db.Column(db.String(50))
    contact_phone = db.Column(db.String(30))
    contact_email = db.Column(db.String(120))
    description = db.Column(db.Text)
    verified = db.Column(db.Boolean, nullable=False, default=False)
    created_at = db.Column(db.DateTime, nullable=False, default=utcnow)

    users = db.relationship("User", back_populates="organization", lazy="dynamic", foreign_keys="User.organization_id")

    @validates("name")
    def _set_name_key(self, _key, name):
        """Every new name takes its key; saving the same name again keeps the key as it is (a look-alike the
        migration found already there keeps NULL, so its other fields can still be edited)."""
        if name != self.name:
            self.name_key = name_key(name)
        return name

    @validates("contact_phone")
    def _normalize_contact_phone(self, _key, phone):
        """Stored normalised (utils.validators.normalize_phone), as an account's phone is, on every path that sets
        it (the admin's form, the demo): 0571-8888 6666 is 057188886666. Blank is NULL."""
        return normalize_phone(phone)

    @property
    def kind_label(self):
        return OrgKind.label_of(self.kind)

    def can_edit_contacts(self, user):
        """Whether ``user`` keeps this organisation's contact details (地址, 联系人, 联系电话, 联系邮箱) up to date on
        the 本单位信息 page: an enterprise user who is its member (an admin approved the request to join, or the
        user registered it; a pending request is no membership). Enterprise users speak for their enterprise, as
        they own its needs (DESIGN.md); a researcher owns only their own results, so a university's or institute's
        details stay the admin's, as do every organisation's name, kind, credit code, town and industry (admins
        edit every field on the admin's organisation page)."""
        if not getattr(user, "is_authenticated", False):
            return False
        return user.role == Role.ENTERPRISE and user.organization_id == self.id

    def __repr__(self):
        return f"<Organization {self.id} {self.name}>"


class User(UserMixin, db.Model):
    """A person who logs in; exactly one role, one organisation."""

    __tablename__ = "user"
    id = db.Column(db.Integer, primary_key=True)
    email = db.Column(db.String(120), nullable=False, unique=True)
    phone = db.Column(db.String(30))
    name = db.Column(db.String(50), nullable=False)
    password_hash = db.Column(db.String(255), nullable=False)
    role = db.Column(db.String(20), nullable=False, index=True)
    organization_id = db.Column(db.Integer, db.ForeignKey("organization.id"), index=True)
    # A self-registered user naming an enterprise already on the platform asks to join it;
    # until an admin approves, the account belongs to no organisation and sees nothing of it.
    requested_organization_id = db.Column(db.Integer, db.ForeignKey("organization.id"), index=True)
    active = db.Column(db.Boolean, nullable=False, default=True)
    # Changes on logout, on a password change and on deactivation, which invalidates
    # every session and remember-me cookie issued before (both carry it, see get_id).
    session_token = db.Column(db.String(64), nullable=False, default=lambda: secrets.token_hex(16))
    created_at = db.Column(db.DateTime, nullable=False, default=utcnow)
    last_login_at = db.Column(db.DateTime)

    organization = db.relationship("Organization", back_populates="users", foreign_keys=[organization_id])
    requested_organization = db.relationship("Organization", foreign_keys=[requested_organization_id])

    @validates("phone")
    def _normalize_phone(self, _key, phone):
        """Stored normalised (utils.validators.normalize_phone: digits only, +86 before a mobile dropped), on every
        path that sets it: training and live classes compare the account's phone with numbers stored so, and
        138-0013-8000 typed here met no 13800138000 there. A blank phone is NULL."""
        return normalize_phone(phone)

    # Flask-Login -------------------------------------------------------------
    def get_id(self):
        return f"{self.id}:{self.session_token}"

    @property
    def is_active(self):
        return bool(self.active)

    # Passwords ---------------------------------------------------------------
    def set_password(self, password):
        """Hash and store a new password, ending all other sessions."""
        self.password_hash = generate_password_hash(password, method=PASSWORD_METHOD)
        self.end_sessions()

    def check_password(self, password):
        return check_password_hash(self.password_hash, password)

    def deactivate(self):
        """Block logins and end current sessions."""
        self.active = False
        self.end_sessions()

    def end_sessions(self):
        """Invalidate every session cookie and remember-me cookie issued so far."""
        self.session_token = secrets.token_hex(16)

    # Roles -------------------------------------------------------------------
    def has_role(self, *roles):
        return self.role in {str(r) for r in roles}

    @property
    def role_label(self):
        return Role.label_of(self.role)

    @property
    def is_admin(self):
        return self.role == Role.ADMIN

    @property
    def is_broker(self):
        return self.role == Role.BROKER

    @property
    def is_staff(self):
        """Brokers and admins see confidential parts and contact details."""
        return self.role in (Role.BROKER, Role.ADMIN)

    def __repr__(self):
        return f"<User {self.id} {self.email} {self.role}>"


class LoginAttempt(db.Model):
    """A login attempt not yet known to have succeeded: the throttle every worker process sees.

    A row is written before the password is checked and kept when it was wrong; rows older
    than the failure window are deleted as new attempts come in (auth/throttle.py)."""

    __tablename__ = "login_attempt"
    id = db.Column(db.Integer, primary_key=True)
    account = db.Column(db.String(120), nullable=False, index=True)
    address = db.Column(db.String(64), nullable=False)
    created_at = db.Column(db.DateTime, nullable=False, default=utcnow, index=True)
