"""sensors: readings and collection episodes

Revision ID: c1a5e9d2b7f0
Revises: f27f574ef549
Create Date: 2026-12-01 14:20:00

"""
from alembic import op
import sqlalchemy as sa

import engine.db


revision = 'c1a5e9d2b7f0'
down_revision = 'f27f574ef549'
branch_labels = None
depends_on = None

# At most one open episode per container (a partial unique index: SQLite and PostgreSQL).
OPEN = sa.text("status = 'open'")


def upgrade():
    op.create_table('sensor_readings',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), autoincrement=True, nullable=False),
    sa.Column('container_id', sa.String(length=64), nullable=False),
    sa.Column('nivel', sa.Float(), nullable=False),
    sa.Column('bateria', sa.Float(), nullable=False),
    sa.Column('measured_at', engine.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('received_at', engine.db.UTCDateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_sensor_readings'))
    )
    with op.batch_alter_table('sensor_readings', schema=None) as batch_op:
        batch_op.create_index('ix_sensor_readings_container_measured', ['container_id', 'measured_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_sensor_readings_received_at'), ['received_at'], unique=False)

    op.create_table('collection_episodes',
    sa.Column('id', sa.String(length=36), nullable=False),
    sa.Column('container_id', sa.String(length=64), nullable=False),
    sa.Column('status', sa.String(length=20), nullable=False),
    sa.Column('opened_at', engine.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('opening_level', sa.Float(), nullable=False),
    sa.Column('closed_at', engine.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('closing_level', sa.Float(), nullable=True),
    sa.Column('instance_id', sa.String(length=36), nullable=True),
    sa.ForeignKeyConstraint(['instance_id'], ['instances.id'], name=op.f('fk_collection_episodes_instance_id_instances'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_collection_episodes'))
    )
    with op.batch_alter_table('collection_episodes', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_collection_episodes_container_id'), ['container_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_collection_episodes_instance_id'), ['instance_id'], unique=False)
        batch_op.create_index('ix_collection_episodes_one_open', ['container_id'], unique=True,
                              sqlite_where=OPEN, postgresql_where=OPEN)


def downgrade():
    with op.batch_alter_table('collection_episodes', schema=None) as batch_op:
        batch_op.drop_index('ix_collection_episodes_one_open')
        batch_op.drop_index(batch_op.f('ix_collection_episodes_instance_id'))
        batch_op.drop_index(batch_op.f('ix_collection_episodes_container_id'))

    op.drop_table('collection_episodes')
    with op.batch_alter_table('sensor_readings', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_sensor_readings_received_at'))
        batch_op.drop_index('ix_sensor_readings_container_measured')

    op.drop_table('sensor_readings')
