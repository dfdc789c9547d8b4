"""Reclamos served through Open311 GeoReport v2 under ``/open311/v2/``, so existing Open311 apps work."""

from engine.api.open311.views import bp

__all__ = ["bp"]
