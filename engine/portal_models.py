"""The portal's tables: drafts, tracking codes, notifications read marks, password resets."""

from __future__ import annotations
