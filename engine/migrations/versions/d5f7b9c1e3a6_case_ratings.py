"""portal: the rating of a closed case's answer

Revision ID: d5f7b9c1e3a6
Revises: c4e6a8b0d2f4
Create Date: 2026-12-06 19:00:00

"""
from alembic import op
import sqlalchemy as sa

import engine.db


revision = 'd5f7b9c1e3a6'
down_revision = 'c4e6a8b0d2f4'
branch_labels = None
depends_on = None

WHEN = engine.db.UTCDateTime(timezone=True)


def upgrade():
    op.create_table('portal_case_ratings',
    sa.Column('instance_id', sa.String(length=36), nullable=False),
    sa.Column('score', sa.SmallInteger(), nullable=False),
    sa.Column('comment', sa.Text(), nullable=False),
    sa.Column('actor', sa.String(length=150), nullable=False),
    sa.Column('rated_at', WHEN, nullable=False),
    sa.ForeignKeyConstraint(['instance_id'], ['instances.id'], name=op.f('fk_portal_case_ratings_instance_id_instances'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('instance_id', name=op.f('pk_portal_case_ratings'))
    )


def downgrade():
    op.drop_table('portal_case_ratings')
