"""portal: drafts, tracking codes, notifications, password resets

Revision ID: a7d3e5f1c2b4
Revises: e4c7a1f9b2d3
Create Date: 2026-12-01 16:20:00

"""
from alembic import op
import sqlalchemy as sa

import engine.db


revision = 'a7d3e5f1c2b4'
down_revision = 'e4c7a1f9b2d3'
branch_labels = None
depends_on = None

JSON = sa.JSON().with_variant(sa.JSON(none_as_null=True), 'postgresql')
WHEN = engine.db.UTCDateTime(timezone=True)


def upgrade():
    op.create_table('portal_tracking_codes',
    sa.Column('instance_id', sa.String(length=36), nullable=False),
    sa.Column('code', sa.String(length=20), nullable=False),
    sa.Column('created_at', WHEN, nullable=False),
    sa.ForeignKeyConstraint(['instance_id'], ['instances.id'], name=op.f('fk_portal_tracking_codes_instance_id_instances'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('instance_id', name=op.f('pk_portal_tracking_codes')),
    sa.UniqueConstraint('code', name=op.f('uq_portal_tracking_codes_code'))
    )
    op.create_table('portal_drafts',
    sa.Column('id', sa.String(length=36), nullable=False),
    sa.Column('user_id', sa.String(length=36), nullable=False),
    sa.Column('process_key', sa.String(length=100), nullable=False),
    sa.Column('data', JSON, nullable=False),
    sa.Column('created_at', WHEN, nullable=False),
    sa.Column('updated_at', WHEN, nullable=False),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_portal_drafts_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_portal_drafts')),
    sa.UniqueConstraint('user_id', 'process_key', name=op.f('uq_portal_drafts_user_id_process_key'))
    )
    with op.batch_alter_table('portal_drafts', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_portal_drafts_user_id'), ['user_id'], unique=False)
    op.create_table('portal_uploads',
    sa.Column('id', sa.String(length=36), nullable=False),
    sa.Column('user_id', sa.String(length=36), nullable=False),
    sa.Column('scope', sa.String(length=150), nullable=False),
    sa.Column('storage_key', sa.String(length=64), nullable=False),
    sa.Column('display_name', sa.String(length=300), nullable=False),
    sa.Column('content_type', sa.String(length=100), nullable=False),
    sa.Column('size', sa.BigInteger(), nullable=False),
    sa.Column('created_at', WHEN, nullable=False),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_portal_uploads_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_portal_uploads'))
    )
    with op.batch_alter_table('portal_uploads', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_portal_uploads_user_id'), ['user_id'], unique=False)
    op.create_table('portal_notification_marks',
    sa.Column('user_id', sa.String(length=36), nullable=False),
    sa.Column('read_up_to', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('updated_at', WHEN, nullable=False),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_portal_notification_marks_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('user_id', name=op.f('pk_portal_notification_marks'))
    )
    op.create_table('portal_password_resets',
    sa.Column('token_hash', sa.String(length=64), nullable=False),
    sa.Column('user_id', sa.String(length=36), nullable=False),
    sa.Column('created_at', WHEN, nullable=False),
    sa.Column('expires_at', WHEN, nullable=False),
    sa.Column('used_at', WHEN, nullable=True),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_portal_password_resets_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('token_hash', name=op.f('pk_portal_password_resets'))
    )
    with op.batch_alter_table('portal_password_resets', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_portal_password_resets_user_id'), ['user_id'], unique=False)


def downgrade():
    with op.batch_alter_table('portal_password_resets', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_portal_password_resets_user_id'))
    op.drop_table('portal_password_resets')
    op.drop_table('portal_notification_marks')
    with op.batch_alter_table('portal_uploads', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_portal_uploads_user_id'))
    op.drop_table('portal_uploads')
    with op.batch_alter_table('portal_drafts', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_portal_drafts_user_id'))
    op.drop_table('portal_drafts')
    op.drop_table('portal_tracking_codes')
