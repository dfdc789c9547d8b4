"""The staff front's tables: internal comments and what the worklists keep beside the task index.

Comments are staff-only notes on a case: never shown to the citizen, appended like the audit
trail (each one is also an audit event). The extra task indexes serve the inbox's queries
(a group's open tasks by priority, a person's open tasks by due date) as partial indexes on
the open rows, so the million closed tasks of a busy year never enter them.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, Integer, String, Text, text
from sqlalchemy.orm import Mapped, mapped_column

from engine.db import UTCDateTime, db, utcnow
from engine.models import Task

_OPEN = text("status = 'ready'")


class CaseComment(db.Model):  # type: ignore[name-defined]
    """An internal comment of staff on a case."""

    __tablename__ = "case_comments"
    __table_args__ = (Index("ix_case_comments_instance_at", "instance_id", "created_at"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    instance_id: Mapped[str] = mapped_column(ForeignKey("instances.id", ondelete="CASCADE"))
    author: Mapped[str] = mapped_column(String(200))
    body: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


# A group's inbox sorted by priority (then due date), and "my tasks" by due date.
Index("ix_tasks_ready_group_priority", Task.candidate_group, Task.priority.desc(), Task.due_at,
      postgresql_where=_OPEN, sqlite_where=_OPEN)
Index("ix_tasks_ready_assignee_due", Task.assignee, Task.due_at, postgresql_where=_OPEN, sqlite_where=_OPEN)
# The dashboard's throughput and time in step read completed tasks by completion time.
Index("ix_tasks_completed_at", Task.completed_at, Task.process_key)
