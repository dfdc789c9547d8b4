"""deadlines: holiday calendar, case due dates and pauses

Revision ID: c9f5a7b3e4d6
Revises: b8e4f6a2d3c5
Create Date: 2026-12-01 16:20:00

The holidays of 2026 and 2027 are seeded as data rows: municipalities start from the
national list (Ley 27.399: inamovibles, trasladables moved by its article 6, Carnaval,
Jueves and Viernes Santo, and the "días no laborables con fines turísticos" the national
government set for 2026) plus Tucumán's own 24 September (Batalla de Tucumán). Administrators
keep the list on /administracion/feriados (the city's own days, each year's changes).
"""
from datetime import UTC, date, datetime

import sqlalchemy as sa
from alembic import op

import engine.db

revision = 'c9f5a7b3e4d6'
down_revision = 'b8e4f6a2d3c5'
branch_labels = None
depends_on = None

NATIONAL = "nacional"
PROVINCIAL = "provincial"

HOLIDAYS = [
    ("2026-01-01", "Año Nuevo", NATIONAL),
    ("2026-02-16", "Carnaval", NATIONAL),
    ("2026-02-17", "Carnaval", NATIONAL),
    ("2026-03-23", "Día no laborable con fines turísticos", NATIONAL),
    ("2026-03-24", "Día Nacional de la Memoria por la Verdad y la Justicia", NATIONAL),
    ("2026-04-02", "Día del Veterano y de los Caídos en la Guerra de Malvinas; Jueves Santo", NATIONAL),
    ("2026-04-03", "Viernes Santo", NATIONAL),
    ("2026-05-01", "Día del Trabajador", NATIONAL),
    ("2026-05-25", "Día de la Revolución de Mayo", NATIONAL),
    ("2026-06-15", "Paso a la Inmortalidad del General Martín Miguel de Güemes (trasladado del 17/6)", NATIONAL),
    ("2026-06-20", "Paso a la Inmortalidad del General Manuel Belgrano", NATIONAL),
    ("2026-07-09", "Día de la Independencia", NATIONAL),
    ("2026-07-10", "Día no laborable con fines turísticos", NATIONAL),
    ("2026-08-17", "Paso a la Inmortalidad del General José de San Martín", NATIONAL),
    ("2026-09-24", "Batalla de Tucumán", PROVINCIAL),
    ("2026-10-12", "Día del Respeto a la Diversidad Cultural", NATIONAL),
    ("2026-11-23", "Día de la Soberanía Nacional (trasladado del 20/11)", NATIONAL),
    ("2026-12-07", "Día no laborable con fines turísticos", NATIONAL),
    ("2026-12-08", "Inmaculada Concepción de María", NATIONAL),
    ("2026-12-25", "Navidad", NATIONAL),
    ("2027-01-01", "Año Nuevo", NATIONAL),
    ("2027-02-08", "Carnaval", NATIONAL),
    ("2027-02-09", "Carnaval", NATIONAL),
    ("2027-03-24", "Día Nacional de la Memoria por la Verdad y la Justicia", NATIONAL),
    ("2027-03-25", "Jueves Santo", NATIONAL),
    ("2027-03-26", "Viernes Santo", NATIONAL),
    ("2027-04-02", "Día del Veterano y de los Caídos en la Guerra de Malvinas", NATIONAL),
    ("2027-05-01", "Día del Trabajador", NATIONAL),
    ("2027-05-25", "Día de la Revolución de Mayo", NATIONAL),
    ("2027-06-20", "Paso a la Inmortalidad del General Manuel Belgrano", NATIONAL),
    ("2027-06-21", "Paso a la Inmortalidad del General Martín Miguel de Güemes (trasladado del 17/6)", NATIONAL),
    ("2027-07-09", "Día de la Independencia", NATIONAL),
    ("2027-08-16", "Paso a la Inmortalidad del General José de San Martín (trasladado del 17/8)", NATIONAL),
    ("2027-09-24", "Batalla de Tucumán", PROVINCIAL),
    ("2027-10-11", "Día del Respeto a la Diversidad Cultural (trasladado del 12/10)", NATIONAL),
    ("2027-11-20", "Día de la Soberanía Nacional", NATIONAL),
    ("2027-12-08", "Inmaculada Concepción de María", NATIONAL),
    ("2027-12-25", "Navidad", NATIONAL),
]


def upgrade():
    holidays = op.create_table(
        'holidays',
        sa.Column('day', sa.Date(), nullable=False),
        sa.Column('name', sa.String(length=200), nullable=False),
        sa.Column('kind', sa.String(length=20), nullable=False),
        sa.Column('created_at', engine.db.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint('day', name=op.f('pk_holidays')),
    )
    op.create_table(
        'clock_pauses',
        sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
        sa.Column('instance_id', sa.String(length=36), nullable=False),
        sa.Column('task_id', sa.String(length=36), nullable=True),
        sa.Column('started_at', engine.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column('ended_at', engine.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column('business_days', sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(['instance_id'], ['instances.id'],
                                name=op.f('fk_clock_pauses_instance_id_instances'), ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_clock_pauses')),
    )
    with op.batch_alter_table('clock_pauses', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_clock_pauses_instance_id'), ['instance_id'], unique=False)
    seeded = datetime(2026, 12, 1, tzinfo=UTC)
    op.bulk_insert(holidays, [{"day": date.fromisoformat(day), "name": name, "kind": kind, "created_at": seeded}
                              for day, name, kind in HOLIDAYS])


def downgrade():
    with op.batch_alter_table('clock_pauses', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_clock_pauses_instance_id'))
    op.drop_table('clock_pauses')
    op.drop_table('holidays')
