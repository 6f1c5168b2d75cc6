"""road map: targets, exposure, recommendations, initiatives

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-29
"""
from alembic import op
import sqlalchemy as sa


revision = '0002'
down_revision = '0001'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('assessment_exposure',
    sa.Column('assessment_id', sa.Integer(), nullable=False),
    sa.Column('level', sa.Integer(), nullable=False),
    sa.Column('reason', sa.Text(), nullable=False),
    sa.Column('version', sa.Integer(), server_default='1', nullable=False),
    sa.Column('updated_at', sa.DateTime(), nullable=False),
    sa.Column('updated_by', sa.String(length=120), nullable=False),
    sa.ForeignKeyConstraint(['assessment_id'], ['assessment.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('assessment_id')
    )
    op.create_table('initiative',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('country_code', sa.String(length=3), nullable=False),
    sa.Column('assessment_id', sa.Integer(), nullable=False),
    sa.Column('donor', sa.String(length=200), nullable=False),
    sa.Column('implementer', sa.String(length=200), nullable=False),
    sa.Column('title', sa.String(length=500), nullable=False),
    sa.Column('budget', sa.Numeric(precision=18, scale=2, asdecimal=False), nullable=True),
    sa.Column('currency', sa.String(length=3), nullable=True),
    sa.Column('start_date', sa.Date(), nullable=False),
    sa.Column('end_date', sa.Date(), nullable=False),
    sa.Column('notes', sa.Text(), nullable=False),
    sa.Column('version', sa.Integer(), server_default='1', nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('updated_at', sa.DateTime(), nullable=False),
    sa.Column('updated_by', sa.String(length=120), nullable=False),
    sa.ForeignKeyConstraint(['assessment_id'], ['assessment.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('initiative', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_initiative_assessment_id'), ['assessment_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_initiative_country_code'), ['country_code'], unique=False)

    op.create_table('recommendation',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('assessment_id', sa.Integer(), nullable=False),
    sa.Column('subarea_id', sa.String(length=20), nullable=False),
    sa.Column('indicator_id', sa.String(length=20), nullable=True),
    sa.Column('target_level', sa.Integer(), nullable=False),
    sa.Column('action_type', sa.String(length=40), nullable=False),
    sa.Column('title', sa.String(length=500), nullable=False),
    sa.Column('description', sa.Text(), nullable=False),
    sa.Column('lead_agency', sa.String(length=200), nullable=False),
    sa.Column('partners', sa.JSON(), nullable=False),
    sa.Column('cost_band', sa.String(length=10), nullable=True),
    sa.Column('amount', sa.Numeric(precision=18, scale=2, asdecimal=False), nullable=True),
    sa.Column('currency', sa.String(length=3), nullable=True),
    sa.Column('funding_status', sa.String(length=20), nullable=False),
    sa.Column('horizon', sa.String(length=10), nullable=False),
    sa.Column('completion_indicator', sa.Text(), nullable=False),
    sa.Column('deadline', sa.Date(), nullable=True),
    sa.Column('status', sa.String(length=20), nullable=False),
    sa.Column('source_action_id', sa.String(length=40), nullable=True),
    sa.Column('version', sa.Integer(), server_default='1', nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('updated_at', sa.DateTime(), nullable=False),
    sa.Column('updated_by', sa.String(length=120), nullable=False),
    sa.ForeignKeyConstraint(['assessment_id'], ['assessment.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('recommendation', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_recommendation_assessment_id'), ['assessment_id'], unique=False)

    op.create_table('subarea_target',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('assessment_id', sa.Integer(), nullable=False),
    sa.Column('subarea_id', sa.String(length=20), nullable=False),
    sa.Column('short_term', sa.Integer(), nullable=True),
    sa.Column('short_reason', sa.Text(), nullable=False),
    sa.Column('long_term', sa.Integer(), nullable=True),
    sa.Column('long_reason', sa.Text(), nullable=False),
    sa.Column('version', sa.Integer(), server_default='1', nullable=False),
    sa.Column('updated_at', sa.DateTime(), nullable=False),
    sa.Column('updated_by', sa.String(length=120), nullable=False),
    sa.ForeignKeyConstraint(['assessment_id'], ['assessment.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('assessment_id', 'subarea_id', name='uq_subarea_target')
    )
    with op.batch_alter_table('subarea_target', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_subarea_target_assessment_id'), ['assessment_id'], unique=False)

    op.create_table('initiative_scope',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('initiative_id', sa.Integer(), nullable=False),
    sa.Column('subarea_id', sa.String(length=20), nullable=False),
    sa.Column('indicator_id', sa.String(length=20), nullable=True),
    sa.ForeignKeyConstraint(['initiative_id'], ['initiative.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('initiative_scope', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_initiative_scope_initiative_id'), ['initiative_id'], unique=False)

    op.create_table('recommendation_prerequisite',
    sa.Column('recommendation_id', sa.Integer(), nullable=False),
    sa.Column('prerequisite_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['prerequisite_id'], ['recommendation.id'], ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['recommendation_id'], ['recommendation.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('recommendation_id', 'prerequisite_id')
    )
    with op.batch_alter_table('recommendation_prerequisite', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_recommendation_prerequisite_prerequisite_id'), ['prerequisite_id'],
                              unique=False)



def downgrade() -> None:
    with op.batch_alter_table('recommendation_prerequisite', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_recommendation_prerequisite_prerequisite_id'))

    op.drop_table('recommendation_prerequisite')
    with op.batch_alter_table('initiative_scope', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_initiative_scope_initiative_id'))

    op.drop_table('initiative_scope')
    with op.batch_alter_table('subarea_target', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_subarea_target_assessment_id'))

    op.drop_table('subarea_target')
    with op.batch_alter_table('recommendation', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_recommendation_assessment_id'))

    op.drop_table('recommendation')
    with op.batch_alter_table('initiative', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_initiative_country_code'))
        batch_op.drop_index(batch_op.f('ix_initiative_assessment_id'))

    op.drop_table('initiative')
    op.drop_table('assessment_exposure')
