"""The fast channel: drop urgent_request's index on status alone, ix_urgent_request_status_due_at serving it

Revision ID: cb9a1f15a893
Revises: ca28436dbccb
Create Date: 2026-12-06 05:15:00

ix_urgent_request_status_due_at (status, due_at) begins with status: every read by status alone (the queue of one
status, the dashboard's pending count) is served by it, and ix_urgent_request_status only cost each request's
insert and decision a second index write.
"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'cb9a1f15a893'
down_revision = 'ca28436dbccb'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('urgent_request', schema=None) as batch_op:
        batch_op.drop_index('ix_urgent_request_status')


def downgrade():
    with op.batch_alter_table('urgent_request', schema=None) as batch_op:
        batch_op.create_index('ix_urgent_request_status', ['status'], unique=False)
