"""Alembic's migrations through Flask-Migrate, loaded only by what migrates.

Importing Flask-Migrate imports Alembic, a tenth of a second that every web worker, Celery
worker and ``tramites`` call would pay for nothing. :func:`install` leaves stand-ins where
Flask-Migrate expects its parts (``app.extensions["migrate"]`` and the ``tramites db``
commands); the first use of either installs the real Flask-Migrate on the app.
"""

from __future__ import annotations

from typing import Any

import click
from flask import Flask

from engine.db import db

EXTENSION = "migrate"


def install(app: Flask, directory: str) -> None:
    """Give ``app`` its migrations (``directory``, batch mode for SQLite), loaded on first use."""
    app.extensions[EXTENSION] = _Deferred(app, directory)
    app.cli.add_command(_DeferredCommands(), name="db")


def _load(app: Flask, directory: str) -> Any:
    from flask_migrate import Migrate

    Migrate(app, db, directory=directory, render_as_batch=True)  # replaces both stand-ins
    return app.extensions[EXTENSION]


class _Deferred:
    """``app.extensions["migrate"]`` until something reads it: then Flask-Migrate's own."""

    def __init__(self, app: Flask, directory: str) -> None:
        self._app, self._directory = app, directory

    def __getattr__(self, name: str) -> Any:
        return getattr(_load(self._app, self._directory), name)


class _DeferredCommands(click.Group):
    """``tramites db …``: Flask-Migrate's command group, imported when it is invoked.

    Listed (with its one-line help) without loading anything; invoked, it hands the whole
    command line to Flask-Migrate's own group, options included.
    """

    def __init__(self) -> None:
        super().__init__("db", help="Perform database migrations.")

    def make_context(self, info_name: str | None, args: list[str], parent: click.Context | None = None,
                     **extra: Any) -> click.Context:
        from flask_migrate.cli import db as commands

        return commands.make_context(info_name, args, parent=parent, **extra)
