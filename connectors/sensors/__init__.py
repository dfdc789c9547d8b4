"""Smart waste containers: fill-level readings over MQTT and the collection-episode rule.

Sensors publish to ``smt/contenedores/<id>/nivel`` a JSON object
``{"nivel": 0–100, "bateria": 0–100, "ts": "<ISO 8601 with offset>"}``.
:class:`SensorSubscriber` receives, validates and hands each good reading to an injected
callable; :class:`EpisodeTracker` decides when a reading starts or ends a collection
episode. Storing readings and starting processes belong to the engine, which
``create_app`` wires to these through plain callables.
"""

from connectors.sensors.episodes import Decision, EpisodeTracker
from connectors.sensors.readings import BadReading, Reading, parse_reading
from connectors.sensors.subscriber import SensorSubscriber

__all__ = ["BadReading", "Decision", "EpisodeTracker", "Reading", "SensorSubscriber", "parse_reading"]
