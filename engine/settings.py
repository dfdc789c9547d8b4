"""Platform configuration read from ``TRAMITES_*`` environment variables.

Every setting is declared once in :data:`SETTINGS`, with its parser and default, so that
start-up can name the exact variable that is missing or malformed, and the README's table
can be checked against this list by a test.
"""

from __future__ import annotations

import os
import re
import secrets
from collections.abc import Callable, Mapping, MutableMapping
from dataclasses import dataclass
from ipaddress import IPv4Network, IPv6Network, ip_network
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

PREFIX = "TRAMITES_"
#: The public URL until the platform knows the address it is served at.
DEFAULT_PUBLIC_URL = "http://127.0.0.1:5000"
#: Settings key: ``True`` when ``PUBLIC_URL`` was not set, so it follows the served address.
FOLLOWS_SERVER = "PUBLIC_URL_FOLLOWS_SERVER"
LOOPBACK = "127.0.0.1"
#: Listening on every interface: links name the loopback address, the one a browser here opens.
_ANY_ADDRESS = ("", "0.0.0.0", "::")  # noqa: S104  # compared with, never bound
CITY_TIMEZONE = "America/Argentina/Tucuman"


class ConfigError(Exception):
    """A setting is missing or malformed; ``str()`` is one line naming the variable."""

    def __init__(self, variable: str, message: str) -> None:
        super().__init__(f"{PREFIX}{variable}: {message}")
        self.variable = PREFIX + variable


def _url(*schemes: str) -> Callable[[str], str]:
    def parse(value: str) -> str:
        parts = urlsplit(value)
        if parts.scheme not in schemes:
            raise ValueError(f"must be a URL starting with {' or '.join(s + '://' for s in schemes)}")
        if parts.scheme != "file" and not parts.hostname and not parts.scheme.startswith("sqlite"):
            raise ValueError("the URL has no host")
        return value

    return parse


def _database_url(value: str) -> str:
    scheme = urlsplit(value).scheme
    if scheme in ("postgres", "postgresql"):
        # psycopg 3 is the driver we ship; SQLAlchemy's bare postgresql:// means psycopg2.
        return "postgresql+psycopg" + value[len(scheme) :]
    return _url("sqlite", "postgresql+psycopg")(value)


def _networks(value: str) -> tuple[IPv4Network | IPv6Network, ...]:
    try:
        return tuple(ip_network(part.strip(), strict=False) for part in value.split(",") if part.strip())
    except ValueError as e:
        raise ValueError(f"must be addresses or networks separated by commas ({e})") from e


def _positive_int(value: str) -> int:
    number = int(value)
    if number <= 0:
        raise ValueError("must be a positive whole number")
    return number


def _percent(value: str) -> float:
    number = float(value)
    if not 0 <= number <= 100:
        raise ValueError("must be a percentage between 0 and 100")
    return number


def _topic_prefix(value: str) -> str:
    prefix = value.strip().rstrip("/")
    if not prefix or "+" in prefix or "#" in prefix:
        raise ValueError("must be an MQTT topic without wildcards (+, #)")
    return prefix


def _timezone(value: str) -> str:
    try:
        ZoneInfo(value)
    except (ZoneInfoNotFoundError, ValueError) as e:
        raise ValueError("is not a known IANA time zone") from e
    return value


def _text(value: str) -> str:
    if not value.strip():
        raise ValueError("must not be empty")
    return value


_YES = {"1", "true", "si", "sí", "yes", "on"}
_NO = {"0", "false", "no", "off"}


def _switch(value: str) -> bool:
    word = value.strip().lower()
    if word not in _YES | _NO:
        raise ValueError("must be 1 (on) or 0 (off)")
    return word in _YES


#: The words TRAMITES_GAF_SANDBOX_IN_PRODUCTION must hold to run the GAF sandbox in production.
GAF_SANDBOX_CONSENT = "acepto-pagos-falsos"


def _consent(value: str) -> str:
    if value.strip() != GAF_SANDBOX_CONSENT:
        raise ValueError(f"the only accepted value is {GAF_SANDBOX_CONSENT}")
    return value.strip()


OSM_TILES = "https://tile.openstreetmap.org/{z}/{x}/{y}.png"
OSM_ATTRIBUTION = "© colaboradores de OpenStreetMap"
# A CSP host-source: letters, digits, dots and dashes, maybe a leading "*." (from "{s}.").
_TILE_HOST = re.compile(r"(\*\.)?[a-z0-9.-]+")


@dataclass(frozen=True)
class MapTiles:
    """Where forms' maps get their tiles: the URL template, the credit shown, the origin the CSP allows."""

    url: str
    attribution: str
    origin: str


def _map_tiles(value: str) -> MapTiles:
    """``URL [attribution]``: a tile URL template, then (after a space) the provider's credit.

    OpenStreetMap's own servers get their credit when none is given.
    """
    words = value.split(None, 1)
    if not words:
        raise ValueError("must be a tile URL template such as " + OSM_TILES)
    url, attribution = words[0], words[1] if len(words) > 1 else ""
    _url("https", "http")(url)
    if not all(part in url for part in ("{z}", "{x}", "{y}")):
        raise ValueError("the URL must hold the {z}, {x} and {y} placeholders")
    parts = urlsplit(url)
    host = (parts.hostname or "").replace("{s}.", "*.", 1)
    if not _TILE_HOST.fullmatch(host):
        raise ValueError("the host may only use {s} as its first label")
    port = f":{parts.port}" if parts.port else ""
    attribution = attribution.strip() or (OSM_ATTRIBUTION if host.endswith("openstreetmap.org") else "")
    return MapTiles(url, attribution, f"{parts.scheme}://{host}{port}")


@dataclass(frozen=True)
class Setting:
    """One ``TRAMITES_*`` variable: its parser, its default and what it is for."""

    name: str
    parse: Callable[[str], Any]
    help: str
    default: str | None = None
    secret: bool = False


SETTINGS: tuple[Setting, ...] = (
    Setting("INSTANCE_PATH", _text, "Folder for the embedded database, documents and keys.", "instance"),
    Setting("DATABASE_URL", _database_url, "SQLAlchemy URL: sqlite:///… (default) or postgresql://…"),
    Setting("STORAGE_URL", _url("file", "s3"), "file:///folder (default) or s3://KEY:SECRET@host:port/bucket"),
    Setting("SECRET_KEY", _text, "Signs sessions; generated into the instance folder when unset.", secret=True),
    Setting("PUBLIC_URL", _url("http", "https"), "Address citizens see (QR codes, e-mail links); unset = "
            "the address `tramites serve` listens on."),
    Setting("BROKER_URL", _url("redis", "rediss", "amqp", "amqps"), "Celery broker; unset = in-process threads."),
    Setting("LDAP_URL", _url("ldap", "ldaps"), "Staff directory; unset = seeded local users."),
    Setting("MQTT_URL", _url("mqtt", "mqtts"), "Sensor broker; unset = sensors off."),
    Setting("SENSOR_TOPIC", _topic_prefix, "Topic prefix of the readings: <prefix>/<id>/nivel.", "smt/contenedores"),
    Setting("SENSOR_THRESHOLD", _percent, "Fill level (%) that starts a collection.", "80"),
    Setting("SENSOR_RESET", _percent, "Fill level (%) under which a collection episode ends.", "30"),
    Setting("SENSOR_RETENTION_DAYS", _positive_int, "Days sensor readings are kept.", "90"),
    Setting("RECORDS_TRANSFER_DIR", _text, "Folder where case files transferred to the historical archive are "
            "exported; unset = <INSTANCE_PATH>/archivo-historico."),
    Setting("TIMEZONE", _timezone, "The city's zone for display and business days.", CITY_TIMEZONE),
    Setting("NOTICE_TERM_BUSINESS_DAYS", _positive_int, "Business days after which a notice in the electronic "
            "address counts as received when the person has not opened it.", "10"),
    Setting("MAX_UPLOAD_MB", _positive_int, "Largest document a person may upload, in MB.", "25"),
    Setting("MAX_CASE_MB", _positive_int, "Total size of a case's documents, in MB.", "100"),
    Setting("MAX_PERSON_PENDING_MB", _positive_int,
            "Total a citizen may hold in files not handed in yet (uploads, drafts), in MB.", "200"),
    Setting("DRAFT_RETENTION_DAYS", _positive_int, "Days a start-form draft nobody saves again is kept.", "180"),
    Setting("UPLOAD_RETENTION_DAYS", _positive_int,
            "Days an uploaded file that no draft or case keeps waits before it is released for deletion.", "7"),
    Setting("DOCUMENT_SWEEP_MINUTES", _positive_int,
            "Minutes between sweeps that delete stored documents nothing references.", "60"),
    Setting("FIGURES_MINUTES", _positive_int,
            "Minutes between refreshes of the public figures and publications of the open data.", "60"),
    Setting("FIGURES_MIN_COUNT", _positive_int,
            "k: the fewest cases a public rate or time, or a zone's reclamos of a category, may come from.", "5"),
    Setting("FIGURES_HEX_METERS", _positive_int, "Size of the reclamos map's hex cells (centre to corner), in m.",
            "500"),
    Setting("CLAMD_URL", _text, "ClamAV clamd address (tcp://host:port or a socket path); unset = no scan."),
    Setting("SIGNING_CERT", _text, "PKCS#12 file that signs certificates; unset = a development one."),
    Setting("SIGNING_PASSWORD", _text, "Password of the PKCS#12 file.", secret=True),
    Setting("OFFICIAL_KEYS_DIR", _text, "Folder of the officials' own PKCS#12 files (<username>.p12); "
            "unset = instance/firmas_funcionarios."),
    Setting("PKCS11_MODULE", _text, "PKCS#11 library holding the officials' keys (labelled with their "
            "username); set = PKCS#11 instead of PKCS#12 files."),
    Setting("PKCS11_TOKEN", _text, "Label of the PKCS#11 token with the officials' keys."),
    Setting("SESSION_IDLE_MINUTES", _positive_int, "Minutes of inactivity that end a web session.", "30"),
    Setting("TRUSTED_PROXIES", _networks, "Reverse proxies whose X-Forwarded-For is believed (addresses or "
            "networks, comma-separated); unset = the connection's address is the client's."),
    Setting("AUDIT_CHECKPOINT_MINUTES", _positive_int,
            "Minutes between two signed checkpoints of the audit trail (when it changed).", "60"),
    Setting("OIDC_ISSUER", _url("https", "http"), "OpenID Connect provider for citizens; unset = off."),
    Setting("OIDC_CLIENT_ID", _text, "Client id at the OpenID Connect provider."),
    Setting("OIDC_CLIENT_SECRET", _text, "Client secret at the OpenID Connect provider.", secret=True),
    Setting("MAP_TILES_URL", _map_tiles, "Tiles of the forms' maps: a URL template, then (after a space) the credit.",
            OSM_TILES),
    Setting("GAF_SANDBOX", _switch, "1: mount the GAF sandbox (fake payments) at /_sandbox/gaf; "
            "unset = only in the embedded default without TRAMITES_GAF_URL."),
    Setting("GAF_SANDBOX_IN_PRODUCTION", _consent,
            f"{GAF_SANDBOX_CONSENT}: let the sandbox run on a production configuration."),
    Setting("MIGUE_CONTACT", _text, "How to reach Atención al Vecino, as Migue offers it when it cannot answer.",
            "Atención al Vecino de la Municipalidad de San Miguel de Tucumán"),
    Setting("MIGUE_MODEL_URL", _url("https", "http"), "OpenAI-compatible chat-completions endpoint that may "
            "reword Migue's answers from the guide's passages; unset = off."),
    Setting("MIGUE_MODEL_NAME", _text, "The model to ask at that endpoint."),
    Setting("MIGUE_MODEL_KEY", _text, "Bearer token of that endpoint, when it asks for one.", secret=True),
    Setting("MAIL_OUTBOX", _switch, "1: keep e-mail in the local outbox (admin page «Correo saliente») instead "
            "of sending it; unset = only in the embedded default without TRAMITES_SMTP_HOST."),
)


def read_settings(environ: Mapping[str, str], overrides: Mapping[str, Any] | None = None) -> dict[str, Any]:
    """Parse every declared setting from ``environ``, letting ``overrides`` win.

    :param environ: usually ``os.environ``; keys carry the ``TRAMITES_`` prefix.
    :param overrides: plain values keyed by the name without prefix (``DATABASE_URL``);
        used by tests, never parsed from text unless given as text.
    :return: a mapping from setting name (without prefix) to parsed value or ``None``.
    :raises ConfigError: naming the first variable that does not parse.
    """
    overrides = dict(overrides or {})
    values: dict[str, Any] = {}
    for setting in SETTINGS:
        raw = overrides.pop(setting.name, environ.get(PREFIX + setting.name, setting.default))
        if raw is None or raw == "":
            values[setting.name] = None
            continue
        try:
            values[setting.name] = setting.parse(raw) if isinstance(raw, str) else raw
        except ValueError as e:
            raise ConfigError(setting.name, str(e)) from e
    values.update(overrides)  # extra keys (test switches) pass through untouched
    if not values["SENSOR_RESET"] < values["SENSOR_THRESHOLD"]:
        raise ConfigError("SENSOR_RESET", f"must be lower than {PREFIX}SENSOR_THRESHOLD")
    production = production_signs(values)
    gaf_url = values.get("GAF_URL") or environ.get(PREFIX + "GAF_URL")
    values["GAF_SANDBOX"] = _gaf_sandbox(values["GAF_SANDBOX"], values["GAF_SANDBOX_IN_PRODUCTION"], production,
                                         bool(gaf_url))
    if values["MAIL_OUTBOX"] is None:
        # a demo without a mail server keeps what it would send; production sends or says why not
        values["MAIL_OUTBOX"] = not production and not (values.get("SMTP_HOST") or environ.get(PREFIX + "SMTP_HOST"))
    return _with_embedded_defaults(values)


def production_signs(values: Mapping[str, Any]) -> list[str]:
    """What makes a configuration production rather than the embedded default, in Spanish.

    A PostgreSQL database, S3 storage or a secret key that was set, not generated (read before
    the embedded defaults fill the unset ones in).
    """
    signs = []
    if str(values.get("DATABASE_URL") or "").startswith("postgresql"):
        signs.append("base PostgreSQL")
    if str(values.get("STORAGE_URL") or "").startswith("s3:"):
        signs.append("almacenamiento S3")
    if values.get("SECRET_KEY"):
        signs.append(f"{PREFIX}SECRET_KEY definida")
    return signs


def _gaf_sandbox(asked: bool | None, consent: str | None, production: list[str], gaf_url: bool) -> bool:
    """Whether the GAF sandbox is mounted: it marks any fee paid for anyone who presses «Pagar».

    Unset, only in the embedded default without ``TRAMITES_GAF_URL``. Asked for on a production
    configuration, only with :data:`GAF_SANDBOX_CONSENT` in ``TRAMITES_GAF_SANDBOX_IN_PRODUCTION``.

    :raises ConfigError: asked for in production without that consent, or next to a real GAF.
    """
    if asked is None:
        return not production and not gaf_url
    if not asked:
        return False
    if gaf_url:
        raise ConfigError("GAF_SANDBOX", f"{PREFIX}GAF_URL también está definida: el sandbox de GAF cobraría "
                                         "boletas que nadie lee; quite una de las dos.")
    if production and consent != GAF_SANDBOX_CONSENT:
        raise ConfigError("GAF_SANDBOX", "el sandbox de GAF deja que cualquiera marque una boleta como pagada "
                                         f"y esta configuración es de producción ({', '.join(production)}); "
                                         f"quítelo, o acepte los pagos falsos con "
                                         f"{PREFIX}GAF_SANDBOX_IN_PRODUCTION={GAF_SANDBOX_CONSENT}.")
    return True


def _with_embedded_defaults(values: dict[str, Any]) -> dict[str, Any]:
    instance = Path(values["INSTANCE_PATH"]).resolve()
    values["INSTANCE_PATH"] = str(instance)
    if not values["DATABASE_URL"]:
        values["DATABASE_URL"] = f"sqlite:///{instance / 'tramites.db'}"
    if not values["STORAGE_URL"]:
        values["STORAGE_URL"] = (instance / "documents").as_uri()
    if not values["SECRET_KEY"]:
        values["SECRET_KEY"] = instance_secret(instance, "secret_key")
    values[FOLLOWS_SERVER] = not values["PUBLIC_URL"]
    if not values["PUBLIC_URL"]:
        values["PUBLIC_URL"] = DEFAULT_PUBLIC_URL
    return values


def served_at(values: MutableMapping[str, Any], host: str, port: int) -> str:
    """Make the public URL the address being served, unless ``TRAMITES_PUBLIC_URL`` fixed it.

    ``values`` is the platform's one settings mapping, which the runtime and every request read
    at call time, so links made from now on (QR codes, e-mails, the background work's) name it.

    :return: the public URL in force.
    """
    if values.get(FOLLOWS_SERVER):
        shown = LOOPBACK if host in _ANY_ADDRESS else host
        shown = f"[{shown}]" if ":" in shown else shown
        values["PUBLIC_URL"] = f"http://{shown}:{port}"
    return str(values["PUBLIC_URL"])


def instance_secret(instance: str | Path, name: str) -> str:
    """Keep one random secret per name in the instance folder, so it survives restarts."""
    instance = Path(instance)
    path = instance / name
    if path.exists():
        return path.read_text().strip()
    instance.mkdir(parents=True, exist_ok=True)
    key = secrets.token_urlsafe(48)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w") as handle:
        handle.write(key)
    return key


def redacted(values: Mapping[str, Any]) -> dict[str, Any]:
    """Return the settings with secrets and URL passwords masked, for logs and reports."""
    secret_names = {s.name for s in SETTINGS if s.secret}
    shown: dict[str, Any] = {}
    for name, value in values.items():
        if name in secret_names and value:
            shown[name] = "***"
        elif isinstance(value, str) and "://" in value:
            shown[name] = redact_url(value)
        else:
            shown[name] = value
    return shown


def redact_url(url: str) -> str:
    """Mask the password (and S3 secret) in a URL."""
    parts = urlsplit(url)
    if parts.password is None:
        return url
    netloc = parts.netloc.replace(":" + parts.password + "@", ":***@", 1)
    return parts._replace(netloc=netloc).geturl()
