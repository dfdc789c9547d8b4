"""studio drafts with their files, and trial deployments (a draft tried, never in the catalogue)

Revision ID: c4e6a8b0d2f4
Revises: b7d3f1a9c5e2
Create Date: 2026-12-06 15:30:00

"""
from alembic import op
import sqlalchemy as sa

import engine.db

JSON = sa.JSON().with_variant(sa.JSON(none_as_null=True), 'postgresql')


revision = 'c4e6a8b0d2f4'
down_revision = 'b7d3f1a9c5e2'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'studio_drafts',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('name', sa.String(length=200), nullable=False),
        sa.Column('key', sa.String(length=100), nullable=False),
        sa.Column('base_key', sa.String(length=100), nullable=True),
        sa.Column('base_version', sa.Integer(), nullable=True),
        sa.Column('created_by', sa.String(length=200), nullable=False),
        sa.Column('created_at', engine.db.UTCDateTime(), nullable=False),
        sa.Column('updated_by', sa.String(length=200), nullable=False),
        sa.Column('updated_at', engine.db.UTCDateTime(), nullable=False),
        sa.Column('last_check', JSON, nullable=True),
        sa.Column('deployed_version', sa.Integer(), nullable=True),
        sa.PrimaryKeyConstraint('id'),
        sqlite_autoincrement=True,
    )
    with op.batch_alter_table('studio_drafts', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_studio_drafts_key'), ['key'], unique=False)
        batch_op.create_index(batch_op.f('ix_studio_drafts_updated_at'), ['updated_at'], unique=False)
    op.create_table(
        'studio_draft_files',
        sa.Column('draft_id', sa.Integer(), nullable=False),
        sa.Column('name', sa.String(length=300), nullable=False),
        sa.Column('content', sa.LargeBinary(), nullable=False),
        sa.ForeignKeyConstraint(['draft_id'], ['studio_drafts.id'], ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('draft_id', 'name'),
    )
    with op.batch_alter_table('deployments', schema=None) as batch_op:
        batch_op.add_column(sa.Column('trial', sa.Boolean(), nullable=False, server_default=sa.false()))
        batch_op.create_index(batch_op.f('ix_deployments_trial'), ['trial'], unique=False)


def downgrade():
    with op.batch_alter_table('deployments', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_deployments_trial'))
        batch_op.drop_column('trial')
    op.drop_table('studio_draft_files')
    with op.batch_alter_table('studio_drafts', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_studio_drafts_updated_at'))
        batch_op.drop_index(batch_op.f('ix_studio_drafts_key'))
    op.drop_table('studio_drafts')
