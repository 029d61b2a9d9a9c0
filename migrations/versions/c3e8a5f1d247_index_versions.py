"""Index versions in the database: workers switch to the newest ready one

Revision ID: c3e8a5f1d247
Revises: b7d41c9e2a10
Create Date: 2026-12-02 08:25:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'c3e8a5f1d247'
down_revision = 'b7d41c9e2a10'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('index_version',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('version', sa.String(length=40), nullable=False),
    sa.Column('parameters', sa.JSON(), nullable=False),
    sa.Column('documents', sa.Integer(), nullable=False),
    sa.Column('checksum', sa.String(length=64), nullable=True),
    sa.Column('state', sa.String(length=20), nullable=False),
    sa.Column('job_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('ready_at', sa.DateTime(), nullable=True),
    sa.ForeignKeyConstraint(['job_id'], ['index_job.id'], name=op.f('fk_index_version_job_id_index_job')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_index_version')),
    sa.UniqueConstraint('version', name=op.f('uq_index_version_version'))
    )
    with op.batch_alter_table('index_version', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_index_version_created_at'), ['created_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_index_version_job_id'), ['job_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_index_version_state'), ['state'], unique=False)


def downgrade():
    with op.batch_alter_table('index_version', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_index_version_state'))
        batch_op.drop_index(batch_op.f('ix_index_version_job_id'))
        batch_op.drop_index(batch_op.f('ix_index_version_created_at'))

    op.drop_table('index_version')
