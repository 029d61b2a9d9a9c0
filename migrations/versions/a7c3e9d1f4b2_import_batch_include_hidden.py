"""import_batch.include_hidden: the upload form's 包括隐藏的行

Revision ID: a7c3e9d1f4b2
Revises: f5b1d8e3a6c2
Create Date: 2026-12-07 11:55:00

Rows hidden in Excel (a filter's, as a rule) are left out of an import and named on its report; a batch uploaded with
包括隐藏的行 reads them as any row, at its validation and again at its import. Existing batches: false (the rows
they had read were read as any row, and their file is read again only if confirmed).
"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = 'a7c3e9d1f4b2'
down_revision = 'f5b1d8e3a6c2'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('import_batch', schema=None) as batch_op:
        batch_op.add_column(sa.Column('include_hidden', sa.Boolean(), nullable=False, server_default=sa.false()))


def downgrade():
    with op.batch_alter_table('import_batch', schema=None) as batch_op:
        batch_op.drop_column('include_hidden')
