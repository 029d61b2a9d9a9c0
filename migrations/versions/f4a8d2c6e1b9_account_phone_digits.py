"""user.phone normalised: an account's phone meets the same number stored as digits elsewhere

Revision ID: f4a8d2c6e1b9
Revises: e3b7c1d9a2f4
Create Date: 2026-12-06 17:10:00

Account phones were stored as typed (138-0013-8000, +86 138 0013 8000, full-width digits), while trainees' and live
viewers' phones are stored normalised: training self-enrolment falls back to the account's phone, live classes match
registrants by it. The app now stores the account's phone normalised too (matchmaker.utils.validators.normalize_phone:
digits only, +86 / 0086 / 86 before a mobile dropped); this migration normalises the rows stored before, by a frozen
copy of the rule as it was when written (normalize_phone below), not by importing the app's.

user.phone has no unique constraint and no login or lookup reads it, so two accounts may hold one number: no row is
left as typed for a clash. A blank phone becomes NULL. The downgrade changes nothing: the typed layouts are not kept,
and the normalised numbers are valid numbers for the code before too.
"""
import re
import unicodedata

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'f4a8d2c6e1b9'
down_revision = 'e3b7c1d9a2f4'
branch_labels = None
depends_on = None


# ---- Frozen copy of matchmaker.utils.validators.normalize_phone as of this revision (do not import the app's).
_PHONE_SEPARATORS = re.compile(r'[\s\-\u2010-\u2015\u2212\ufe58\ufe63().\u200b-\u200f\u2060\ufeff]')
_MOBILE = re.compile(r'1[3-9]\d{9}')


def normalize_phone(value):
    if value is None:
        return None
    number = _PHONE_SEPARATORS.sub('', unicodedata.normalize('NFKC', str(value)))
    number = ''.join(ch for ch in number if unicodedata.category(ch)[0] != 'C')
    for prefix in ('+86', '0086', '86'):
        if number.startswith(prefix) and _MOBILE.fullmatch(number[len(prefix):]):
            return number[len(prefix):]
    return number or None
# ---- end of the frozen copy


def upgrade():
    user = sa.table('user', sa.column('id', sa.Integer()), sa.column('phone', sa.String()))
    bind = op.get_bind()
    rows = bind.execute(sa.select(user.c.id, user.c.phone).where(user.c.phone.is_not(None)).order_by(user.c.id)).all()
    changes = [{'user_id': user_id, 'number': normalize_phone(phone)}
               for user_id, phone in rows if normalize_phone(phone) != phone]
    if changes:
        bind.execute(user.update().where(user.c.id == sa.bindparam('user_id')).values(phone=sa.bindparam('number')),
                     changes)


def downgrade():
    pass
