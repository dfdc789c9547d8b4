"""conversations: WhatsApp conversations, their messages and the reclamos they started

Revision ID: 5a834a94ab93
Revises: b7d2e9f4a1c8
Create Date: 2026-12-07 06:15:00

"""
from alembic import op
import sqlalchemy as sa

import engine.db


revision = '5a834a94ab93'
down_revision = 'b7d2e9f4a1c8'
branch_labels = None
depends_on = None

JSON = sa.JSON().with_variant(sa.JSON(none_as_null=True), 'postgresql')


def upgrade():
    op.create_table(
        'conversations',
        sa.Column('id', sa.String(length=36), nullable=False),
        sa.Column('channel', sa.String(length=30), nullable=False),
        sa.Column('address', sa.String(length=40), nullable=False),
        sa.Column('name', sa.String(length=120), nullable=True),
        sa.Column('state', sa.String(length=40), nullable=False),
        sa.Column('context', JSON, nullable=False),
        sa.Column('handoff_instance_id', sa.String(length=36), nullable=True),
        sa.Column('last_inbound_at', engine.db.UTCDateTime(), nullable=True),
        sa.Column('created_at', engine.db.UTCDateTime(), nullable=False),
        sa.Column('updated_at', engine.db.UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_conversations')),
        sa.UniqueConstraint('channel', 'address', name='uq_conversations_channel_address'),
    )
    with op.batch_alter_table('conversations', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_conversations_handoff_instance_id'), ['handoff_instance_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_conversations_updated_at'), ['updated_at'], unique=False)
    op.create_table(
        'conversation_messages',
        sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), autoincrement=True, nullable=False),
        sa.Column('conversation_id', sa.String(length=36), nullable=False),
        sa.Column('direction', sa.String(length=3), nullable=False),
        sa.Column('kind', sa.String(length=20), nullable=False),
        sa.Column('text', sa.Text(), nullable=False),
        sa.Column('data', JSON, nullable=False),
        sa.Column('author', sa.String(length=150), nullable=True),
        sa.Column('external_id', sa.String(length=200), nullable=True),
        sa.Column('status', sa.String(length=20), nullable=True),
        sa.Column('status_at', engine.db.UTCDateTime(), nullable=True),
        sa.Column('created_at', engine.db.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(['conversation_id'], ['conversations.id'],
                                name=op.f('fk_conversation_messages_conversation_id_conversations'), ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_conversation_messages')),
        sa.UniqueConstraint('conversation_id', 'direction', 'external_id', name='uq_conversation_messages_external'),
    )
    with op.batch_alter_table('conversation_messages', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_conversation_messages_conversation_id'), ['conversation_id'], unique=False)
    op.create_table(
        'conversation_cases',
        sa.Column('instance_id', sa.String(length=36), nullable=False),
        sa.Column('conversation_id', sa.String(length=36), nullable=False),
        sa.Column('tracking_code', sa.String(length=20), nullable=False),
        sa.Column('created_at', engine.db.UTCDateTime(), nullable=False),
        sa.Column('answered_at', engine.db.UTCDateTime(), nullable=True),
        sa.ForeignKeyConstraint(['conversation_id'], ['conversations.id'],
                                name=op.f('fk_conversation_cases_conversation_id_conversations'), ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['instance_id'], ['instances.id'],
                                name=op.f('fk_conversation_cases_instance_id_instances'), ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('instance_id', name=op.f('pk_conversation_cases')),
    )
    with op.batch_alter_table('conversation_cases', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_conversation_cases_conversation_id'), ['conversation_id'], unique=False)


def downgrade():
    op.drop_table('conversation_cases')
    op.drop_table('conversation_messages')
    op.drop_table('conversations')
