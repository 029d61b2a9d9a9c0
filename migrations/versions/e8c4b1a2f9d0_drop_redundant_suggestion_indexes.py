"""Drop two match_suggestion indexes that others already serve

Revision ID: e8c4b1a2f9d0
Revises: d4f1a7c9e2b3
Create Date: 2026-12-02 16:40:00

ix_match_suggestion_need_id is the first column of uq_match_suggestion_pair (need_id, result_id) and
ix_match_suggestion_status the first of the three status-first indexes: every query they served uses
those, and every suggestion written (a full re-suggestion writes hundreds of thousands) paid for two
more B-tree inserts.
"""
from alembic import op


# revision identifiers, used by Alembic.
revision = 'e8c4b1a2f9d0'
down_revision = 'd4f1a7c9e2b3'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('match_suggestion', schema=None) as batch_op:
        batch_op.drop_index('ix_match_suggestion_need_id')
        batch_op.drop_index('ix_match_suggestion_status')


def downgrade():
    with op.batch_alter_table('match_suggestion', schema=None) as batch_op:
        batch_op.create_index('ix_match_suggestion_status', ['status'], unique=False)
        batch_op.create_index('ix_match_suggestion_need_id', ['need_id'], unique=False)
