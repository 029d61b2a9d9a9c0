"""pending_job.claimed_by: which consumer process runs a claimed job

Revision ID: f1b2c3d4e5a6
Revises: e8c4b1a2f9d0
Create Date: 2026-12-04 09:45:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'f1b2c3d4e5a6'
down_revision = 'e8c4b1a2f9d0'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('pending_job', schema=None) as batch_op:
        batch_op.add_column(sa.Column('claimed_by', sa.String(length=120), nullable=True))


def downgrade():
    with op.batch_alter_table('pending_job', schema=None) as batch_op:
        batch_op.drop_column('claimed_by')
