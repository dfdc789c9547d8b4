"""forecasts: incoming cases expected per procedure and reclamo category, with their backtest

Revision ID: a61c3e9f28d4
Revises: 0743e5c04fb9
Create Date: 2026-12-07 06:20:00

"""
from alembic import op
import sqlalchemy as sa

import engine.db


revision = 'a61c3e9f28d4'
down_revision = '0743e5c04fb9'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'forecasts',
        sa.Column('subject_kind', sa.String(length=20), nullable=False),
        sa.Column('subject_key', sa.String(length=100), nullable=False),
        sa.Column('computed_at', engine.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column('method', sa.String(length=60), nullable=False),
        sa.Column('history_from', sa.Date(), nullable=False),
        sa.Column('history_days', sa.Integer(), nullable=False),
        sa.Column('weeks', sa.JSON().with_variant(sa.JSON(none_as_null=True), 'postgresql'), nullable=False),
        sa.Column('backtest_weeks', sa.Integer(), nullable=False),
        sa.Column('mae', sa.Float(), nullable=False),
        sa.Column('mape', sa.Float(), nullable=True),
        sa.Column('naive_mae', sa.Float(), nullable=False),
        sa.Column('naive_mape', sa.Float(), nullable=True),
        sa.PrimaryKeyConstraint('subject_kind', 'subject_key', name=op.f('pk_forecasts')),
    )


def downgrade():
    op.drop_table('forecasts')
