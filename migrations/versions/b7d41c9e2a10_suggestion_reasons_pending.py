"""Suggestions whose reasons are still to be computed (a re-suggestion stores scores first)

Revision ID: b7d41c9e2a10
Revises: a1d2c3b4e5f6
Create Date: 2026-12-02 08:20:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'b7d41c9e2a10'
down_revision = 'a1d2c3b4e5f6'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('match_suggestion', schema=None) as batch_op:
        batch_op.add_column(sa.Column('reasons_pending', sa.String(length=6), nullable=True))
        batch_op.create_index(batch_op.f('ix_match_suggestion_reasons_pending'), ['reasons_pending'], unique=False)


def downgrade():
    with op.batch_alter_table('match_suggestion', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_match_suggestion_reasons_pending'))
        batch_op.drop_column('reasons_pending')
