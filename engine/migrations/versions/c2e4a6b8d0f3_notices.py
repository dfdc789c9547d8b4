"""notices: electronic addresses and notices with legal effect

Revision ID: c2e4a6b8d0f3
Revises: b8d2f4a6c1e9
Create Date: 2026-12-07 02:20:00

"""
from alembic import op
import sqlalchemy as sa

import engine.db


revision = 'c2e4a6b8d0f3'
down_revision = 'b8d2f4a6c1e9'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'notice_addresses',
        sa.Column('user_id', sa.String(length=36), sa.ForeignKey('users.id', ondelete='CASCADE'), primary_key=True),
        sa.Column('accepted_at', engine.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column('terms_version', sa.String(length=20), nullable=False),
        sa.Column('terms_sha256', sa.String(length=64), nullable=False),
    )
    op.create_table(
        'notices',
        sa.Column('id', sa.String(length=36), primary_key=True),
        sa.Column('instance_id', sa.String(length=36), sa.ForeignKey('instances.id', ondelete='CASCADE'),
                  nullable=False),
        sa.Column('document_id', sa.String(length=36), sa.ForeignKey('documents.id', ondelete='CASCADE'),
                  nullable=False),
        sa.Column('recipient', sa.String(length=150), nullable=False),
        sa.Column('title', sa.String(length=300), nullable=False),
        sa.Column('sent_at', engine.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column('deemed_due_at', engine.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column('opened_at', engine.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column('received_at', engine.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column('proof_code', sa.String(length=19), nullable=True),
    )
    op.create_index('ix_notices_instance_id', 'notices', ['instance_id'])
    op.create_index('ix_notices_recipient', 'notices', ['recipient'])
    op.create_index('ix_notices_deemed_due_at', 'notices', ['deemed_due_at'])


def downgrade():
    op.drop_table('notices')
    op.drop_table('notice_addresses')
