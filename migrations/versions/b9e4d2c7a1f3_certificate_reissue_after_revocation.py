"""A revoked certificate may be reissued: one live certificate per enrolment

Revision ID: b9e4d2c7a1f3
Revises: a7c3e9d1f5b2
Create Date: 2026-12-04 18:00:00

certificate.enrolment_id was unique, so a trainee whose certificate was revoked (a mistake, a corrected
score) could never be certified again. The uniqueness now holds among unrevoked certificates only (a
partial unique index, on SQLite and PostgreSQL alike); the revoked ones stay as history. A downgrade
fails while an enrolment has more than one certificate.
"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'b9e4d2c7a1f3'
down_revision = 'a7c3e9d1f5b2'
branch_labels = None
depends_on = None

LIVE = sa.text('revoked_at IS NULL')


def upgrade():
    with op.batch_alter_table('certificate', schema=None) as batch_op:
        batch_op.drop_constraint('uq_certificate_enrolment_id', type_='unique')
        batch_op.create_index('ix_certificate_enrolment_id', ['enrolment_id'], unique=False)
    op.create_index('uq_certificate_enrolment_live', 'certificate', ['enrolment_id'], unique=True,
                    sqlite_where=LIVE, postgresql_where=LIVE)


def downgrade():
    op.drop_index('uq_certificate_enrolment_live', table_name='certificate')
    with op.batch_alter_table('certificate', schema=None) as batch_op:
        batch_op.drop_index('ix_certificate_enrolment_id')
        batch_op.create_unique_constraint('uq_certificate_enrolment_id', ['enrolment_id'])
