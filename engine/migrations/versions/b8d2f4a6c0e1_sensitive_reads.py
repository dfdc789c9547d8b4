"""privacy: the record of staff reading sensitive fields (Ley 25.326)

Revision ID: b8d2f4a6c0e1
Revises: b3d5f7a9c1e2
Create Date: 2026-12-07 02:10:00

"""
from alembic import op
import sqlalchemy as sa

import engine.db


revision = 'b8d2f4a6c0e1'
down_revision = 'b3d5f7a9c1e2'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'sensitive_reads',
        sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), autoincrement=True, nullable=False),
        sa.Column('at', engine.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column('reader', sa.String(length=200), nullable=False),
        sa.Column('instance_id', sa.String(length=36), nullable=False),
        sa.Column('case_number', sa.String(length=40), nullable=False),
        sa.Column('field', sa.String(length=300), nullable=False),
        sa.Column('view', sa.String(length=40), nullable=False),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_sensitive_reads')),
    )
    op.create_index(op.f('ix_sensitive_reads_at'), 'sensitive_reads', ['at'])
    op.create_index(op.f('ix_sensitive_reads_instance_id'), 'sensitive_reads', ['instance_id'])
    op.create_index(op.f('ix_sensitive_reads_reader_at'), 'sensitive_reads', ['reader', 'at'])


def downgrade():
    op.drop_index(op.f('ix_sensitive_reads_reader_at'), table_name='sensitive_reads')
    op.drop_index(op.f('ix_sensitive_reads_instance_id'), table_name='sensitive_reads')
    op.drop_index(op.f('ix_sensitive_reads_at'), table_name='sensitive_reads')
    op.drop_table('sensitive_reads')
