"""gunicorn's settings for Trámites SMT: ``gunicorn -c deploy/gunicorn.conf.py -w 4 -b 0.0.0.0:8000 wsgi:app``.

- gunicorn's own lines (booting, a worker that died) in the platform's format, JSON unless
  ``TRAMITES_LOG_FORMAT=text``; the platform's lines follow the same setting (``docs/operations.md``).
- ``PROMETHEUS_MULTIPROC_DIR`` (the Prometheus client's own variable) must name an empty folder
  shared by every worker, so that ``/metrics`` adds up the counters of all of them: set it in
  the environment (a tmpfs, emptied at each start of the machine or container). Unset here,
  each worker would answer only its own counts.
"""

import os

from engine.observability.logs import gunicorn_logconfig

logconfig_dict = gunicorn_logconfig(os.environ.get("TRAMITES_LOG_FORMAT") or "json")
accesslog = None  # the platform logs one line per request, without the query string


def on_starting(server: object) -> None:
    """Create the metrics' folder when it does not exist yet (its files are the workers' counts).

    It is not emptied here: Celery workers on the same machine may share it and be running.
    """
    folder = os.environ.get("PROMETHEUS_MULTIPROC_DIR")
    if folder:
        os.makedirs(folder, exist_ok=True)
