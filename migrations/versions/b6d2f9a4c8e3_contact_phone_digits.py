"""organization.contact_phone, tech_need.contact_phone, result.contact_phone normalised, as user.phone is

Revision ID: b6d2f9a4c8e3
Revises: f4a8d2c6e1b9
Create Date: 2026-12-06 19:00:00

Organisations' and listings' contact phones were stored as typed (0755-12345678, and only the layouts the old
form took), while account phones are stored normalised since f4a8d2c6e1b9. The app now stores these normalised
too (matchmaker.utils.validators.normalize_phone: digits only, full-width digits as ASCII, +86 / 0086 / 86 before
a mobile dropped) and takes any layout it reads; this migration normalises the rows stored before, by a frozen copy
of the rules as they were when written (normalize_phone and is_phone below), not by importing the app's.

A value that is no number the app reads (is_phone: a mainland mobile or landline, an extension after a dash) is
left as typed, and the log names it (table, id, value) for an admin or the listing's owner to correct: its edit
form refuses it beside the field until then. A blank value becomes NULL. No unique constraint holds these columns.
The downgrade changes nothing: the typed layouts are not kept, and the normalised numbers are valid for the code
before too (its validator took a mobile's 11 digits and a landline's digits without the dash), but for a landline
with an extension, whose digits run on (057188886666123): the form before refuses it until retyped with dashes.
"""
import logging
import re
import unicodedata

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'b6d2f9a4c8e3'
down_revision = 'f4a8d2c6e1b9'
branch_labels = None
depends_on = None

log = logging.getLogger('alembic.runtime.migration')

TABLES = ('organization', 'tech_need', 'result')


# ---- Frozen copy of matchmaker.utils.validators.normalize_phone and is_phone as of this revision (do not import the
# app's).
_PHONE_SEPARATORS = re.compile(r'[\s\-\u2010-\u2015\u2212\ufe58\ufe63().\u200b-\u200f\u2060\ufeff]')
_MOBILE = re.compile(r'1[3-9]\d{9}')
_LANDLINE_DIGITS = re.compile(r'0\d{9,11}')
PHONE_RE = re.compile(r'^(1[3-9]\d{9}|0\d{2,3}-?\d{7,8}(-\d{1,6})?)$')


def normalize_phone(value):
    if value is None:
        return None
    number = _PHONE_SEPARATORS.sub('', unicodedata.normalize('NFKC', str(value)))
    number = ''.join(ch for ch in number if unicodedata.category(ch)[0] != 'C')
    for prefix in ('+86', '0086', '86'):
        if number.startswith(prefix) and _MOBILE.fullmatch(number[len(prefix):]):
            return number[len(prefix):]
    return number or None


def is_phone(text):
    number = normalize_phone(text)
    if number and (_MOBILE.fullmatch(number) or _LANDLINE_DIGITS.fullmatch(number)):
        return True
    dashed = re.sub(r'[\s()\u200b-\u200f\u2060\ufeff]', '', unicodedata.normalize('NFKC', str(text or '')))
    return bool(PHONE_RE.match(re.sub(r'[\u2010-\u2015\u2212\ufe58\ufe63]', '-', dashed)))
# ---- end of the frozen copy


def upgrade():
    bind = op.get_bind()
    for name in TABLES:
        table = sa.table(name, sa.column('id', sa.Integer()), sa.column('contact_phone', sa.String()))
        rows = bind.execute(sa.select(table.c.id, table.c.contact_phone)
                            .where(table.c.contact_phone.is_not(None)).order_by(table.c.id)).all()
        changes = []
        for row_id, phone in rows:
            number = normalize_phone(phone)
            if number is not None and not is_phone(phone):
                log.warning('%s %s contact_phone “%s” is no phone number the platform reads: left as typed '
                            '(correct it on its edit page)', name, row_id, phone)
                continue
            if number != phone:
                changes.append({'row_id': row_id, 'number': number})
        if changes:
            bind.execute(table.update().where(table.c.id == sa.bindparam('row_id'))
                         .values(contact_phone=sa.bindparam('number')), changes)
        log.info('%s: %d contact phones normalised', name, len(changes))


def downgrade():
    pass
