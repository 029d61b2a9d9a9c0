"""match_suggestion (status, owner_requested_at) in place of (owner_requested_at): a list's asked-for pairs read alone

Revision ID: f5b1d8e3a6c2
Revises: e2a7c4f9b1d3
Create Date: 2026-12-07 03:50:00

The pair lists read the pairs an owner asked to have introduced (few) apart from the others (brokers/pages.py).
With owner_requested_at indexed alone, SQLite read them through a status index instead: every pair of the status,
for page 1 of every list and sort (45-95 ms at 50,000 pending pairs; 0.02 ms from this index, only ties on the
request's moment sorted). The pipeline's and the open queue's other pairs (status IN several) were read through
owner_requested_at IS NULL, every pair of every status, and sorted; now only the list's statuses are read (still
sorted: no index orders several statuses). Every query on owner_requested_at names the status too, so the
single-column index goes. The downgrade puts it back.
"""
from alembic import op


# revision identifiers, used by Alembic.
revision = 'f5b1d8e3a6c2'
down_revision = 'e2a7c4f9b1d3'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('match_suggestion', schema=None) as batch_op:
        batch_op.create_index('ix_match_suggestion_status_requested', ['status', 'owner_requested_at'], unique=False)
        batch_op.drop_index('ix_match_suggestion_owner_requested_at')


def downgrade():
    with op.batch_alter_table('match_suggestion', schema=None) as batch_op:
        batch_op.create_index('ix_match_suggestion_owner_requested_at', ['owner_requested_at'], unique=False)
        batch_op.drop_index('ix_match_suggestion_status_requested')
