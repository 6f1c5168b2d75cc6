"""accounts, sessions, roles per assessment, restricted findings, comments, audit hash chain

Revision ID: 0006
Revises: 0004
Create Date: 2026-12-07

Existing audit entries are chained in the order they were written (by id, per assessment).
"""
from alembic import op
import sqlalchemy as sa

from workbook.store.audit import entry_hash

revision = '0006'
down_revision = '0005'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('account',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('username', sa.String(length=60), nullable=False),
    sa.Column('display_name', sa.String(length=120), nullable=False),
    sa.Column('source', sa.String(length=10), nullable=False),
    sa.Column('password_hash', sa.Text(), nullable=True),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.Column('may_create', sa.Boolean(), nullable=False),
    sa.Column('failed_attempts', sa.Integer(), nullable=False),
    sa.Column('locked_until', sa.DateTime(), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('updated_at', sa.DateTime(), nullable=False),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('username')
    )
    op.create_table('account_session',
    sa.Column('id', sa.String(length=32), nullable=False),
    sa.Column('token_hash', sa.String(length=64), nullable=False),
    sa.Column('account_id', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('expires_at', sa.DateTime(), nullable=False),
    sa.Column('ended_at', sa.DateTime(), nullable=True),
    sa.Column('client', sa.String(length=200), nullable=False),
    sa.ForeignKeyConstraint(['account_id'], ['account.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('token_hash')
    )
    op.create_index(op.f('ix_account_session_account_id'), 'account_session', ['account_id'], unique=False)
    op.create_table('assessment_role',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('assessment_id', sa.Integer(), nullable=False),
    sa.Column('account_id', sa.Integer(), nullable=False),
    sa.Column('role', sa.String(length=30), nullable=False),
    sa.Column('granted_by', sa.String(length=120), nullable=False),
    sa.Column('granted_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['account_id'], ['account.id'], ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['assessment_id'], ['assessment.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('assessment_id', 'account_id', name='uq_assessment_role')
    )
    op.create_index(op.f('ix_assessment_role_account_id'), 'assessment_role', ['account_id'], unique=False)
    op.create_index(op.f('ix_assessment_role_assessment_id'), 'assessment_role', ['assessment_id'], unique=False)
    op.create_table('comment',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('assessment_id', sa.Integer(), nullable=False),
    sa.Column('indicator_id', sa.String(length=20), nullable=True),
    sa.Column('text', sa.Text(), nullable=False),
    sa.Column('who', sa.String(length=120), nullable=False),
    sa.Column('account', sa.String(length=60), nullable=True),
    sa.Column('at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['assessment_id'], ['assessment.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id')
    )
    op.create_index(op.f('ix_comment_assessment_id'), 'comment', ['assessment_id'], unique=False)
    op.create_table('audit_head',
    sa.Column('chain', sa.Integer(), autoincrement=False, nullable=False),
    sa.Column('seq', sa.Integer(), nullable=False),
    sa.Column('hash', sa.String(length=64), nullable=False),
    sa.PrimaryKeyConstraint('chain')
    )
    with op.batch_alter_table('evidence') as batch:
        batch.add_column(sa.Column('restricted', sa.Boolean(), server_default=sa.false(), nullable=False))
    with op.batch_alter_table('rating') as batch:
        batch.add_column(sa.Column('restricted', sa.Boolean(), server_default=sa.false(), nullable=False))
        batch.add_column(sa.Column('notes_restricted', sa.Boolean(), server_default=sa.false(), nullable=False))
    with op.batch_alter_table('sign_off') as batch:
        batch.add_column(sa.Column('account', sa.String(length=60), nullable=True))
        batch.add_column(sa.Column('audit_head', sa.String(length=64), nullable=True))
    with op.batch_alter_table('audit_log') as batch:
        batch.add_column(sa.Column('account', sa.String(length=60), nullable=True))
        batch.add_column(sa.Column('seq', sa.Integer(), nullable=True))
        batch.add_column(sa.Column('prev_hash', sa.String(length=64), nullable=True))
        batch.add_column(sa.Column('hash', sa.String(length=64), nullable=True))
    _chain_existing_entries()
    with op.batch_alter_table('audit_log') as batch:
        batch.create_unique_constraint('uq_audit_chain_seq', ['assessment_id', 'seq'])


def _chain_existing_entries() -> None:
    conn = op.get_bind()
    log = sa.table('audit_log', sa.column('id', sa.Integer), sa.column('assessment_id', sa.Integer),
                   sa.column('entity', sa.String), sa.column('entity_key', sa.String), sa.column('field', sa.String),
                   sa.column('old', sa.Text), sa.column('new', sa.Text), sa.column('who', sa.String),
                   sa.column('at', sa.DateTime), sa.column('account', sa.String), sa.column('seq', sa.Integer),
                   sa.column('prev_hash', sa.String), sa.column('hash', sa.String))
    heads = sa.table('audit_head', sa.column('chain', sa.Integer), sa.column('seq', sa.Integer),
                     sa.column('hash', sa.String))
    state: dict[int, tuple[int, str]] = {}
    rows = conn.execute(sa.select(log.c.id, log.c.assessment_id, log.c.entity, log.c.entity_key, log.c.field,
                                  log.c.old, log.c.new, log.c.who, log.c.at)
                        .order_by(log.c.assessment_id, log.c.id)).all()
    for r in rows:
        seq, prev = state.get(r.assessment_id, (0, ""))
        seq += 1
        at = r.at.replace(tzinfo=None) if r.at is not None else None
        h = entry_hash(r.assessment_id, seq, prev, r.entity, r.entity_key, r.field, r.old, r.new, r.who, None, at)
        conn.execute(log.update().where(log.c.id == r.id).values(seq=seq, prev_hash=prev, hash=h))
        state[r.assessment_id] = (seq, h)
    for chain, (seq, h) in state.items():
        conn.execute(heads.insert().values(chain=chain, seq=seq, hash=h))


def downgrade() -> None:
    with op.batch_alter_table('audit_log') as batch:
        batch.drop_constraint('uq_audit_chain_seq', type_='unique')
        batch.drop_column('hash')
        batch.drop_column('prev_hash')
        batch.drop_column('seq')
        batch.drop_column('account')
    with op.batch_alter_table('sign_off') as batch:
        batch.drop_column('audit_head')
        batch.drop_column('account')
    with op.batch_alter_table('rating') as batch:
        batch.drop_column('notes_restricted')
        batch.drop_column('restricted')
    with op.batch_alter_table('evidence') as batch:
        batch.drop_column('restricted')
    op.drop_table('audit_head')
    op.drop_index(op.f('ix_comment_assessment_id'), table_name='comment')
    op.drop_table('comment')
    op.drop_index(op.f('ix_assessment_role_assessment_id'), table_name='assessment_role')
    op.drop_index(op.f('ix_assessment_role_account_id'), table_name='assessment_role')
    op.drop_table('assessment_role')
    op.drop_index(op.f('ix_account_session_account_id'), table_name='account_session')
    op.drop_table('account_session')
    op.drop_table('account')
