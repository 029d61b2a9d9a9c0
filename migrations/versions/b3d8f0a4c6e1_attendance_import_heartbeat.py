"""attendance_import.heartbeat_at: a reading whose worker died is taken again

Revision ID: b3d8f0a4c6e1
Revises: a7c3e91d5b20
Create Date: 2026-12-06 10:00:00

Set when a worker takes an attendance import and as it reads the export; an import whose worker stopped
beating for JOBS_STALE_SECONDS is queued again by the minute's sweep (the page no longer shows 正在后台读取
until the job's ten-minute lease ends).
"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'b3d8f0a4c6e1'
down_revision = 'a7c3e91d5b20'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('attendance_import', schema=None) as batch_op:
        batch_op.add_column(sa.Column('heartbeat_at', sa.DateTime(), nullable=True))


def downgrade():
    with op.batch_alter_table('attendance_import', schema=None) as batch_op:
        batch_op.drop_column('heartbeat_at')
