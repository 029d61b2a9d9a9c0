"""A refused fast-channel request may be followed by a new one: one open request per need, not one in all

Revision ID: 5c0e7a1f9b2d
Revises: 1d2913811bea
Create Date: 2026-12-05 13:00:00

urgent_request.need_id was unique, so a need whose request was refused (the refusal tells the enterprise to
修改后重新提交) could never be asked again. The unique constraint becomes a partial unique index over the
requests that are not refused (pending or approved), and need_id gets a plain index for the lookups. Existing
rows already satisfy it. The downgrade restores the unique constraint and fails if a need has several requests.
"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '5c0e7a1f9b2d'
down_revision = '1d2913811bea'
branch_labels = None
depends_on = None

OPEN = sa.text("status != 'refused'")


def upgrade():
    with op.batch_alter_table('urgent_request', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('uq_urgent_request_need_id'), type_='unique')
        batch_op.create_index(batch_op.f('ix_urgent_request_need_id'), ['need_id'], unique=False)
    op.create_index('uq_urgent_request_open_need', 'urgent_request', ['need_id'], unique=True,
                    sqlite_where=OPEN, postgresql_where=OPEN)


def downgrade():
    op.drop_index('uq_urgent_request_open_need', table_name='urgent_request')
    with op.batch_alter_table('urgent_request', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_urgent_request_need_id'))
        batch_op.create_unique_constraint(batch_op.f('uq_urgent_request_need_id'), ['need_id'])
