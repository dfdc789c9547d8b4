"""idempotency records are forgotten after 30 days: indexed by when they were written

Revision ID: d9f1b3c5e7a2
Revises: c8e1f3a5b7d9
Create Date: 2026-12-07 16:40:00

"""
from alembic import op

revision = 'd9f1b3c5e7a2'
down_revision = 'c8e1f3a5b7d9'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index("ix_idempotency_records_created_at", "idempotency_records", ["created_at"])


def downgrade() -> None:
    op.drop_index("ix_idempotency_records_created_at", table_name="idempotency_records")
