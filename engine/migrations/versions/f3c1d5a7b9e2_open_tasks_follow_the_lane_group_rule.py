"""open tasks follow the one lane → group rule (Spanish connecting words dropped)

Ready tasks indexed under the old rule (lane «Mesa de Entradas» → ``mesa_de_entradas``) are
moved to the group the rule now gives (``mesa_entradas``), so nobody's inbox loses them.
Tasks that become ready later are indexed under the new rule anyway; completed and
cancelled rows keep the group they were offered to at the time. Groups and memberships are
the directory's and are not touched.

Revision ID: f3c1d5a7b9e2
Revises: e8a2c4f6b1d9
Create Date: 2026-12-06 12:30:00

"""
import re
import unicodedata

import sqlalchemy as sa
from alembic import op

revision = 'f3c1d5a7b9e2'
down_revision = 'e8a2c4f6b1d9'
branch_labels = None
depends_on = None

# the rule as it stood when this migration was written (engine.workflow.tasks.group_of_lane)
CONNECTING_WORDS = {"de", "del", "la", "las", "el", "los", "y", "e", "al", "a"}
TASKS = sa.table('tasks', sa.column('status', sa.String), sa.column('candidate_group', sa.String))


def _group(name):
    plain = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode()
    words = [w for w in re.sub(r"[^a-z0-9]+", "_", plain.lower()).strip("_").split("_") if w]
    return "_".join(w for w in words if w not in CONNECTING_WORDS) or "_".join(words)


def upgrade():
    connection = op.get_bind()
    groups = connection.execute(sa.select(TASKS.c.candidate_group).distinct()
                                .where(TASKS.c.status == 'ready', TASKS.c.candidate_group.is_not(None))).scalars()
    for old in list(groups):
        new = _group(old)
        if new and new != old:
            connection.execute(TASKS.update().where(TASKS.c.status == 'ready', TASKS.c.candidate_group == old)
                               .values(candidate_group=new))


def downgrade():
    pass  # the old group names cannot be told apart from the new ones: nothing to undo safely
