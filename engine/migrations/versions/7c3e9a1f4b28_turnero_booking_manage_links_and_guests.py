"""turnero booking: the appointments' manage links and guest bookings waiting for e-mail verification

Revision ID: 7c3e9a1f4b28
Revises: e5a7c9b1d3f6
Create Date: 2026-12-07 05:30:00

"""
from alembic import op
import sqlalchemy as sa

import engine.db


revision = '7c3e9a1f4b28'
down_revision = 'e5a7c9b1d3f6'
branch_labels = None
depends_on = None


def upgrade():
    # A plain ADD COLUMN and CREATE INDEX: no batch copy of the table, which would have to carry
    # its partial unique index over on SQLite.
    op.add_column('appointments', sa.Column('manage_token', sa.String(length=64), nullable=True))
    op.create_index(op.f('ix_appointments_manage_token'), 'appointments', ['manage_token'], unique=True)
    op.create_table(
        'appointment_guest_requests',
        sa.Column('id', sa.String(length=36), nullable=False),
        sa.Column('token_hash', sa.String(length=64), nullable=False),
        sa.Column('agenda_id', sa.String(length=36), nullable=False),
        sa.Column('starts_at', engine.db.UTCDateTime(), nullable=False),
        sa.Column('email', sa.String(length=254), nullable=False),
        sa.Column('document_number', sa.String(length=20), nullable=True),
        sa.Column('created_at', engine.db.UTCDateTime(), nullable=False),
        sa.Column('expires_at', engine.db.UTCDateTime(), nullable=False),
        sa.Column('used_at', engine.db.UTCDateTime(), nullable=True),
        sa.Column('appointment_id', sa.String(length=36), nullable=True),
        sa.ForeignKeyConstraint(['agenda_id'], ['appointment_agendas.id'], ondelete='CASCADE',
                                name=op.f('fk_appointment_guest_requests_agenda_id_appointment_agendas')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_appointment_guest_requests')),
    )
    with op.batch_alter_table('appointment_guest_requests', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_appointment_guest_requests_agenda_id'), ['agenda_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_appointment_guest_requests_token_hash'), ['token_hash'], unique=True)


def downgrade():
    with op.batch_alter_table('appointment_guest_requests', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_appointment_guest_requests_token_hash'))
        batch_op.drop_index(batch_op.f('ix_appointment_guest_requests_agenda_id'))
    op.drop_table('appointment_guest_requests')
    op.drop_index(op.f('ix_appointments_manage_token'), table_name='appointments')
    op.drop_column('appointments', 'manage_token')
