"""The deadlines' tables: the city's holiday calendar and the pauses of a case's clock."""

from __future__ import annotations
