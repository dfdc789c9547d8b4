"""``/metrics``: the platform's figures in Prometheus's text format, for the city's monitoring only."""

from engine.api.metrics.views import bp

__all__ = ["bp"]
