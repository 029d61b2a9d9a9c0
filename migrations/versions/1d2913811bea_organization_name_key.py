"""Organisation names unique as the app tells them apart: brackets of either width, full-width letters

Revision ID: 1d2913811bea
Revises: d3a8f6b2c4e1
Create Date: 2026-12-05 00:05:53

The app takes 华星(深圳)精密有限公司 for 华星（深圳）精密有限公司 (and ＡＢＣ for ABC), but only the exact name was
unique, and its check was read-then-insert: two requests creating look-alikes at the same moment (two
registrations, 新建单位 and a registration, a contract naming a new party) both inserted one. The new column
organization.name_key holds matchmaker.utils.text.name_key(name), the one rule the app uses, under a unique
index; the model fills it on every insert and rename.

A database already holding look-alikes still upgrades: of each group, the organisation created first (lowest
id) takes the key and the later ones keep name_key NULL (outside the unique index). Nothing is merged or
renamed: they stay reachable by their exact names, can be edited as before, and take a key when renamed (a
rename to another look-alike is refused as 已有同名单位). The log names each such group so an admin can merge
them by hand. The downgrade drops the column.
"""
import logging

from alembic import op
import sqlalchemy as sa

from matchmaker.utils.text import name_key


# revision identifiers, used by Alembic.
revision = '1d2913811bea'
down_revision = 'd3a8f6b2c4e1'
branch_labels = None
depends_on = None

log = logging.getLogger('alembic.runtime.migration')


def upgrade():
    with op.batch_alter_table('organization', schema=None) as batch_op:
        batch_op.add_column(sa.Column('name_key', sa.Text(), nullable=True))

    org = sa.table('organization', sa.column('id', sa.Integer()), sa.column('name', sa.String()),
                   sa.column('name_key', sa.Text()))
    bind = op.get_bind()
    first = {}  # key -> (id, name) of the organisation keeping it
    keys = []
    for org_id, name in bind.execute(sa.select(org.c.id, org.c.name).order_by(org.c.id)):
        key = name_key(name)
        if key is None:
            continue
        if key in first:
            log.warning('organisation %s “%s” looks like %s “%s”: left without a name key (merge them by hand)',
                        org_id, name, *first[key])
            continue
        first[key] = (org_id, name)
        keys.append({'org_id': org_id, 'key': key})
    if keys:
        bind.execute(org.update().where(org.c.id == sa.bindparam('org_id')).values(name_key=sa.bindparam('key')),
                     keys)

    with op.batch_alter_table('organization', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_organization_name_key'), ['name_key'], unique=True)


def downgrade():
    with op.batch_alter_table('organization', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_organization_name_key'))
        batch_op.drop_column('name_key')
