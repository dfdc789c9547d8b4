"""The public figures and the open data (``/datos/``): everyone, signed in or not."""

from __future__ import annotations

from tests.identity.access_tables import PUBLIC

TABLE: dict[str, frozenset[str]] = {
    "figures.index": PUBLIC,
    "figures.procedure": PUBLIC,
    "figures.reclamos_map": PUBLIC,
    "figures.reclamo_cells": PUBLIC,
    "figures.open_data": PUBLIC,
    "figures.download": PUBLIC,
    "figures.catalogue": PUBLIC,
}
# No figures are published in the access tests' database: a procedure and a file are 404.
SAMPLE_ARGS: dict[str, str] = {"key": "tramite-inexistente", "name": "inexistente.csv"}
SERVED_GET: dict[str, int] = {"figures.procedure": 404, "figures.download": 404, "figures.catalogue": 404}
