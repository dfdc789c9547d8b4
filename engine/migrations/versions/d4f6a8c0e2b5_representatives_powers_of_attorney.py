"""representatives: company accounts (CUIT), powers of attorney, the session's «acting for»

Revision ID: d4f6a8c0e2b5
Revises: c2e4a6b8d0f3
Create Date: 2026-12-07 02:40:00

"""
from alembic import op
import sqlalchemy as sa

import engine.db


revision = 'd4f6a8c0e2b5'
down_revision = 'c2e4a6b8d0f3'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.add_column(sa.Column('cuit', sa.String(length=11), nullable=True))
        batch_op.create_unique_constraint(batch_op.f('uq_users_cuit'), ['cuit'])
    with op.batch_alter_table('web_sessions', schema=None) as batch_op:
        batch_op.add_column(sa.Column('acting_for', sa.String(length=120), nullable=True))
    op.create_table(
        'powers_of_attorney',
        sa.Column('id', sa.String(length=36), nullable=False),
        sa.Column('representative', sa.String(length=120), nullable=False),
        sa.Column('party', sa.String(length=120), nullable=False),
        sa.Column('procedures', sa.String(length=1000), nullable=False),
        sa.Column('valid_from', sa.Date(), nullable=False),
        sa.Column('valid_until', sa.Date(), nullable=True),
        sa.Column('granted_in', sa.String(length=36), nullable=True),
        sa.Column('accepted_at', engine.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column('revoked_at', engine.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column('revoked_by', sa.String(length=120), nullable=True),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_powers_of_attorney')),
    )
    with op.batch_alter_table('powers_of_attorney', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_powers_of_attorney_representative'), ['representative'], unique=False)
        batch_op.create_index(batch_op.f('ix_powers_of_attorney_party'), ['party'], unique=False)


def downgrade():
    op.drop_table('powers_of_attorney')
    with op.batch_alter_table('web_sessions', schema=None) as batch_op:
        batch_op.drop_column('acting_for')
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('uq_users_cuit'), type_='unique')
        batch_op.drop_column('cuit')
