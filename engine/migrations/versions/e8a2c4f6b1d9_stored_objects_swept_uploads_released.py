"""stored objects are swept: uploads released (discarded, forgotten) until the sweep, storage keys indexed

Revision ID: e8a2c4f6b1d9
Revises: e9a4c2d8f1b6
Create Date: 2026-12-10 12:00:00

"""
from alembic import op
import sqlalchemy as sa

import engine.db


revision = 'e8a2c4f6b1d9'
down_revision = 'e9a4c2d8f1b6'
branch_labels = None
depends_on = None

WHEN = engine.db.UTCDateTime(timezone=True)


def upgrade():
    with op.batch_alter_table('portal_uploads', schema=None) as batch_op:
        batch_op.add_column(sa.Column('released_at', WHEN, nullable=True))
        batch_op.create_index(batch_op.f('ix_portal_uploads_storage_key'), ['storage_key'], unique=False)
    with op.batch_alter_table('documents', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_documents_storage_key'), ['storage_key'], unique=False)
    with op.batch_alter_table('certificates', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_certificates_storage_key'), ['storage_key'], unique=False)


def downgrade():
    with op.batch_alter_table('certificates', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_certificates_storage_key'))
    with op.batch_alter_table('documents', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_documents_storage_key'))
    with op.batch_alter_table('portal_uploads', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_portal_uploads_storage_key'))
        batch_op.drop_column('released_at')
