"""The staff front's own static files (CSS, the diagram script), served under ``/static/bandeja``.

Under ``/static/`` so the security layer treats them like every other static file.
"""

from __future__ import annotations

from flask import Blueprint

bp = Blueprint("assets", __name__, static_folder="static", static_url_path="/static/bandeja")
