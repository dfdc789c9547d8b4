"""audit: events chained by hashes per case, chain heads, signed checkpoints

Revision ID: e9a4c2d8f1b6
Revises: e5a1c3d7f9b2
Create Date: 2026-12-10 10:00:00

The events already stored are chained here, oldest first, exactly as the application seals
new ones (``engine.audit.chain.event_hash``), so ``tramites audit verify`` passes on an
upgraded database. On PostgreSQL the append-only trigger now lets one change through: the
sealing of an unsealed event (``seq``, ``prev_hash`` and ``hash`` written once, nothing else).
"""
from collections import defaultdict

import sqlalchemy as sa
from alembic import op

import engine.db
from engine.audit.chain import GENESIS, SYSTEM_CHAIN, event_hash

revision = 'e9a4c2d8f1b6'
down_revision = 'e5a1c3d7f9b2'
branch_labels = None
depends_on = None

_PAGE = 2000

_SEALING_TRIGGER = """
    CREATE OR REPLACE FUNCTION audit_events_refuse_change() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        -- Sealing: an event's link is written once, in the transaction that inserted it.
        IF TG_OP = 'UPDATE' AND OLD.seq IS NULL AND OLD.prev_hash IS NULL AND OLD.hash IS NULL
           AND (NEW.id, NEW.chain, NEW.instance_id, NEW.task_id, NEW.actor, NEW.at, NEW.type,
                NEW.element_id, NEW.data::text)
               IS NOT DISTINCT FROM
               (OLD.id, OLD.chain, OLD.instance_id, OLD.task_id, OLD.actor, OLD.at, OLD.type,
                OLD.element_id, OLD.data::text) THEN
            RETURN NEW;
        END IF;
        RAISE EXCEPTION 'audit_events is append-only (% refused)', TG_OP;
    END;
    $$
"""

_PLAIN_TRIGGER = """
    CREATE OR REPLACE FUNCTION audit_events_refuse_change() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        RAISE EXCEPTION 'audit_events is append-only (% refused)', TG_OP;
    END;
    $$
"""


def upgrade():
    op.create_table('audit_chains',
    sa.Column('key', sa.String(length=36), nullable=False),
    sa.Column('seq', sa.Integer(), nullable=False),
    sa.Column('hash', sa.String(length=64), nullable=False),
    sa.PrimaryKeyConstraint('key', name=op.f('pk_audit_chains'))
    )
    op.create_table('audit_checkpoints',
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('created_at', engine.db.UTCDateTime(), nullable=False),
    sa.Column('document', sa.String(length=64), nullable=False),
    sa.Column('digest', sa.String(length=64), nullable=False),
    sa.Column('chains', sa.Integer(), nullable=False),
    sa.Column('events', sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_audit_checkpoints'))
    )
    with op.batch_alter_table('audit_checkpoints', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_audit_checkpoints_created_at'), ['created_at'], unique=False)

    with op.batch_alter_table('audit_events', schema=None) as batch_op:
        batch_op.add_column(sa.Column('chain', sa.String(length=36), nullable=True))
        batch_op.add_column(sa.Column('seq', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('prev_hash', sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column('hash', sa.String(length=64), nullable=True))

    postgres = op.get_bind().dialect.name == "postgresql"
    if postgres:
        op.execute(_SEALING_TRIGGER)
        op.execute("ALTER TABLE audit_events DISABLE TRIGGER audit_events_append_only")
    _chain_existing_events()
    if postgres:
        op.execute("ALTER TABLE audit_events ENABLE TRIGGER audit_events_append_only")

    with op.batch_alter_table('audit_events', schema=None) as batch_op:
        batch_op.alter_column('chain', existing_type=sa.String(length=36), nullable=False)
        batch_op.create_unique_constraint(batch_op.f('uq_audit_events_chain_seq'), ['chain', 'seq'])


def _chain_existing_events():
    """Seal every stored event into its chain, by id, and write the chains' heads."""
    bind = op.get_bind()
    events = sa.table(
        'audit_events',
        sa.column('id', sa.BigInteger()), sa.column('chain', sa.String()), sa.column('seq', sa.Integer()),
        sa.column('prev_hash', sa.String()), sa.column('hash', sa.String()),
        sa.column('instance_id', sa.String()), sa.column('task_id', sa.String()), sa.column('actor', sa.String()),
        sa.column('at', engine.db.UTCDateTime()), sa.column('type', sa.String()),
        sa.column('element_id', sa.String()), sa.column('data', sa.JSON()),
    )
    heads = defaultdict(lambda: (0, GENESIS))
    last_id = None
    while True:
        query = (sa.select(events.c.id, events.c.instance_id, events.c.task_id, events.c.actor, events.c.at,
                           events.c.type, events.c.element_id, events.c.data)
                 .order_by(events.c.id).limit(_PAGE))
        if last_id is not None:
            query = query.where(events.c.id > last_id)
        rows = bind.execute(query).mappings().all()
        if not rows:
            break
        links = []
        for row in rows:
            chain = row['instance_id'] or SYSTEM_CHAIN
            seq, prev = heads[chain]
            seq += 1
            digest = event_hash({**row, 'chain': chain, 'seq': seq, 'prev_hash': prev,
                                 'data': row['data'] if row['data'] is not None else {}})
            links.append({'event_id': row['id'], 'chain': chain, 'seq': seq, 'prev_hash': prev, 'hash': digest})
            heads[chain] = (seq, digest)
        bind.execute(sa.update(events).where(events.c.id == sa.bindparam('event_id'))
                     .values(chain=sa.bindparam('chain'), seq=sa.bindparam('seq'),
                             prev_hash=sa.bindparam('prev_hash'), hash=sa.bindparam('hash')), links)
        last_id = rows[-1]['id']
    if heads:
        chains = sa.table('audit_chains', sa.column('key', sa.String()), sa.column('seq', sa.Integer()),
                          sa.column('hash', sa.String()))
        op.bulk_insert(chains, [{'key': key, 'seq': seq, 'hash': hash_} for key, (seq, hash_) in heads.items()])


def downgrade():
    with op.batch_alter_table('audit_events', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('uq_audit_events_chain_seq'), type_='unique')
        batch_op.drop_column('hash')
        batch_op.drop_column('prev_hash')
        batch_op.drop_column('seq')
        batch_op.drop_column('chain')
    if op.get_bind().dialect.name == "postgresql":
        op.execute(_PLAIN_TRIGGER)

    with op.batch_alter_table('audit_checkpoints', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_audit_checkpoints_created_at'))

    op.drop_table('audit_checkpoints')
    op.drop_table('audit_chains')
