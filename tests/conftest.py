"""Shared fixtures: apps on SQLite and PostgreSQL, and real services started per session."""

pytest_plugins = [
    "tests.fixtures.database",
    "tests.fixtures.browser",
    "tests.fixtures.services",
    "tests.fixtures.s3",
    "tests.fixtures.smtp",
    "tests.fixtures.engine",
    "tests.fixtures.timing",
    "tests.fixtures.identity",
    "tests.fixtures.cx_cloud_api",
    "tests.fixtures.oidc_provider",
    "tests.fixtures.parallel",
]
