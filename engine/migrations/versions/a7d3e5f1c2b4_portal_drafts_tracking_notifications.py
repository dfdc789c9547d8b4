"""portal: drafts, tracking codes, notifications, password resets

Revision ID: a7d3e5f1c2b4
Revises: e4c7a1f9b2d3
Create Date: 2026-12-01 16:20:00

"""
from alembic import op  # noqa: F401
import sqlalchemy as sa  # noqa: F401

import engine.db  # noqa: F401


revision = 'a7d3e5f1c2b4'
down_revision = 'e4c7a1f9b2d3'
branch_labels = None
depends_on = None


def upgrade():
    pass


def downgrade():
    pass
