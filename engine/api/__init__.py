"""The engine's HTTP faces: the REST API for integrations and the health probes."""
