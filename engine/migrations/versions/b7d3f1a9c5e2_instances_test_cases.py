"""instances carry a test flag and a clock offset (test cases of a version)

Revision ID: b7d3f1a9c5e2
Revises: f3c8d1a6b2e7
Create Date: 2026-12-06 12:30:00

"""
from alembic import op
import sqlalchemy as sa


revision = 'b7d3f1a9c5e2'
down_revision = 'f3c8d1a6b2e7'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('instances', schema=None) as batch_op:
        batch_op.add_column(sa.Column('is_test', sa.Boolean(), nullable=False, server_default=sa.false()))
        batch_op.add_column(sa.Column('clock_offset', sa.Integer(), nullable=False, server_default='0'))
        batch_op.create_index(batch_op.f('ix_instances_is_test'), ['is_test'], unique=False)


def downgrade():
    with op.batch_alter_table('instances', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_instances_is_test'))
        batch_op.drop_column('clock_offset')
        batch_op.drop_column('is_test')
