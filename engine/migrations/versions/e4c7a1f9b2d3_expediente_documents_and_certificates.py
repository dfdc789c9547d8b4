"""expediente: documents (foliation) and issued certificates

Revision ID: e4c7a1f9b2d3
Revises: d2b6f0e3c8a1
Create Date: 2026-12-01 14:25:00

"""
from alembic import op
import sqlalchemy as sa

import engine.db


revision = 'e4c7a1f9b2d3'
down_revision = 'd2b6f0e3c8a1'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('documents',
    sa.Column('id', sa.String(length=36), nullable=False),
    sa.Column('instance_id', sa.String(length=36), nullable=False),
    sa.Column('folio', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=20), nullable=False),
    sa.Column('title', sa.String(length=300), nullable=False),
    sa.Column('filename', sa.String(length=300), nullable=False),
    sa.Column('content_type', sa.String(length=100), nullable=False),
    sa.Column('size', sa.BigInteger(), nullable=False),
    sa.Column('sha256', sa.String(length=64), nullable=False),
    sa.Column('storage_key', sa.String(length=64), nullable=False),
    sa.Column('author', sa.String(length=200), nullable=False),
    sa.Column('task_id', sa.String(length=36), nullable=True),
    sa.Column('created_at', engine.db.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['instance_id'], ['instances.id'], name=op.f('fk_documents_instance_id_instances'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_documents')),
    sa.UniqueConstraint('instance_id', 'folio', name=op.f('uq_documents_instance_id_folio'))
    )
    with op.batch_alter_table('documents', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_documents_instance_id'), ['instance_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_documents_sha256'), ['sha256'], unique=False)

    op.create_table('certificates',
    sa.Column('code', sa.String(length=32), nullable=False),
    sa.Column('instance_id', sa.String(length=36), nullable=True),
    sa.Column('document_id', sa.String(length=36), nullable=True),
    sa.Column('title', sa.String(length=300), nullable=False),
    sa.Column('case_number', sa.String(length=40), nullable=True),
    sa.Column('sha256', sa.String(length=64), nullable=False),
    sa.Column('storage_key', sa.String(length=64), nullable=False),
    sa.Column('size', sa.BigInteger(), nullable=False),
    sa.Column('issued_at', engine.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('issued_by', sa.String(length=200), nullable=False),
    sa.Column('revoked_at', engine.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('revoked_reason', sa.Text(), nullable=True),
    sa.ForeignKeyConstraint(['document_id'], ['documents.id'], name=op.f('fk_certificates_document_id_documents'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['instance_id'], ['instances.id'], name=op.f('fk_certificates_instance_id_instances'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('code', name=op.f('pk_certificates'))
    )
    with op.batch_alter_table('certificates', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_certificates_instance_id'), ['instance_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_certificates_sha256'), ['sha256'], unique=False)


def downgrade():
    with op.batch_alter_table('certificates', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_certificates_sha256'))
        batch_op.drop_index(batch_op.f('ix_certificates_instance_id'))
    op.drop_table('certificates')
    with op.batch_alter_table('documents', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_documents_sha256'))
        batch_op.drop_index(batch_op.f('ix_documents_instance_id'))
    op.drop_table('documents')
