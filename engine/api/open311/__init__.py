"""Reclamos served through Open311 GeoReport v2 under ``/open311/v2/``, so existing Open311 apps work."""

from __future__ import annotations

from flask import Blueprint

bp = Blueprint("open311", __name__, url_prefix="/open311/v2")

from engine.api.open311 import views as views  # noqa: E402  # the routes attach themselves to bp
