"""Notification list indexes in the pages' order

Revision ID: a7c3e9d1f5b2
Revises: f1b2c3d4e5a6
Create Date: 2026-12-04 14:40:00

The notifications page reads a user's notes newest first (created_at, id), all or unread only. With
only (user_id, read_at) every page sorted all of the user's notes: 0.25 s a page at 100,000 notes.
"""
from alembic import op


# revision identifiers, used by Alembic.
revision = 'a7c3e9d1f5b2'
down_revision = 'f1b2c3d4e5a6'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('notification', schema=None) as batch_op:
        batch_op.drop_index('ix_notification_user_read')
        batch_op.create_index('ix_notification_user_read', ['user_id', 'read_at', 'created_at', 'id'], unique=False)
        batch_op.create_index('ix_notification_user_created', ['user_id', 'created_at', 'id'], unique=False)


def downgrade():
    with op.batch_alter_table('notification', schema=None) as batch_op:
        batch_op.drop_index('ix_notification_user_created')
        batch_op.drop_index('ix_notification_user_read')
        batch_op.create_index('ix_notification_user_read', ['user_id', 'read_at'], unique=False)
