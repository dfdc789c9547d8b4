"""records: closed case files, their retention and the disposal register

Revision ID: b3d5f7a9c1e2
Revises: a7c9e1f3b5d8
Create Date: 2026-12-07 02:10:00

"""
from alembic import op
import sqlalchemy as sa

import engine.db


revision = 'b3d5f7a9c1e2'
down_revision = 'a7c9e1f3b5d8'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'records_cases',
        sa.Column('instance_id', sa.String(length=36), nullable=False),
        sa.Column('state', sa.String(length=20), nullable=False),
        sa.Column('closed_at', engine.db.UTCDateTime(), nullable=False),
        sa.Column('closed_by', sa.String(length=200), nullable=False),
        sa.Column('reason', sa.Text(), nullable=False),
        sa.Column('act_folio', sa.Integer(), nullable=False),
        sa.Column('retention_years', sa.Integer(), nullable=False),
        sa.Column('retain_until', engine.db.UTCDateTime(), nullable=False),
        sa.Column('disposition', sa.String(length=20), nullable=False),
        sa.Column('listed_at', engine.db.UTCDateTime(), nullable=True),
        sa.ForeignKeyConstraint(['instance_id'], ['instances.id'], ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('instance_id'),
    )
    op.create_index(op.f('ix_records_cases_state'), 'records_cases', ['state'], unique=False)
    op.create_index(op.f('ix_records_cases_retain_until'), 'records_cases', ['retain_until'], unique=False)
    op.create_table(
        'records_disposals',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('action', sa.String(length=20), nullable=False),
        sa.Column('case_number', sa.String(length=40), nullable=False),
        sa.Column('process_key', sa.String(length=100), nullable=False),
        sa.Column('procedure', sa.String(length=200), nullable=False),
        sa.Column('started_at', engine.db.UTCDateTime(), nullable=False),
        sa.Column('closed_at', engine.db.UTCDateTime(), nullable=False),
        sa.Column('retain_until', engine.db.UTCDateTime(), nullable=False),
        sa.Column('approved_by', sa.String(length=200), nullable=False),
        sa.Column('approved_at', engine.db.UTCDateTime(), nullable=False),
        sa.Column('manifest', sa.JSON().with_variant(sa.JSON(none_as_null=True), 'postgresql'), nullable=False),
        sa.Column('manifest_sha256', sa.String(length=64), nullable=False),
        sa.Column('location', sa.String(length=300), nullable=True),
        sa.PrimaryKeyConstraint('id'),
        sqlite_autoincrement=True,
    )
    op.create_index(op.f('ix_records_disposals_case_number'), 'records_disposals', ['case_number'], unique=False)


def downgrade():
    op.drop_index(op.f('ix_records_disposals_case_number'), table_name='records_disposals')
    op.drop_table('records_disposals')
    op.drop_index(op.f('ix_records_cases_retain_until'), table_name='records_cases')
    op.drop_index(op.f('ix_records_cases_state'), table_name='records_cases')
    op.drop_table('records_cases')
