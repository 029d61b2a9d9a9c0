"""match_suggestion (status, score, id) and (status, last_activity_at, id): the pair lists' keyset order, ties included

Revision ID: b3e9f1c7d2a4
Revises: b4d7e2a9c1f3
Create Date: 2026-12-07 14:40:00

The queue's and pipeline's pages (brokers/pages.py) read a status's pairs by the sort's key, then id (the keyset
order: 推荐度 is score DESC, id DESC; 最久未跟进 last_activity_at ASC, id ASC). SQLite's indexes end in the rowid
(id), so (status, score) already gave that order; PostgreSQL's do not: it read the index and sorted each run of
equal scores (an Incremental Sort; ties are common: scores rounded, manual pairs at 0). With id in the index
every page is read in index order on both. 最新推荐 / 最早推荐's (status, created_at, id) had it already.
The downgrade puts the two-column indexes back.
"""
from alembic import op


# revision identifiers, used by Alembic.
revision = 'b3e9f1c7d2a4'
down_revision = 'b4d7e2a9c1f3'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('match_suggestion', schema=None) as batch_op:
        batch_op.drop_index('ix_match_suggestion_status_score')
        batch_op.drop_index('ix_match_suggestion_status_activity')
        batch_op.create_index('ix_match_suggestion_status_score', ['status', 'score', 'id'], unique=False)
        batch_op.create_index('ix_match_suggestion_status_activity', ['status', 'last_activity_at', 'id'], unique=False)


def downgrade():
    with op.batch_alter_table('match_suggestion', schema=None) as batch_op:
        batch_op.drop_index('ix_match_suggestion_status_activity')
        batch_op.drop_index('ix_match_suggestion_status_score')
        batch_op.create_index('ix_match_suggestion_status_activity', ['status', 'last_activity_at'], unique=False)
        batch_op.create_index('ix_match_suggestion_status_score', ['status', 'score'], unique=False)
