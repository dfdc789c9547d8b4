"""Public figures: monthly aggregates of how each procedure performs and of the reclamos, and
the open data published from them (``docs/datos-abiertos.md``)."""
