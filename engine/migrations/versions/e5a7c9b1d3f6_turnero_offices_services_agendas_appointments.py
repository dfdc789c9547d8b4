"""turnero: offices, services, agendas with opening hours, closures and appointments

Revision ID: e5a7c9b1d3f6
Revises: d4f6a8c0e2b5
Create Date: 2026-12-07 05:30:00

"""
from alembic import op
import sqlalchemy as sa

import engine.db


revision = 'e5a7c9b1d3f6'
down_revision = 'd4f6a8c0e2b5'
branch_labels = None
depends_on = None

_ACTIVE = "status IN ('booked', 'checked_in', 'called')"


def upgrade():
    op.create_table(
        'appointment_offices',
        sa.Column('id', sa.String(length=40), nullable=False),
        sa.Column('name', sa.String(length=150), nullable=False),
        sa.Column('address', sa.String(length=300), nullable=False),
        sa.Column('latitude', sa.Float(), nullable=True),
        sa.Column('longitude', sa.Float(), nullable=True),
        sa.Column('active', sa.Boolean(), nullable=False),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_appointment_offices')),
    )
    op.create_table(
        'appointment_services',
        sa.Column('id', sa.String(length=40), nullable=False),
        sa.Column('name', sa.String(length=150), nullable=False),
        sa.Column('description', sa.Text(), nullable=False),
        sa.Column('group', sa.String(length=80), nullable=False),
        sa.Column('slot_minutes', sa.Integer(), nullable=False),
        sa.Column('horizon_days', sa.Integer(), nullable=False),
        sa.Column('per_person_limit', sa.Integer(), nullable=False),
        sa.Column('allows_walk_in', sa.Boolean(), nullable=False),
        sa.Column('allows_guest', sa.Boolean(), nullable=False),
        sa.Column('process_only', sa.Boolean(), nullable=False),
        sa.Column('grace_minutes', sa.Integer(), nullable=False),
        sa.Column('active', sa.Boolean(), nullable=False),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_appointment_services')),
    )
    op.create_table(
        'appointment_agendas',
        sa.Column('id', sa.String(length=36), nullable=False),
        sa.Column('office_id', sa.String(length=40), nullable=False),
        sa.Column('service_id', sa.String(length=40), nullable=False),
        sa.Column('desks', sa.Integer(), nullable=False),
        sa.Column('active', sa.Boolean(), nullable=False),
        sa.ForeignKeyConstraint(['office_id'], ['appointment_offices.id'],
                                name=op.f('fk_appointment_agendas_office_id_appointment_offices')),
        sa.ForeignKeyConstraint(['service_id'], ['appointment_services.id'],
                                name=op.f('fk_appointment_agendas_service_id_appointment_services')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_appointment_agendas')),
    )
    with op.batch_alter_table('appointment_agendas', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_appointment_agendas_office_id'), ['office_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_appointment_agendas_service_id'), ['service_id'], unique=False)
    op.create_table(
        'appointment_hours',
        sa.Column('id', sa.String(length=36), nullable=False),
        sa.Column('agenda_id', sa.String(length=36), nullable=False),
        sa.Column('weekday', sa.Integer(), nullable=False),
        sa.Column('opens', sa.Time(), nullable=False),
        sa.Column('closes', sa.Time(), nullable=False),
        sa.ForeignKeyConstraint(['agenda_id'], ['appointment_agendas.id'], ondelete='CASCADE',
                                name=op.f('fk_appointment_hours_agenda_id_appointment_agendas')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_appointment_hours')),
    )
    with op.batch_alter_table('appointment_hours', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_appointment_hours_agenda_id'), ['agenda_id'], unique=False)
    op.create_table(
        'appointment_closures',
        sa.Column('id', sa.String(length=36), nullable=False),
        sa.Column('office_id', sa.String(length=40), nullable=False),
        sa.Column('agenda_id', sa.String(length=36), nullable=True),
        sa.Column('first_day', sa.Date(), nullable=False),
        sa.Column('last_day', sa.Date(), nullable=False),
        sa.Column('reason', sa.String(length=300), nullable=False),
        sa.Column('created_by', sa.String(length=120), nullable=False),
        sa.Column('created_at', engine.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(['agenda_id'], ['appointment_agendas.id'],
                                name=op.f('fk_appointment_closures_agenda_id_appointment_agendas')),
        sa.ForeignKeyConstraint(['office_id'], ['appointment_offices.id'],
                                name=op.f('fk_appointment_closures_office_id_appointment_offices')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_appointment_closures')),
    )
    with op.batch_alter_table('appointment_closures', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_appointment_closures_office_id'), ['office_id'], unique=False)
    op.create_table(
        'appointments',
        sa.Column('id', sa.String(length=36), nullable=False),
        sa.Column('code', sa.String(length=12), nullable=False),
        sa.Column('agenda_id', sa.String(length=36), nullable=False),
        sa.Column('kind', sa.String(length=10), nullable=False),
        sa.Column('starts_at', engine.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column('ends_at', engine.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column('place', sa.Integer(), nullable=True),
        sa.Column('status', sa.String(length=12), nullable=False),
        sa.Column('holder', sa.String(length=120), nullable=True),
        sa.Column('booked_by', sa.String(length=120), nullable=False),
        sa.Column('email', sa.String(length=254), nullable=True),
        sa.Column('document_number', sa.String(length=20), nullable=True),
        sa.Column('instance_id', sa.String(length=36), nullable=True),
        sa.Column('ticket', sa.String(length=12), nullable=True),
        sa.Column('desk', sa.String(length=40), nullable=True),
        sa.Column('moved_from', sa.String(length=36), nullable=True),
        sa.Column('booked_at', engine.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column('checked_in_at', engine.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column('called_at', engine.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column('finished_at', engine.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column('cancelled_at', engine.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column('cancel_reason', sa.String(length=300), nullable=True),
        sa.Column('reminded_at', engine.db.UTCDateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(['agenda_id'], ['appointment_agendas.id'],
                                name=op.f('fk_appointments_agenda_id_appointment_agendas')),
        sa.ForeignKeyConstraint(['instance_id'], ['instances.id'], ondelete='SET NULL',
                                name=op.f('fk_appointments_instance_id_instances')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_appointments')),
        sa.UniqueConstraint('code', name=op.f('uq_appointments_code')),
    )
    with op.batch_alter_table('appointments', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_appointments_agenda_id'), ['agenda_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_appointments_starts_at'), ['starts_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_appointments_status'), ['status'], unique=False)
        batch_op.create_index(batch_op.f('ix_appointments_holder'), ['holder'], unique=False)
        batch_op.create_index(batch_op.f('ix_appointments_document_number'), ['document_number'], unique=False)
        batch_op.create_index(batch_op.f('ix_appointments_instance_id'), ['instance_id'], unique=False)
        batch_op.create_index('uq_appointments_active_place', ['agenda_id', 'starts_at', 'place'], unique=True,
                              sqlite_where=sa.text(_ACTIVE), postgresql_where=sa.text(_ACTIVE))


def downgrade():
    op.drop_table('appointments')
    op.drop_table('appointment_closures')
    op.drop_table('appointment_hours')
    op.drop_table('appointment_agendas')
    op.drop_table('appointment_services')
    op.drop_table('appointment_offices')
