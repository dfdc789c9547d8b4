"""audit heads on case rows: a case's row carries its chain's head, moved by the database

The statement that writes a case's row (a step's versioned UPDATE) also locks and reads its
audit chain's head, and inserting the links moves the head (here and in ``audit_chains``) in
the database: a step no longer locks and moves the head in statements of its own (#20).
The trigger refuses links that do not follow the head, so a sealer that skipped the lock
fails instead of forking a chain.

Revision ID: c8e1f3a5b7d9
Revises: a61c3e9f28d4
Create Date: 2026-12-07 09:30:00

"""
import sqlalchemy as sa
from alembic import op

revision = 'c8e1f3a5b7d9'
down_revision = 'a61c3e9f28d4'
branch_labels = None
depends_on = None

GENESIS = "0" * 64

_POSTGRESQL_FUNCTION = """
CREATE FUNCTION audit_events_advance_heads() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    link record;
BEGIN
    -- Per chain of the statement's new links: the first must follow the head, the last is the new head.
    FOR link IN
        SELECT f.chain, f.seq AS first_seq, f.prev_hash, l.seq AS last_seq, l.hash
        FROM (SELECT DISTINCT ON (chain) chain, seq, prev_hash FROM new_events
              WHERE seq IS NOT NULL AND chain <> 'sistema' ORDER BY chain, seq) AS f
        JOIN (SELECT DISTINCT ON (chain) chain, seq, hash FROM new_events
              WHERE seq IS NOT NULL AND chain <> 'sistema' ORDER BY chain, seq DESC) AS l USING (chain)
    LOOP
        UPDATE audit_chains SET seq = link.last_seq, hash = link.hash
        WHERE key = link.chain AND seq = link.first_seq - 1 AND hash = link.prev_hash;
        IF NOT FOUND THEN
            IF link.first_seq <> 1 OR link.prev_hash <> repeat('0', 64) THEN
                RAISE EXCEPTION 'audit chain % moved: its new links do not follow its head', link.chain;
            END IF;
            INSERT INTO audit_chains (key, seq, hash) VALUES (link.chain, link.last_seq, link.hash);
        END IF;
        UPDATE instances SET audit_seq = link.last_seq, audit_hash = link.hash WHERE id = link.chain;
    END LOOP;
    RETURN NULL;
END;
$$
"""

_POSTGRESQL_TRIGGER = """
CREATE TRIGGER audit_events_advance_heads AFTER INSERT ON audit_events
REFERENCING NEW TABLE AS new_events FOR EACH STATEMENT EXECUTE FUNCTION audit_events_advance_heads()
"""

_SQLITE_TRIGGER = """
CREATE TRIGGER audit_events_advance_heads AFTER INSERT ON audit_events
WHEN NEW.seq IS NOT NULL AND NEW.chain <> 'sistema'
BEGIN
    SELECT RAISE(ABORT, 'audit chain moved: a new link does not follow its head')
    WHERE NOT EXISTS (SELECT 1 FROM audit_chains
                      WHERE key = NEW.chain AND seq = NEW.seq - 1 AND hash = NEW.prev_hash)
      AND NOT (NEW.seq = 1 AND NEW.prev_hash = '0000000000000000000000000000000000000000000000000000000000000000'
               AND NOT EXISTS (SELECT 1 FROM audit_chains WHERE key = NEW.chain));
    INSERT INTO audit_chains (key, seq, hash) VALUES (NEW.chain, NEW.seq, NEW.hash)
        ON CONFLICT (key) DO UPDATE SET seq = excluded.seq, hash = excluded.hash;
    UPDATE instances SET audit_seq = NEW.seq, audit_hash = NEW.hash WHERE id = NEW.chain;
END
"""


def upgrade():
    with op.batch_alter_table('instances', schema=None) as batch_op:
        batch_op.add_column(sa.Column('audit_seq', sa.Integer(), server_default='0', nullable=False))
        batch_op.add_column(sa.Column('audit_hash', sa.String(length=64), server_default=GENESIS, nullable=False))
    op.execute("UPDATE instances SET audit_seq = (SELECT seq FROM audit_chains WHERE key = instances.id), "
               "audit_hash = (SELECT hash FROM audit_chains WHERE key = instances.id) "
               "WHERE EXISTS (SELECT 1 FROM audit_chains WHERE key = instances.id)")
    if op.get_bind().dialect.name == "postgresql":
        op.execute(_POSTGRESQL_FUNCTION)
        op.execute(_POSTGRESQL_TRIGGER)
    else:
        op.execute(_SQLITE_TRIGGER)


def downgrade():
    op.execute("DROP TRIGGER audit_events_advance_heads" +
               (" ON audit_events" if op.get_bind().dialect.name == "postgresql" else ""))
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP FUNCTION audit_events_advance_heads()")
    with op.batch_alter_table('instances', schema=None) as batch_op:
        batch_op.drop_column('audit_hash')
        batch_op.drop_column('audit_seq')
