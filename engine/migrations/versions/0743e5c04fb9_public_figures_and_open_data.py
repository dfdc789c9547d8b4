"""public figures and open data: monthly aggregates, the refresh's months, the published files

Revision ID: 0743e5c04fb9
Revises: e5a7c9b1d3f6
Create Date: 2026-12-07 06:10:00

"""
from alembic import op
import sqlalchemy as sa

import engine.db


revision = '0743e5c04fb9'
down_revision = 'e5a7c9b1d3f6'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('figures_procedure_months',
    sa.Column('process_key', sa.String(length=100), nullable=False),
    sa.Column('month', sa.Date(), nullable=False),
    sa.Column('started', sa.Integer(), nullable=False),
    sa.Column('finished', sa.Integer(), nullable=False),
    sa.Column('refused', sa.Integer(), nullable=False),
    sa.Column('with_term', sa.Integer(), nullable=False),
    sa.Column('on_time', sa.Integer(), nullable=False),
    sa.Column('median_days', sa.Float(), nullable=True),
    sa.Column('p90_days', sa.Float(), nullable=True),
    sa.Column('appointment_wait_days', sa.Float(), nullable=True),
    sa.Column('appointments', sa.Integer(), nullable=False),
    sa.Column('final', sa.Boolean(), nullable=False),
    sa.Column('computed_at', engine.db.UTCDateTime(), nullable=False),
    sa.PrimaryKeyConstraint('process_key', 'month', name=op.f('pk_figures_procedure_months'))
    )
    op.create_table('figures_reclamo_cells',
    sa.Column('month', sa.Date(), nullable=False),
    sa.Column('category', sa.String(length=60), nullable=False),
    sa.Column('cell', sa.String(length=30), nullable=False),
    sa.Column('total', sa.Integer(), nullable=False),
    sa.Column('open', sa.Integer(), nullable=False),
    sa.Column('resolved', sa.Integer(), nullable=False),
    sa.Column('median_days_to_resolve', sa.Float(), nullable=True),
    sa.Column('final', sa.Boolean(), nullable=False),
    sa.Column('computed_at', engine.db.UTCDateTime(), nullable=False),
    sa.PrimaryKeyConstraint('month', 'category', 'cell', name=op.f('pk_figures_reclamo_cells'))
    )
    op.create_table('figures_months',
    sa.Column('month', sa.Date(), nullable=False),
    sa.Column('procedures_final', sa.Boolean(), nullable=False),
    sa.Column('reclamos_final', sa.Boolean(), nullable=False),
    sa.Column('computed_at', engine.db.UTCDateTime(), nullable=False),
    sa.PrimaryKeyConstraint('month', name=op.f('pk_figures_months'))
    )
    op.create_table('open_data_files',
    sa.Column('name', sa.String(length=100), nullable=False),
    sa.Column('media_type', sa.String(length=100), nullable=False),
    sa.Column('content', sa.LargeBinary(), nullable=False),
    sa.Column('sha256', sa.String(length=64), nullable=False),
    sa.Column('published_at', engine.db.UTCDateTime(), nullable=False),
    sa.PrimaryKeyConstraint('name', name=op.f('pk_open_data_files'))
    )
    with op.batch_alter_table('instances', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_instances_completed_at'), ['completed_at'], unique=False)


def downgrade():
    with op.batch_alter_table('instances', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_instances_completed_at'))
    op.drop_table('open_data_files')
    op.drop_table('figures_months')
    op.drop_table('figures_reclamo_cells')
    op.drop_table('figures_procedure_months')
