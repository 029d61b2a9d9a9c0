"""A landline's extension kept apart from its number in every stored phone: 075588886666-123

Revision ID: c1e5a8f3d7b2
Revises: b6d2f9a4c8e3
Create Date: 2026-12-07 00:15:00

Phones are stored normalised (matchmaker.utils.validators.normalize_phone), which dropped every separator, so an
extension typed after a dash (0755-88886666-123) ran on into the number (075588886666123) and an extension typed
after 转 / 分机 / ext / # (0755-8888 6666 转 123) was refused by the forms, or, where the migrations before met it,
stored glued (075588886666转123 in user.phone) or left as typed (the contact phones). The app now keeps an
extension after one dash (075588886666-123, shown 0755-88886666 转 123); this migration stores the rows the new rule
reads so, by a frozen copy of the rules as they were when written (normalize_phone and is_phone below), not by
importing the app's: user.phone, the contact phones of organization, tech_need and result, training_enrolment.phone.

Only a row the new rule reads as a phone and stores differently changes. A number already run on (075588886666123)
stays as it is: 8 digits and an extension of 3, or 7 and 4, cannot be told apart; its edit form takes it back as
stored and shows it so. A trainee's number another trainee of the course already holds (the unique number per
course) keeps its value and is logged. The downgrade changes nothing: the code before reads 075588886666-123 as a
valid number (its edit forms take it, and a landline with an extension after a dash was what it took).
"""
import logging
import re
import unicodedata

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'c1e5a8f3d7b2'
down_revision = 'b6d2f9a4c8e3'
branch_labels = None
depends_on = None

log = logging.getLogger('alembic.runtime.migration')

# (table, phone column): every column the app stores normalize_phone's answer in
COLUMNS = (('user', 'phone'), ('organization', 'contact_phone'), ('tech_need', 'contact_phone'),
           ('result', 'contact_phone'), ('training_enrolment', 'phone'))


# ---- Frozen copy of matchmaker.utils.validators.normalize_phone and is_phone as of this revision (do not import the
# app's).
_PHONE_SEPARATORS = re.compile(r'[\s\-\u2010-\u2015\u2212\ufe58\ufe63().\u200b-\u200f\u2060\ufeff]')
_DASHES = re.compile(r'[\u2010-\u2015\u2212\ufe58\ufe63]')
_MOBILE = re.compile(r'1[3-9]\d{9}')
_LANDLINE_DIGITS = re.compile(r'0\d{9,11}')
_LANDLINE_EXTENSION = re.compile(r'(0\d{9,11})-(\d{1,6})')
_EXTENSION_MARK = re.compile(r'\s*(?:转分机|转|分机|ext\.?|x|#)\s*', re.IGNORECASE)


def _digits_only(text):
    number = _PHONE_SEPARATORS.sub('', text)
    return ''.join(ch for ch in number if unicodedata.category(ch)[0] != 'C')


def _extension(text):
    parts = _EXTENSION_MARK.split(text)
    if len(parts) != 2:
        parts = _DASHES.sub('-', text).rsplit('-', 1)
    if len(parts) != 2:
        return None
    number, extension = _digits_only(parts[0]), _digits_only(parts[1])
    if _LANDLINE_DIGITS.fullmatch(number) and re.fullmatch(r'\d{1,6}', extension):
        return number, extension
    return None


def normalize_phone(value):
    if value is None:
        return None
    text = unicodedata.normalize('NFKC', str(value))
    extension = _extension(text)
    if extension:
        return '-'.join(extension)
    number = _digits_only(text)
    for prefix in ('+86', '0086', '86'):
        if number.startswith(prefix) and _MOBILE.fullmatch(number[len(prefix):]):
            return number[len(prefix):]
    return number or None


def is_phone(text):
    number = normalize_phone(text)
    return bool(number and (_MOBILE.fullmatch(number) or _LANDLINE_DIGITS.fullmatch(number)
                            or _LANDLINE_EXTENSION.fullmatch(number)))
# ---- end of the frozen copy


def upgrade():
    bind = op.get_bind()
    for name, column in COLUMNS:
        course = [sa.column('course_id', sa.Integer())] if name == 'training_enrolment' else []
        table = sa.table(name, sa.column('id', sa.Integer()), sa.column(column, sa.String()), *course)
        phone = table.c[column]
        rows = bind.execute(sa.select(table.c.id, phone, *[table.c.course_id for _ in course])
                            .where(phone.is_not(None)).order_by(table.c.id)).all()
        # training_enrolment: (course, number) pairs held, so a change meets no unique constraint
        held = {(row[2], row[1]) for row in rows} if course else set()
        changes = []
        for row in rows:
            row_id, value = row[0], row[1]
            number = normalize_phone(value)
            if number == value or not is_phone(value):
                continue
            if course:
                if (row[2], number) in held:
                    log.warning('%s %s (course %s) %s “%s” is %s, held by another trainee of the course: left as it '
                                'is (the same person enrolled twice? merge by hand)', name, row_id, row[2], column,
                                value, number)
                    continue
                held.discard((row[2], value))
                held.add((row[2], number))
            changes.append({'row_id': row_id, 'number': number})
        if changes:
            bind.execute(table.update().where(table.c.id == sa.bindparam('row_id'))
                         .values({column: sa.bindparam('number')}), changes)
        log.info('%s.%s: %d phones stored with their extension apart', name, column, len(changes))


def downgrade():
    pass
