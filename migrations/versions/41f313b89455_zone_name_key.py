"""Zone names unique as the app tells them apart: case, spaces and full-width letters aside

Revision ID: 41f313b89455
Revises: 5c0e7a1f9b2d
Create Date: 2026-12-05 20:23:12

The app takes AI专区, ai专区, ＡＩ专区 and AI 专区 for one zone (the form answers 已有同名专区“AI专区”), but only the
exact name was unique and the check was read-then-insert: two admins creating look-alikes at the same moment
both saved one. The new column zone.name_key holds the zone's key under a unique index; the model fills it on
every insert and rename (matchmaker.utils.text.zone_key).

The key is computed here by a frozen copy of the rule as it was when this migration was written (zone_key
below), not by importing the app's: a migration must keep meaning what it meant, whatever the app's rule
becomes later (a changed rule needs a new migration recomputing the keys).

A database already holding look-alikes still upgrades: of each group, the zone created first (lowest id)
takes the key and the later ones keep name_key NULL (outside the unique index). Nothing is merged or renamed:
they stay reachable by their exact names, can be edited as before, and take a key when renamed (a rename to
another's look-alike is refused as 已有同名专区). The log names each such group. The downgrade drops the column.
"""
import logging
import re
import unicodedata

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '41f313b89455'
down_revision = '5c0e7a1f9b2d'
branch_labels = None
depends_on = None

log = logging.getLogger('alembic.runtime.migration')


# ---- Frozen copy of matchmaker.utils.text.name_key and zone_key as of this revision (do not import the app's).
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


def zone_key(name):
    key = name_key(name)
    return ''.join(key.casefold().split()) if key else None
# ---- end of the frozen copy


def upgrade():
    with op.batch_alter_table('zone', schema=None) as batch_op:
        batch_op.add_column(sa.Column('name_key', sa.Text(), nullable=True))

    zone = sa.table('zone', sa.column('id', sa.Integer()), sa.column('name', sa.String()),
                    sa.column('name_key', sa.Text()))
    bind = op.get_bind()
    first = {}  # key -> (id, name) of the zone keeping it
    keys = []
    for zone_id, name in bind.execute(sa.select(zone.c.id, zone.c.name).order_by(zone.c.id)):
        key = zone_key(name)
        if key is None:
            continue
        if key in first:
            log.warning('zone %s “%s” looks like %s “%s”: left without a name key (merge or rename by hand)',
                        zone_id, name, *first[key])
            continue
        first[key] = (zone_id, name)
        keys.append({'zone_id': zone_id, 'key': key})
    if keys:
        bind.execute(zone.update().where(zone.c.id == sa.bindparam('zone_id')).values(name_key=sa.bindparam('key')),
                     keys)

    with op.batch_alter_table('zone', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_zone_name_key'), ['name_key'], unique=True)


def downgrade():
    with op.batch_alter_table('zone', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_zone_name_key'))
        batch_op.drop_column('name_key')
