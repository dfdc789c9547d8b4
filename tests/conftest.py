"""Shared fixtures: apps on SQLite and PostgreSQL, and real services started per session."""

pytest_plugins = [
    "tests.fixtures.database",
]
