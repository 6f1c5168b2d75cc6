"""field mission: plan, desk review, crossing-point register, schedule, site visits with their
checklist, interviews, attachments; evidence observed at a visit

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-06
"""
from alembic import op
import sqlalchemy as sa


revision = '0005'
down_revision = '0004'
branch_labels = None
depends_on = None


def _who() -> list:
    return [sa.Column('version', sa.Integer(), server_default='1', nullable=False),
            sa.Column('updated_at', sa.DateTime(), nullable=False),
            sa.Column('updated_by', sa.String(length=120), nullable=False)]


def _assessment() -> list:
    return [sa.Column('assessment_id', sa.Integer(), nullable=False),
            sa.ForeignKeyConstraint(['assessment_id'], ['assessment.id'], ondelete='CASCADE')]


def upgrade() -> None:
    op.create_table('mission_plan',
    sa.Column('assessment_id', sa.Integer(), nullable=False),
    sa.Column('objectives', sa.JSON(), nullable=False),
    sa.Column('scope', sa.Text(), nullable=False),
    sa.Column('starts', sa.Date(), nullable=False),
    sa.Column('ends', sa.Date(), nullable=False),
    sa.Column('roles', sa.JSON(), nullable=False),
    *_who(),
    sa.ForeignKeyConstraint(['assessment_id'], ['assessment.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('assessment_id')
    )
    op.create_table('mission_document',
    sa.Column('id', sa.Integer(), nullable=False),
    *_assessment(),
    sa.Column('title', sa.String(length=500), nullable=False),
    sa.Column('requested_from', sa.String(length=200), nullable=False),
    sa.Column('requested', sa.Date(), nullable=True),
    sa.Column('received', sa.Date(), nullable=True),
    sa.Column('note', sa.Text(), nullable=False),
    sa.PrimaryKeyConstraint('id')
    )
    op.create_index(op.f('ix_mission_document_assessment_id'), 'mission_document', ['assessment_id'], unique=False)
    op.create_table('crossing_point',
    sa.Column('id', sa.Integer(), nullable=False),
    *_assessment(),
    sa.Column('code', sa.String(length=40), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('kind', sa.String(length=20), nullable=False),
    sa.Column('region', sa.String(length=120), nullable=False),
    sa.Column('region_code', sa.String(length=12), nullable=True),
    sa.Column('lat', sa.Numeric(precision=9, scale=5, asdecimal=False), nullable=True),
    sa.Column('lon', sa.Numeric(precision=9, scale=5, asdecimal=False), nullable=True),
    sa.Column('traffic', sa.Integer(), nullable=True),
    sa.Column('traffic_source', sa.String(length=500), nullable=False),
    sa.Column('traffic_year', sa.Integer(), nullable=True),
    sa.Column('agencies', sa.JSON(), nullable=False),
    sa.Column('booths', sa.Integer(), nullable=True),
    sa.Column('officers', sa.Integer(), nullable=True),
    sa.Column('women_officers', sa.Integer(), nullable=True),
    sa.Column('interpol', sa.Boolean(), nullable=True),
    sa.Column('api_pnr', sa.Boolean(), nullable=True),
    sa.Column('bmis', sa.String(length=10), nullable=True),
    sa.Column('equipment', sa.Text(), nullable=False),
    sa.Column('hours', sa.String(length=200), nullable=False),
    *_who(),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('assessment_id', 'code', name='uq_crossing_point_code')
    )
    op.create_index(op.f('ix_crossing_point_assessment_id'), 'crossing_point', ['assessment_id'], unique=False)
    op.create_table('mission_event',
    sa.Column('id', sa.Integer(), nullable=False),
    *_assessment(),
    sa.Column('day', sa.Date(), nullable=False),
    sa.Column('kind', sa.String(length=20), nullable=False),
    sa.Column('post_id', sa.Integer(), nullable=True),
    sa.Column('place', sa.String(length=200), nullable=False),
    sa.Column('subject', sa.String(length=500), nullable=False),
    sa.ForeignKeyConstraint(['post_id'], ['crossing_point.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id')
    )
    op.create_index(op.f('ix_mission_event_assessment_id'), 'mission_event', ['assessment_id'], unique=False)
    op.create_table('site_visit',
    sa.Column('id', sa.Integer(), nullable=False),
    *_assessment(),
    sa.Column('post_id', sa.Integer(), nullable=False),
    sa.Column('day', sa.Date(), nullable=False),
    sa.Column('why', sa.Text(), nullable=False),
    sa.Column('team', sa.JSON(), nullable=False),
    sa.Column('key_observations', sa.JSON(), nullable=False),
    *_who(),
    sa.ForeignKeyConstraint(['post_id'], ['crossing_point.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('post_id', 'day', name='uq_site_visit_post_day')
    )
    op.create_index(op.f('ix_site_visit_assessment_id'), 'site_visit', ['assessment_id'], unique=False)
    op.create_index(op.f('ix_site_visit_post_id'), 'site_visit', ['post_id'], unique=False)
    op.create_table('visit_observation',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('visit_id', sa.Integer(), nullable=False),
    sa.Column('criterion_id', sa.String(length=24), nullable=False),
    sa.Column('result', sa.String(length=3), nullable=False),
    sa.Column('note', sa.Text(), nullable=False),
    sa.ForeignKeyConstraint(['visit_id'], ['site_visit.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('visit_id', 'criterion_id', name='uq_visit_observation')
    )
    op.create_index(op.f('ix_visit_observation_visit_id'), 'visit_observation', ['visit_id'], unique=False)
    op.create_table('interview',
    sa.Column('id', sa.Integer(), nullable=False),
    *_assessment(),
    sa.Column('role', sa.String(length=120), nullable=False),
    sa.Column('agency', sa.String(length=200), nullable=False),
    sa.Column('sex', sa.String(length=20), nullable=False),
    sa.Column('day', sa.Date(), nullable=False),
    sa.Column('post_id', sa.Integer(), nullable=True),
    sa.Column('place', sa.String(length=200), nullable=False),
    sa.Column('consent', sa.Boolean(), nullable=False),
    sa.Column('anonymity', sa.Boolean(), nullable=False),
    sa.Column('summary', sa.Text(), nullable=False),
    *_who(),
    sa.ForeignKeyConstraint(['post_id'], ['crossing_point.id'], ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id')
    )
    op.create_index(op.f('ix_interview_assessment_id'), 'interview', ['assessment_id'], unique=False)
    with op.batch_alter_table('evidence') as batch:
        batch.add_column(sa.Column('visit_id', sa.Integer(), nullable=True))
        batch.create_index(batch.f('ix_evidence_visit_id'), ['visit_id'], unique=False)
        batch.create_foreign_key('fk_evidence_visit_id', 'site_visit', ['visit_id'], ['id'], ondelete='CASCADE')
    op.create_table('attachment',
    sa.Column('id', sa.Integer(), nullable=False),
    *_assessment(),
    sa.Column('visit_id', sa.Integer(), nullable=True),
    sa.Column('interview_id', sa.Integer(), nullable=True),
    sa.Column('evidence_id', sa.Integer(), nullable=True),
    sa.Column('filename', sa.String(length=200), nullable=False),
    sa.Column('media_type', sa.String(length=100), nullable=False),
    sa.Column('size', sa.Integer(), nullable=False),
    sa.Column('sha256', sa.String(length=64), nullable=False),
    sa.Column('caption', sa.Text(), nullable=False),
    sa.Column('location_kept', sa.Boolean(), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('created_by', sa.String(length=120), nullable=False),
    sa.ForeignKeyConstraint(['visit_id'], ['site_visit.id'], ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['interview_id'], ['interview.id'], ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['evidence_id'], ['evidence.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id')
    )
    op.create_index(op.f('ix_attachment_assessment_id'), 'attachment', ['assessment_id'], unique=False)
    op.create_index(op.f('ix_attachment_sha256'), 'attachment', ['sha256'], unique=False)


def downgrade() -> None:
    op.drop_index(op.f('ix_attachment_sha256'), table_name='attachment')
    op.drop_index(op.f('ix_attachment_assessment_id'), table_name='attachment')
    op.drop_table('attachment')
    with op.batch_alter_table('evidence') as batch:
        batch.drop_constraint('fk_evidence_visit_id', type_='foreignkey')
        batch.drop_index(batch.f('ix_evidence_visit_id'))
        batch.drop_column('visit_id')
    for table, indexes in (('interview', ['assessment_id']), ('visit_observation', ['visit_id']),
                           ('site_visit', ['post_id', 'assessment_id']), ('mission_event', ['assessment_id']),
                           ('crossing_point', ['assessment_id']), ('mission_document', ['assessment_id'])):
        for column in indexes:
            op.drop_index(op.f(f'ix_{table}_{column}'), table_name=table)
        op.drop_table(table)
    op.drop_table('mission_plan')
