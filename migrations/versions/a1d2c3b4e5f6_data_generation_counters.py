"""Data generation counters (reports cache on the contracts' counter)

Revision ID: a1d2c3b4e5f6
Revises: 5f0e3c2a9b71
Create Date: 2026-12-02 08:10:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'a1d2c3b4e5f6'
down_revision = '5f0e3c2a9b71'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'data_generation',
        sa.Column('name', sa.String(length=40), nullable=False),
        sa.Column('counter', sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint('name', name=op.f('pk_data_generation')),
    )


def downgrade():
    op.drop_table('data_generation')
