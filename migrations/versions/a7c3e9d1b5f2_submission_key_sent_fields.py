"""submission_key.path, .sent: where a create form was sent and a hash of each field it sent

Revision ID: a7c3e9d1b5f2
Revises: a7c3e9d1f4b2
Create Date: 2026-12-07 11:30:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'a7c3e9d1b5f2'
down_revision = 'a7c3e9d1f4b2'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('submission_key', schema=None) as batch_op:
        batch_op.add_column(sa.Column('path', sa.String(length=200), nullable=True))
        batch_op.add_column(sa.Column('sent', sa.Text(), nullable=True))


def downgrade():
    with op.batch_alter_table('submission_key', schema=None) as batch_op:
        batch_op.drop_column('sent')
        batch_op.drop_column('path')
