"""worklists: internal comments and staff-side tables

Revision ID: b8e4f6a2d3c5
Revises: a7d3e5f1c2b4
Create Date: 2026-12-01 16:20:00

"""
from alembic import op  # noqa: F401
import sqlalchemy as sa  # noqa: F401

import engine.db  # noqa: F401


revision = 'b8e4f6a2d3c5'
down_revision = 'a7d3e5f1c2b4'
branch_labels = None
depends_on = None


def upgrade():
    pass


def downgrade():
    pass
