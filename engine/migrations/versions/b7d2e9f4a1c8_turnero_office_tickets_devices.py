"""turnero at the office: the numbers of each day, kiosks and displays, a number called again

Revision ID: b7d2e9f4a1c8
Revises: 7c3e9a1f4b28
Create Date: 2026-12-07 06:00:00

"""
from alembic import op
import sqlalchemy as sa

import engine.db


revision = 'b7d2e9f4a1c8'
down_revision = '7c3e9a1f4b28'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('appointments', schema=None) as batch_op:
        batch_op.add_column(sa.Column('recalled_at', engine.db.UTCDateTime(timezone=True), nullable=True))
    op.create_table(
        'appointment_ticket_counters',
        sa.Column('office_id', sa.String(length=40), nullable=False),
        sa.Column('day', sa.Date(), nullable=False),
        sa.Column('last', sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(['office_id'], ['appointment_offices.id'],
                                name=op.f('fk_appointment_ticket_counters_office_id_appointment_offices'),
                                ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('office_id', 'day', name=op.f('pk_appointment_ticket_counters')),
    )
    op.create_table(
        'appointment_devices',
        sa.Column('id', sa.String(length=36), nullable=False),
        sa.Column('office_id', sa.String(length=40), nullable=False),
        sa.Column('kind', sa.String(length=10), nullable=False),
        sa.Column('name', sa.String(length=80), nullable=False),
        sa.Column('activation_hash', sa.String(length=64), nullable=True),
        sa.Column('activation_expires_at', engine.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column('secret_hash', sa.String(length=64), nullable=True),
        sa.Column('created_by', sa.String(length=120), nullable=False),
        sa.Column('created_at', engine.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column('activated_at', engine.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column('revoked_at', engine.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column('revoked_by', sa.String(length=120), nullable=True),
        sa.ForeignKeyConstraint(['office_id'], ['appointment_offices.id'],
                                name=op.f('fk_appointment_devices_office_id_appointment_offices')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_appointment_devices')),
        sa.UniqueConstraint('activation_hash', name=op.f('uq_appointment_devices_activation_hash')),
    )
    with op.batch_alter_table('appointment_devices', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_appointment_devices_office_id'), ['office_id'], unique=False)


def downgrade():
    with op.batch_alter_table('appointment_devices', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_appointment_devices_office_id'))
    op.drop_table('appointment_devices')
    op.drop_table('appointment_ticket_counters')
    with op.batch_alter_table('appointments', schema=None) as batch_op:
        batch_op.drop_column('recalled_at')
