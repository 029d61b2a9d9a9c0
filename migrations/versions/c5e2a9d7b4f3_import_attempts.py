"""import_batch.attempts, attendance_import.attempts: a file whose worker keeps dying is given up

Revision ID: c5e2a9d7b4f3
Revises: b3d8f0a4c6e1
Create Date: 2026-12-06 10:30:00

Workers that took a validation, an import or an attendance import; after three that died (a file that kills its
worker, e.g. out of memory) the minute's sweep marks it failed, its page saying so, instead of taking it again
every two minutes for ever.
"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'c5e2a9d7b4f3'
down_revision = 'b3d8f0a4c6e1'
branch_labels = None
depends_on = None


def upgrade():
    for table in ('import_batch', 'attendance_import'):
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.add_column(sa.Column('attempts', sa.Integer(), server_default='0', nullable=False))


def downgrade():
    for table in ('attendance_import', 'import_batch'):
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.drop_column('attempts')
