"""training_enrolment.phone normalised: one number typed in two layouts is one trainee of a course

Revision ID: e3b7c1d9a2f4
Revises: c5e2a9d7b4f3
Create Date: 2026-12-06 16:00:00

Trainees' phones were stored as typed, so 0571-88886666 and 057188886666 (or spaces, brackets, full-width digits)
enrolled one person twice in a course past the unique (course_id, phone). The app now stores the number
normalised (matchmaker.utils.validators.normalize_phone: digits only, +86 before a mobile dropped); this migration
normalises the rows stored before, by a frozen copy of the rule as it was when written (normalize_phone below), not
by importing the app's.

A number whose digits another trainee of the same course already holds (the same person enrolled twice in two
layouts, or a number stored as digits already) would break uq_training_enrolment_course_phone: that row keeps its
phone as typed, the first row of the course (lowest id, or the one already normalised) holding the digits. Nothing
is merged or deleted (each row may have attendance and a certificate): the log names each such pair, for an admin to
merge by hand. A blank phone becomes NULL. The downgrade changes nothing: the typed layouts are not kept, and the
normalised numbers are valid numbers for the code before too.
"""
import logging
import re
import unicodedata

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'e3b7c1d9a2f4'
down_revision = 'c5e2a9d7b4f3'
branch_labels = None
depends_on = None

log = logging.getLogger('alembic.runtime.migration')


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
    enrolment = sa.table('training_enrolment', sa.column('id', sa.Integer()), sa.column('course_id', sa.Integer()),
                         sa.column('phone', sa.String()))
    bind = op.get_bind()
    rows = bind.execute(sa.select(enrolment.c.id, enrolment.c.course_id, enrolment.c.phone)
                        .where(enrolment.c.phone.is_not(None)).order_by(enrolment.c.id)).all()
    holder = {(course_id, phone): enrolment_id for enrolment_id, course_id, phone in rows}
    changes = []
    for enrolment_id, course_id, phone in rows:
        number = normalize_phone(phone)
        if number == phone:
            continue
        if number is not None and (course_id, number) in holder:
            log.warning('training_enrolment %s (course %s) phone “%s” is %s, held by enrolment %s: left as typed '
                        '(the same person enrolled twice? merge by hand)',
                        enrolment_id, course_id, phone, number, holder[(course_id, number)])
            continue
        del holder[(course_id, phone)]
        if number is not None:
            holder[(course_id, number)] = enrolment_id
        changes.append({'enrolment_id': enrolment_id, 'number': number})
    if changes:
        bind.execute(enrolment.update().where(enrolment.c.id == sa.bindparam('enrolment_id'))
                     .values(phone=sa.bindparam('number')), changes)


def downgrade():
    pass
