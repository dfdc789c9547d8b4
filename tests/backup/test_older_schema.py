"""A backup of an older schema (made before the last migration) restores and is migrated."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from alembic.script import ScriptDirectory
from flask import Flask
from flask_migrate import upgrade
from sqlalchemy import text

from engine.db import db
from tests.backup.population import cli_backup, cli_restore
from tests.fixtures.database import SQLITE_ONLY, dispose_apps
from wsgi import create_app


def _scripts(app: Flask) -> ScriptDirectory:
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", app.extensions["migrate"].directory)
    return ScriptDirectory.from_config(config)


def _head(app: Flask) -> str:
    with app.app_context():
        return str(db.session.execute(text("SELECT version_num FROM alembic_version")).scalar_one())


@SQLITE_ONLY
def test_a_backup_of_the_previous_schema_is_restored_then_migrated(fresh_app: Callable[..., Flask],
                                                                    tmp_path: Path) -> None:
    old = create_app({"DATABASE_URL": f"sqlite:///{tmp_path / 'antigua.db'}", "INSTANCE_PATH": str(tmp_path / "vieja"),
                      "SECRET_KEY": "test-secret", "TESTING": True})
    scripts = _scripts(old)
    current = scripts.get_current_head()
    previous = scripts.get_revision(current).down_revision
    assert isinstance(previous, str), "the head must have one parent to back up the schema before it"
    try:
        with old.app_context():
            upgrade(revision=previous)
        folder = cli_backup(old, tmp_path / "copias")
    finally:
        dispose_apps([old])
    target = fresh_app()
    restored = cli_restore(target, folder)
    assert restored.exit_code == 0, restored.output
    assert f"La copia tiene el esquema {previous}: se migra al de esta versión." in restored.output
    assert "Restauración completa y verificada." in restored.output
    assert _head(target) == current
