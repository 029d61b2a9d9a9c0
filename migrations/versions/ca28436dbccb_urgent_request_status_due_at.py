"""The fast channel's queue by status and deadline: an index on urgent_request (status, due_at)

Revision ID: ca28436dbccb
Revises: 41f313b89455
Create Date: 2026-12-05 18:00:00

The queue (/urgent/queue: one status, ordered by due_at; 已超时 adds due_at < now) and the dashboard's pending and
overdue counts read urgent_request by status and deadline, with an index on each column alone. At 100,000
requests SQLite read every request of the status through ix_urgent_request_status and sorted them all for a page
of twenty (12-23 ms with half of them pending); PostgreSQL walked ix_urgent_request_due_at and dropped the other
statuses (26 ms on the first page, 98,840 rows read, when 1% are pending). Both now read the page's twenty rows
from this index in order (0.1-0.3 ms).
"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'ca28436dbccb'
down_revision = '41f313b89455'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('urgent_request', schema=None) as batch_op:
        batch_op.create_index('ix_urgent_request_status_due_at', ['status', 'due_at'], unique=False)


def downgrade():
    with op.batch_alter_table('urgent_request', schema=None) as batch_op:
        batch_op.drop_index('ix_urgent_request_status_due_at')
