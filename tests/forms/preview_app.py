"""A tiny Flask app with only the forms preview, on the platform's shared layout."""

from __future__ import annotations

from pathlib import Path

from flask import Flask
from flask_babel import Babel

import portal.home
import worklists.preview

ROOT = Path(__file__).resolve().parents[2]


def make_app() -> Flask:
    app = Flask(
        "preview_test",
        template_folder=str(ROOT / "portal" / "templates"),
        static_folder=str(ROOT / "portal" / "static"),
    )
    app.config.update(TESTING=True, SECRET_KEY="prueba", BABEL_DEFAULT_LOCALE="es_AR")
    Babel(app)
    app.register_blueprint(portal.home.bp)
    app.register_blueprint(worklists.preview.bp)
    return app
