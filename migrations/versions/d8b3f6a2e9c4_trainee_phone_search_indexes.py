"""training_enrolment.phone_reversed and its index: a trainee found by the end of the phone (尾号) reads an index

Revision ID: d8b3f6a2e9c4
Revises: c1e5a8f3d7b2
Create Date: 2026-12-07 00:30:00

The trainee list's phone search looked for the digits anywhere in the number (phone LIKE '%8000%', beside the name
and organisation), which reads every trainee of the course on SQLite and PostgreSQL alike. It now looks for numbers
starting with the digits, read from the unique (course_id, phone) index as a range, or ending with them, read from
this new (course_id, phone_reversed) index: the phone's characters in reverse order, so that an end is a prefix.
The rows stored before get their phone reversed here (a string reversed; no rule of the app's to freeze). The
downgrade drops the index and the column.
"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'd8b3f6a2e9c4'
down_revision = 'c1e5a8f3d7b2'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('training_enrolment') as batch_op:
        batch_op.add_column(sa.Column('phone_reversed', sa.String(length=30), nullable=True))
    enrolment = sa.table('training_enrolment', sa.column('id', sa.Integer()), sa.column('phone', sa.String()),
                         sa.column('phone_reversed', sa.String()))
    bind = op.get_bind()
    rows = bind.execute(sa.select(enrolment.c.id, enrolment.c.phone).where(enrolment.c.phone.is_not(None))).all()
    if rows:
        bind.execute(enrolment.update().where(enrolment.c.id == sa.bindparam('enrolment_id'))
                     .values(phone_reversed=sa.bindparam('backwards')),
                     [{'enrolment_id': row_id, 'backwards': phone[::-1]} for row_id, phone in rows])
    op.create_index('ix_training_enrolment_course_phone_reversed', 'training_enrolment',
                    ['course_id', 'phone_reversed'])


def downgrade():
    op.drop_index('ix_training_enrolment_course_phone_reversed', table_name='training_enrolment')
    with op.batch_alter_table('training_enrolment') as batch_op:
        batch_op.drop_column('phone_reversed')
