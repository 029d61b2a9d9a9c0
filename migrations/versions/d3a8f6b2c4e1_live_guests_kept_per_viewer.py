"""Live-session guests kept one by one: an export imported as several files counts each viewer once

Revision ID: d3a8f6b2c4e1
Revises: b9e4d2c7a1f3
Create Date: 2026-12-04 18:10:00

A session's viewer export imported as several files (the import takes 50,000 rows at a time) kept only
the last file's guests: live_session.guest_attendees was overwritten at each import. Each unregistered
viewer is now a live_guest row, merged by identity across imports, and guest_attendees grows by the new
ones. Counts recorded before stay as they are (their viewers are unknown).
"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'd3a8f6b2c4e1'
down_revision = 'b9e4d2c7a1f3'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('live_guest',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('session_id', sa.Integer(), nullable=False),
    sa.Column('key', sa.String(length=300), nullable=False),
    sa.Column('minutes', sa.Integer(), nullable=True),
    sa.Column('imported_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['session_id'], ['live_session.id'], name=op.f('fk_live_guest_session_id_live_session'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_live_guest')),
    sa.UniqueConstraint('session_id', 'key', name='uq_live_guest_session_key')
    )


def downgrade():
    op.drop_table('live_guest')
