"""deadlines: holiday calendar, case due dates and pauses

Revision ID: c9f5a7b3e4d6
Revises: b8e4f6a2d3c5
Create Date: 2026-12-01 16:20:00

"""
from alembic import op  # noqa: F401
import sqlalchemy as sa  # noqa: F401

import engine.db  # noqa: F401


revision = 'c9f5a7b3e4d6'
down_revision = 'b8e4f6a2d3c5'
branch_labels = None
depends_on = None


def upgrade():
    pass


def downgrade():
    pass
