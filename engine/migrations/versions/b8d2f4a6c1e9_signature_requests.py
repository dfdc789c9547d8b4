"""signatures: documents waiting for officials' signatures (porta firma, firma conjunta)

Revision ID: b8d2f4a6c1e9
Revises: b8d2f4a6c0e1
Create Date: 2026-12-07 02:00:00

"""
from alembic import op
import sqlalchemy as sa

import engine.db


revision = 'b8d2f4a6c1e9'
down_revision = 'b8d2f4a6c0e1'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'signature_requests',
        sa.Column('id', sa.String(length=36), nullable=False),
        sa.Column('instance_id', sa.String(length=36), nullable=False),
        sa.Column('certificate_code', sa.String(length=32), nullable=False),
        sa.Column('title', sa.String(length=300), nullable=False),
        sa.Column('case_number', sa.String(length=40), nullable=True),
        sa.Column('message', sa.String(length=200), nullable=False),
        sa.Column('storage_key', sa.String(length=64), nullable=False),
        sa.Column('sha256', sa.String(length=64), nullable=False),
        sa.Column('size', sa.BigInteger(), nullable=False),
        sa.Column('status', sa.String(length=20), nullable=False),
        sa.Column('next_position', sa.Integer(), nullable=False),
        sa.Column('created_at', engine.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column('completed_at', engine.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column('version', sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(['instance_id'], ['instances.id'], ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id'),
    )
    with op.batch_alter_table('signature_requests') as batch:
        batch.create_index('ix_signature_requests_instance_id', ['instance_id'], unique=False)
        batch.create_index('ix_signature_requests_certificate_code', ['certificate_code'], unique=False)
        batch.create_index('ix_signature_requests_status', ['status'], unique=False)
    op.create_table(
        'signature_steps',
        sa.Column('id', sa.String(length=36), nullable=False),
        sa.Column('request_id', sa.String(length=36), nullable=False),
        sa.Column('position', sa.Integer(), nullable=False),
        sa.Column('group', sa.String(length=100), nullable=False),
        sa.Column('role', sa.String(length=200), nullable=False),
        sa.Column('status', sa.String(length=20), nullable=False),
        sa.Column('signer', sa.String(length=150), nullable=True),
        sa.Column('signer_name', sa.String(length=300), nullable=True),
        sa.Column('certificate_sha256', sa.String(length=64), nullable=True),
        sa.Column('signed_at', engine.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column('refusal', sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(['request_id'], ['signature_requests.id'], ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id'),
    )
    with op.batch_alter_table('signature_steps') as batch:
        batch.create_index('ix_signature_steps_request_id', ['request_id'], unique=False)
        batch.create_index('ix_signature_steps_group', ['group'], unique=False)


def downgrade():
    op.drop_table('signature_steps')
    op.drop_table('signature_requests')
