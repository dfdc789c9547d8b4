"""identity: web sessions, sign-in throttle, e-mail verifications, citizen profile and external id columns

Revision ID: d2b6f0e3c8a1
Revises: c1a5e9d2b7f0
Create Date: 2026-12-01 14:30:00

"""
from alembic import op
import sqlalchemy as sa

import engine.db


revision = 'd2b6f0e3c8a1'
down_revision = 'c1a5e9d2b7f0'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.add_column(sa.Column('source', sa.String(length=16), server_default='local', nullable=False))
        batch_op.add_column(sa.Column('email_verified_at', engine.db.UTCDateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('dni', sa.String(length=8), nullable=True))
        batch_op.add_column(sa.Column('cuil', sa.String(length=11), nullable=True))
        batch_op.add_column(sa.Column('external_id', sa.String(length=400), nullable=True))
        batch_op.create_unique_constraint(batch_op.f('uq_users_dni'), ['dni'])
        batch_op.create_unique_constraint(batch_op.f('uq_users_external_id'), ['external_id'])

    op.create_table('web_sessions',
    sa.Column('token_hash', sa.String(length=64), nullable=False),
    sa.Column('user_id', sa.String(length=36), nullable=True),
    sa.Column('csrf_token', sa.String(length=64), nullable=False),
    sa.Column('created_at', engine.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('last_seen_at', engine.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('ip', sa.String(length=64), nullable=True),
    sa.Column('user_agent', sa.String(length=200), nullable=True),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_web_sessions_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('token_hash', name=op.f('pk_web_sessions'))
    )
    with op.batch_alter_table('web_sessions', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_web_sessions_user_id'), ['user_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_web_sessions_last_seen_at'), ['last_seen_at'], unique=False)

    op.create_table('signin_throttle',
    sa.Column('key', sa.String(length=200), nullable=False),
    sa.Column('failures', sa.Integer(), nullable=False),
    sa.Column('last_failure_at', engine.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('locked_until', engine.db.UTCDateTime(timezone=True), nullable=True),
    sa.PrimaryKeyConstraint('key', name=op.f('pk_signin_throttle'))
    )
    with op.batch_alter_table('signin_throttle', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_signin_throttle_last_failure_at'), ['last_failure_at'], unique=False)

    op.create_table('email_verifications',
    sa.Column('token_hash', sa.String(length=64), nullable=False),
    sa.Column('user_id', sa.String(length=36), nullable=False),
    sa.Column('email', sa.String(length=254), nullable=False),
    sa.Column('created_at', engine.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('expires_at', engine.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('used_at', engine.db.UTCDateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_email_verifications_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('token_hash', name=op.f('pk_email_verifications'))
    )
    with op.batch_alter_table('email_verifications', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_email_verifications_user_id'), ['user_id'], unique=False)


def downgrade():
    with op.batch_alter_table('email_verifications', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_email_verifications_user_id'))
    op.drop_table('email_verifications')
    with op.batch_alter_table('signin_throttle', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_signin_throttle_last_failure_at'))
    op.drop_table('signin_throttle')
    with op.batch_alter_table('web_sessions', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_web_sessions_last_seen_at'))
        batch_op.drop_index(batch_op.f('ix_web_sessions_user_id'))
    op.drop_table('web_sessions')
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('uq_users_external_id'), type_='unique')
        batch_op.drop_constraint(batch_op.f('uq_users_dni'), type_='unique')
        batch_op.drop_column('external_id')
        batch_op.drop_column('cuil')
        batch_op.drop_column('dni')
        batch_op.drop_column('email_verified_at')
        batch_op.drop_column('source')
