"""Organisation names unique as the app tells them apart: brackets of either width, full-width letters

Revision ID: 1d2913811bea
Revises: d3a8f6b2c4e1
Create Date: 2026-12-05 00:05:53

The app takes 华星(深圳)精密有限公司 for 华星（深圳）精密有限公司 (and ＡＢＣ for ABC), but only the exact name was
unique, and its check was read-then-insert: two requests creating look-alikes at the same moment (two
registrations, 新建单位 and a registration, a contract naming a new party) both inserted one. The new column
organization.name_key holds matchmaker.utils.text.name_key(name), the one rule the app uses, under a unique
index; the model fills it on every insert and rename. The backfill below computes it with a frozen copy of that
function as it was when this migration was written.

A database already holding look-alikes still upgrades: of each group, the organisation created first (lowest
id) takes the key and the later ones keep name_key NULL (outside the unique index). Nothing is merged or
renamed: they stay reachable by their exact names, can be edited as before, and take a key when renamed (a
rename to another look-alike is refused as 已有同名单位). The log names each such group so an admin can merge
them by hand. The downgrade drops the column.
"""
import logging
import re
import unicodedata

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '1d2913811bea'
down_revision = 'd3a8f6b2c4e1'
branch_labels = None
depends_on = None

log = logging.getLogger('alembic.runtime.migration')


# ---- Frozen copy of matchmaker.utils.text.name_key as of this revision. This migration imported the app's
# function at first; it must keep computing the keys it computed when written, whatever the app's rule becomes
# later (a changed rule needs a new migration recomputing the keys), so it carries its own copy.
_CJK_PUNCT = re.compile(r'([\uff01-\uff0f\uff1a-\uff20\uff3b-\uff40\uff5b-\uff65])')
_FULL_TO_HALF_BRACKETS = str.maketrans('（）', '()')


def _clean_line(value):
    """NFKC except full-width punctuation, without control (Cc) or format (Cf) characters."""
    parts = _CJK_PUNCT.split(value)
    value = ''.join(p if i % 2 else unicodedata.normalize('NFKC', p) for i, p in enumerate(parts))
    return ''.join(ch for ch in value if unicodedata.category(ch) not in ('Cc', 'Cf'))


def name_key(name):
    key = _clean_line((name or '').strip()).strip().translate(_FULL_TO_HALF_BRACKETS)
    return key or None
# ---- end of the frozen copy


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
