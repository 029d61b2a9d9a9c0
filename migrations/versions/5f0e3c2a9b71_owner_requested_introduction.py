"""Owners ask a broker to introduce a suggested pair (请经纪人牵线)

Revision ID: 5f0e3c2a9b71
Revises: 088b3497654d
Create Date: 2026-12-02 02:10:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '5f0e3c2a9b71'
down_revision = '088b3497654d'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('match_suggestion', schema=None) as batch_op:
        batch_op.add_column(sa.Column('owner_requested_at', sa.DateTime(), nullable=True))
        batch_op.add_column(sa.Column('owner_requested_by_id', sa.Integer(), nullable=True))
        batch_op.create_index(batch_op.f('ix_match_suggestion_owner_requested_at'), ['owner_requested_at'], unique=False)
        batch_op.create_foreign_key(batch_op.f('fk_match_suggestion_owner_requested_by_id_user'), 'user', ['owner_requested_by_id'], ['id'])


def downgrade():
    with op.batch_alter_table('match_suggestion', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_match_suggestion_owner_requested_by_id_user'), type_='foreignkey')
        batch_op.drop_index(batch_op.f('ix_match_suggestion_owner_requested_at'))
        batch_op.drop_column('owner_requested_by_id')
        batch_op.drop_column('owner_requested_at')
