"""attendance_import: a live session's viewer export, read and applied by a background job

Revision ID: a7c3e91d5b20
Revises: cb9a1f15a893
Create Date: 2026-12-06 08:20:00

The attendance import read the whole upload inside the web request (at the import limits 20-30 s); the request
now stores the file here and a job reads it, the session's attendance page showing its progress and outcome.
"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'a7c3e91d5b20'
down_revision = 'cb9a1f15a893'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('attendance_import',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('session_id', sa.Integer(), nullable=False),
    sa.Column('filename', sa.String(length=200), nullable=False),
    sa.Column('file_format', sa.String(length=10), nullable=False),
    sa.Column('content', sa.LargeBinary(), nullable=False),
    sa.Column('min_minutes', sa.Integer(), nullable=False),
    sa.Column('replace_guests', sa.Boolean(), nullable=False),
    sa.Column('status', sa.String(length=20), nullable=False),
    sa.Column('processed_rows', sa.Integer(), nullable=False),
    sa.Column('result', sa.JSON(), nullable=True),
    sa.Column('message', sa.String(length=500), nullable=True),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('finished_at', sa.DateTime(), nullable=True),
    sa.ForeignKeyConstraint(['created_by_id'], ['user.id'], name=op.f('fk_attendance_import_created_by_id_user')),
    sa.ForeignKeyConstraint(['session_id'], ['live_session.id'], name=op.f('fk_attendance_import_session_id_live_session'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_attendance_import'))
    )
    with op.batch_alter_table('attendance_import', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_attendance_import_session_id'), ['session_id'], unique=False)


def downgrade():
    with op.batch_alter_table('attendance_import', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_attendance_import_session_id'))
    op.drop_table('attendance_import')
