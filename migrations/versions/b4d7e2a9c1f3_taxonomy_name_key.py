"""Taxonomy entries unique as the admin page tells them apart: case, spaces and full-width letters aside

Revision ID: b4d7e2a9c1f3
Revises: a7c3e9d1b5f2
Create Date: 2026-12-07 14:30:00

/admin/taxonomy refuses 智能 家电 beside 智能家电 (and ＡＩ芯片 or ai芯片 beside AI芯片), but only (kind, name) was
unique and the look-alike check was read-then-insert: two admins adding look-alikes at the same moment both
saved one. The new column taxonomy.name_key holds the entry's key, unique within its list (kind, name_key); the
model fills it on every insert and rename (matchmaker.utils.text.zone_key, the rule of the page's check).

The key is computed here by a frozen copy of the rule as it was when this migration was written (zone_key
below), not by importing the app's: a migration must keep meaning what it meant.

A database already holding look-alikes in one list still upgrades: of each group, the entry added first (lowest
id) takes the key and the later ones keep name_key NULL (outside the unique constraint). Nothing is merged or
renamed: listings refer to entries by name. The log names each such group. The downgrade drops the column.
"""
import logging
import re
import unicodedata

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'b4d7e2a9c1f3'
down_revision = 'a7c3e9d1b5f2'
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
    with op.batch_alter_table('taxonomy', schema=None) as batch_op:
        batch_op.add_column(sa.Column('name_key', sa.Text(), nullable=True))

    taxonomy = sa.table('taxonomy', sa.column('id', sa.Integer()), sa.column('kind', sa.String()),
                        sa.column('name', sa.String()), sa.column('name_key', sa.Text()))
    bind = op.get_bind()
    first = {}  # (kind, key) -> (id, name) of the entry keeping it
    keys = []
    rows = bind.execute(sa.select(taxonomy.c.id, taxonomy.c.kind, taxonomy.c.name).order_by(taxonomy.c.id))
    for term_id, kind, name in rows:
        key = zone_key(name)
        if key is None:
            continue
        if (kind, key) in first:
            log.warning('taxonomy %s %s “%s” looks like %s “%s”: left without a name key (rename by hand)',
                        kind, term_id, name, *first[(kind, key)])
            continue
        first[(kind, key)] = (term_id, name)
        keys.append({'term_id': term_id, 'key': key})
    if keys:
        bind.execute(taxonomy.update().where(taxonomy.c.id == sa.bindparam('term_id'))
                     .values(name_key=sa.bindparam('key')), keys)

    with op.batch_alter_table('taxonomy', schema=None) as batch_op:
        batch_op.create_unique_constraint('uq_taxonomy_kind_name_key', ['kind', 'name_key'])


def downgrade():
    with op.batch_alter_table('taxonomy', schema=None) as batch_op:
        batch_op.drop_constraint('uq_taxonomy_kind_name_key', type_='unique')
        batch_op.drop_column('name_key')
