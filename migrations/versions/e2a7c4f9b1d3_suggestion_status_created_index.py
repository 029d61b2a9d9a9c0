"""match_suggestion (status, created_at, id): the pair lists' 最新推荐 and 最早推荐 sorts read in its order

Revision ID: e2a7c4f9b1d3
Revises: d8b3f6a2e9c4
Create Date: 2026-12-07 03:30:00

The queue's and pipeline's pages (brokers/pages.py) read a status's pairs by the sort's key, then id, after or
before the keys of a row shown. The score and idle sorts had their (status, key) index; on SQLite newest and oldest
read every pair of the status from one of those and sorted them all for each page, in a temporary B-tree (86-95 ms
at 50,000 pending pairs; 0.02-0.06 ms from this one). PostgreSQL walked created_at alone past the other statuses
and sorted ties. The downgrade drops it.
"""
from alembic import op


# revision identifiers, used by Alembic.
revision = 'e2a7c4f9b1d3'
down_revision = 'd8b3f6a2e9c4'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('match_suggestion', schema=None) as batch_op:
        batch_op.create_index('ix_match_suggestion_status_created', ['status', 'created_at', 'id'], unique=False)


def downgrade():
    with op.batch_alter_table('match_suggestion', schema=None) as batch_op:
        batch_op.drop_index('ix_match_suggestion_status_created')
