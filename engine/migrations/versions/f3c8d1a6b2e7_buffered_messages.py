"""buffered messages: messages sent with a time-to-live before their case waits for them

Revision ID: f3c8d1a6b2e7
Revises: f3c1d5a7b9e2
Create Date: 2026-12-06 12:30:00

"""
from alembic import op
import sqlalchemy as sa

import engine.db


revision = 'f3c8d1a6b2e7'
down_revision = 'f3c1d5a7b9e2'
branch_labels = None
depends_on = None

JSON = sa.JSON().with_variant(sa.JSON(none_as_null=True), 'postgresql')


def upgrade():
    op.create_table('buffered_messages',
    sa.Column('id', sa.String(length=36), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('correlation', JSON, nullable=False),
    sa.Column('correlation_key', sa.String(length=500), nullable=False),
    sa.Column('payload', JSON, nullable=False),
    sa.Column('message_id', sa.String(length=200), nullable=True),
    sa.Column('sender', sa.String(length=200), nullable=False),
    sa.Column('received_at', engine.db.UTCDateTime(), nullable=False),
    sa.Column('expires_at', engine.db.UTCDateTime(), nullable=False),
    sa.Column('delivered_at', engine.db.UTCDateTime(), nullable=True),
    sa.Column('instance_id', sa.String(length=36), nullable=True),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_buffered_messages')),
    sa.UniqueConstraint('name', 'message_id', name=op.f('uq_buffered_messages_name_message_id'))
    )
    with op.batch_alter_table('buffered_messages', schema=None) as batch_op:
        batch_op.create_index('ix_buffered_messages_lookup', ['name', 'correlation_key'], unique=False)
        batch_op.create_index(batch_op.f('ix_buffered_messages_expires_at'), ['expires_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_buffered_messages_instance_id'), ['instance_id'], unique=False)


def downgrade():
    with op.batch_alter_table('buffered_messages', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_buffered_messages_instance_id'))
        batch_op.drop_index(batch_op.f('ix_buffered_messages_expires_at'))
        batch_op.drop_index('ix_buffered_messages_lookup')
    op.drop_table('buffered_messages')
