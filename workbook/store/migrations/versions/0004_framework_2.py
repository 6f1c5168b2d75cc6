"""framework 2.0: criteria answers, crossing-point profile, override reasons, moderation

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-06
"""
from alembic import op
import sqlalchemy as sa


revision = '0004'
down_revision = '0003'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('assessment') as batch:
        batch.add_column(sa.Column('crossing_kinds', sa.JSON(), nullable=True))
        batch.add_column(sa.Column('island', sa.Boolean(), nullable=True))
        batch.add_column(sa.Column('landlocked', sa.Boolean(), nullable=True))
    with op.batch_alter_table('rating') as batch:
        batch.add_column(sa.Column('override_reason', sa.Text(), server_default='', nullable=False))
    op.create_table('criterion_answer',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('assessment_id', sa.Integer(), nullable=False),
    sa.Column('criterion_id', sa.String(length=24), nullable=False),
    sa.Column('answer', sa.String(length=3), nullable=False),
    sa.Column('note', sa.Text(), server_default='', nullable=False),
    sa.Column('version', sa.Integer(), server_default='1', nullable=False),
    sa.Column('updated_at', sa.DateTime(), nullable=False),
    sa.Column('updated_by', sa.String(length=120), nullable=False),
    sa.ForeignKeyConstraint(['assessment_id'], ['assessment.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('assessment_id', 'criterion_id', name='uq_criterion_answer')
    )
    op.create_index(op.f('ix_criterion_answer_assessment_id'), 'criterion_answer', ['assessment_id'], unique=False)
    op.create_table('moderation_entry',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('assessment_id', sa.Integer(), nullable=False),
    sa.Column('indicator_id', sa.String(length=20), nullable=False),
    sa.Column('held_on', sa.Date(), nullable=False),
    sa.Column('participants', sa.Text(), nullable=False),
    sa.Column('before', sa.String(length=2), nullable=True),
    sa.Column('after', sa.String(length=2), nullable=True),
    sa.Column('note', sa.Text(), nullable=False),
    sa.Column('recorded_by', sa.String(length=120), nullable=False),
    sa.Column('recorded_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['assessment_id'], ['assessment.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id')
    )
    op.create_index(op.f('ix_moderation_entry_assessment_id'), 'moderation_entry', ['assessment_id'], unique=False)


def downgrade() -> None:
    op.drop_index(op.f('ix_moderation_entry_assessment_id'), table_name='moderation_entry')
    op.drop_table('moderation_entry')
    op.drop_index(op.f('ix_criterion_answer_assessment_id'), table_name='criterion_answer')
    op.drop_table('criterion_answer')
    with op.batch_alter_table('rating') as batch:
        batch.drop_column('override_reason')
    with op.batch_alter_table('assessment') as batch:
        batch.drop_column('landlocked')
        batch.drop_column('island')
        batch.drop_column('crossing_kinds')
