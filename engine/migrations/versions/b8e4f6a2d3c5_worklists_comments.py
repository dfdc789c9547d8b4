"""worklists: internal comments and staff-side tables

Revision ID: b8e4f6a2d3c5
Revises: a7d3e5f1c2b4
Create Date: 2026-12-01 16:20:00

"""
from alembic import op
import sqlalchemy as sa

import engine.db


revision = 'b8e4f6a2d3c5'
down_revision = 'a7d3e5f1c2b4'
branch_labels = None
depends_on = None

WHEN = engine.db.UTCDateTime(timezone=True)
OPEN = sa.text("status = 'ready'")


def upgrade():
    op.create_table('case_comments',
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('instance_id', sa.String(length=36), nullable=False),
    sa.Column('author', sa.String(length=200), nullable=False),
    sa.Column('body', sa.Text(), nullable=False),
    sa.Column('created_at', WHEN, nullable=False),
    sa.ForeignKeyConstraint(['instance_id'], ['instances.id'], name=op.f('fk_case_comments_instance_id_instances'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_case_comments'))
    )
    with op.batch_alter_table('case_comments', schema=None) as batch_op:
        batch_op.create_index('ix_case_comments_instance_at', ['instance_id', 'created_at'], unique=False)
    with op.batch_alter_table('tasks', schema=None) as batch_op:
        batch_op.create_index('ix_tasks_ready_group_priority', ['candidate_group', sa.text('priority DESC'), 'due_at'],
                              unique=False, postgresql_where=OPEN, sqlite_where=OPEN)
        batch_op.create_index('ix_tasks_ready_assignee_due', ['assignee', 'due_at'], unique=False,
                              postgresql_where=OPEN, sqlite_where=OPEN)
        batch_op.create_index('ix_tasks_completed_at', ['completed_at', 'process_key'], unique=False)


def downgrade():
    with op.batch_alter_table('tasks', schema=None) as batch_op:
        batch_op.drop_index('ix_tasks_completed_at')
        batch_op.drop_index('ix_tasks_ready_assignee_due')
        batch_op.drop_index('ix_tasks_ready_group_priority')
    with op.batch_alter_table('case_comments', schema=None) as batch_op:
        batch_op.drop_index('ix_case_comments_instance_at')
    op.drop_table('case_comments')
