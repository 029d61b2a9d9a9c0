"""Contract totals per signing month and report dimension (the report sums these rows)

Revision ID: d4f1a7c9e2b3
Revises: c3e8a5f1d247
Create Date: 2026-12-02 11:30:00

The rows are filled by the first contract commit after this migration (every month is rebuilt while
the ``contract_summary`` counter is behind ``contracts``), or at once by ``flask report-rebuild``;
until then the report reads the contracts as before.
"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'd4f1a7c9e2b3'
down_revision = 'c3e8a5f1d247'
branch_labels = None
depends_on = None


# ---- Frozen copy of the column type of matchmaker.models.contracts.Money as of this revision (this migration
# imported the app's type at first; it must keep making the columns it made, whatever the type becomes later).
class Money(sa.types.TypeDecorator):
    """Exact yuan as NUMERIC(18,2) on PostgreSQL, whole cents in a BIGINT on SQLite. (The app's type also
    converts the values; this migration writes none.)"""

    impl = sa.Numeric(18, 2)
    cache_ok = True

    def load_dialect_impl(self, dialect):
        if dialect.name == 'sqlite':
            return dialect.type_descriptor(sa.BigInteger())
        return dialect.type_descriptor(sa.Numeric(18, 2, asdecimal=True))
# ---- end of the frozen copy


def upgrade():
    op.create_table(
        'contract_month_total',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('month', sa.Integer(), nullable=False),
        sa.Column('dimension', sa.String(length=20), nullable=False),
        sa.Column('value', sa.String(length=200), nullable=True),
        sa.Column('count', sa.Integer(), nullable=False),
        sa.Column('amount', Money(precision=18, scale=2), nullable=False),
        sa.Column('transaction_amount', Money(precision=18, scale=2), nullable=False),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_contract_month_total')),
    )
    with op.batch_alter_table('contract_month_total', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_contract_month_total_month'), ['month'], unique=False)


def downgrade():
    with op.batch_alter_table('contract_month_total', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_contract_month_total_month'))
    op.drop_table('contract_month_total')
    op.execute("DELETE FROM data_generation WHERE name = 'contract_summary'")
