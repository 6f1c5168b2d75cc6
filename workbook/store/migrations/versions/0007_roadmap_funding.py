"""road map funding: quantities, cost catalogue, exchange rates, committed packages

Revision ID: 0007
Revises: 0004
Create Date: 2026-12-06
"""
from alembic import op
import sqlalchemy as sa


revision = '0007'
down_revision = '0006'
branch_labels = None
depends_on = None


def _audit_columns() -> list:
    return [sa.Column('version', sa.Integer(), server_default='1', nullable=False),
            sa.Column('updated_at', sa.DateTime(), nullable=False),
            sa.Column('updated_by', sa.String(length=120), nullable=False)]


def _table(name: str, *columns, unique: tuple[str, ...] | None = None) -> None:
    extra = [sa.UniqueConstraint('assessment_id', *unique, name=f'uq_{name}')] if unique else []
    op.create_table(name,
                    sa.Column('id', sa.Integer(), nullable=False),
                    sa.Column('assessment_id', sa.Integer(), nullable=False),
                    *columns, *_audit_columns(),
                    sa.ForeignKeyConstraint(['assessment_id'], ['assessment.id'], ondelete='CASCADE'),
                    sa.PrimaryKeyConstraint('id'), *extra)
    op.create_index(op.f(f'ix_{name}_assessment_id'), name, ['assessment_id'], unique=False)


def upgrade() -> None:
    _table('roadmap_quantity',
           sa.Column('measure', sa.String(length=10), nullable=False),
           sa.Column('kind', sa.String(length=12), nullable=False),
           sa.Column('low', sa.Numeric(precision=12, scale=2, asdecimal=False), nullable=False),
           sa.Column('high', sa.Numeric(precision=12, scale=2, asdecimal=False), nullable=False),
           sa.Column('source', sa.String(length=10), nullable=False),
           sa.Column('note', sa.Text(), nullable=False), unique=('measure', 'kind'))
    _table('roadmap_unit_cost',
           sa.Column('item_id', sa.String(length=40), nullable=False),
           sa.Column('low', sa.Numeric(precision=18, scale=2, asdecimal=False), nullable=False),
           sa.Column('high', sa.Numeric(precision=18, scale=2, asdecimal=False), nullable=False),
           sa.Column('currency', sa.String(length=3), nullable=False),
           sa.Column('price_year', sa.Integer(), nullable=False),
           sa.Column('source', sa.Text(), nullable=False), unique=('item_id',))
    _table('roadmap_rate',
           sa.Column('currency', sa.String(length=3), nullable=False),
           sa.Column('usd_per_unit', sa.Numeric(precision=18, scale=8, asdecimal=False), nullable=False),
           sa.Column('source', sa.Text(), nullable=False), unique=('currency',))
    _table('roadmap_package',
           sa.Column('package_id', sa.String(length=60), nullable=False),
           sa.Column('state', sa.String(length=10), nullable=False),
           sa.Column('rank', sa.Integer(), nullable=True),
           sa.Column('reason', sa.Text(), nullable=False),
           sa.Column('government_share', sa.Numeric(precision=5, scale=4, asdecimal=False), nullable=True),
           sa.Column('funded_by', sa.String(length=200), nullable=False),
           sa.Column('funding_status', sa.String(length=20), nullable=False), unique=('package_id',))
    op.create_table('roadmap_commitment',
                    sa.Column('assessment_id', sa.Integer(), nullable=False),
                    sa.Column('note', sa.Text(), nullable=False), *_audit_columns(),
                    sa.ForeignKeyConstraint(['assessment_id'], ['assessment.id'], ondelete='CASCADE'),
                    sa.PrimaryKeyConstraint('assessment_id'))


def downgrade() -> None:
    op.drop_table('roadmap_commitment')
    for name in ('roadmap_package', 'roadmap_rate', 'roadmap_unit_cost', 'roadmap_quantity'):
        op.drop_index(op.f(f'ix_{name}_assessment_id'), table_name=name)
        op.drop_table(name)
