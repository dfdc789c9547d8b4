"""identity: an API token's last use, to the minute

Revision ID: a7c9e1f3b5d8
Revises: d5f7b9c1e3a6
Create Date: 2026-12-06 19:50:00

"""
from alembic import op
import sqlalchemy as sa

import engine.db


revision = 'a7c9e1f3b5d8'
down_revision = 'd5f7b9c1e3a6'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('api_tokens') as batch:
        batch.add_column(sa.Column('last_used_at', engine.db.UTCDateTime(timezone=True), nullable=True))


def downgrade():
    with op.batch_alter_table('api_tokens') as batch:
        batch.drop_column('last_used_at')
