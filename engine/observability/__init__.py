"""What operators watch: the platform's Prometheus instruments and its log lines.

Nothing here touches Flask or the database: the engine records into the instruments and logs
through the standard library; the edges (``engine/api/metrics``, ``engine/web/request_log.py``)
serve and frame them. See ``docs/operations.md``.
"""
