"""Indexes for the public lists' default order (newest first), with the live filter inside

Revision ID: 5d2e8c1f0a3b
Revises: a244cb08b2ec
Create Date: 2026-12-02 01:40:00

"""

from alembic import op

# revision identifiers, used by Alembic.
revision = '5d2e8c1f0a3b'
down_revision = 'a244cb08b2ec'
branch_labels = None
depends_on = None


def upgrade():
    op.create_index('ix_tech_need_recent', 'tech_need', ['published_at', 'id', 'status', 'valid_until'])
    op.create_index('ix_result_recent', 'result', ['published_at', 'id', 'status', 'valid_until'])


def downgrade():
    op.drop_index('ix_result_recent', table_name='result')
    op.drop_index('ix_tech_need_recent', table_name='tech_need')
