"""The staff front's tables: internal comments and what the worklists keep beside the task index."""

from __future__ import annotations
