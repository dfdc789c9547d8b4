"""The composition root: ``create_app`` builds the platform; nothing imports this module.

``app`` (for ``gunicorn wsgi:app``) is built on first access, not at import time, so that a
bad setting is reported as one line instead of a traceback during import.
"""

from __future__ import annotations

import dataclasses
import logging
import os
import sys
import threading
import warnings
from collections.abc import Callable, Mapping
from functools import partial
from pathlib import Path
from typing import Any

import click
import requests
from flask import Flask, Response, abort, current_app, request
from flask.cli import FlaskGroup
from flask_babel import Babel
from sqlalchemy import select
from werkzeug.exceptions import default_exceptions

import connectors.probes
import engine.api.health
import engine.api.hooks
import engine.api.metrics
import engine.api.open311
import engine.api.v1
import engine.casefile.models  # noqa: F401
import engine.cli.commands
import engine.cli.migrations
import engine.cli.users
import engine.deadlines.models  # noqa: F401  # the tables of each part, for Alembic and the metadata
import engine.figures.models  # noqa: F401
import engine.health
import engine.intake.sensor_models
import engine.intake.sensors
import engine.privacy.models  # noqa: F401
import engine.records.models  # noqa: F401
import engine.representation.models  # noqa: F401
import engine.signatures.models  # noqa: F401
import engine.workflow.instructions
import portal
import portal.errors
import portal.oidc
import portal.security
import storage
import worklists
import worklists.queries.models  # noqa: F401
from connectors.catastro.ogc import MOUNT_PATH as OGC_PATH
from connectors.catastro.ogc import SAMPLE_DATA, write_pygeoapi_config
from connectors.documents.casefile import render_case_file
from connectors.documents.checks import check_template, preview_template
from connectors.gaf import GafConnector, inprocess
from connectors.notify import NotifyConnector
from connectors.notify.mail import plain_sender
from connectors.notify.mailbox import Mailbox
from connectors.registry import ConnectorRegistry, connector_config
from connectors.sensors import EpisodeTracker, Reading, SensorSubscriber
from engine.background.workers import dispatcher, make_celery
from engine.citizens import notifications
from engine.db import db, tune
from engine.errors import DataInvalid, EngineError, NotFound, Unavailable, UploadRefused
from engine.identity.accounts import Group, group_title
from engine.observability import logs
from engine.ports import SensorFeed
from engine.runtime import EXTENSION_KEY, DocumentServices, OperatorTools, Runtime
from engine.settings import FOLLOWS_SERVER, ConfigError, instance_secret, read_settings, redact_url
from engine.uow import unit_of_work
from engine.web import request_log
from engine.web.addresses import bound_numbers
from engine.web.nul_bytes import refuse_nul_bytes
from engine.web.pages import ERROR_PAGE
from engine.web.routing import LazyBuilderRule
from engine.web.template_cache import COMPILED_TEMPLATES
from storage.antivirus import ClamdScanner
from storage.base import Storage
from storage.uploads import UploadError
from storage.uploads import receive as receive_file

HERE = Path(__file__).resolve().parent
log = logging.getLogger("tramites")
# pyHanko imports the DSA key types that cryptography 51 deprecates; that is for its authors to
# mend, and an operator would read it at the first signature of every process. The tests
# still show it (pyproject.toml).
warnings.filterwarnings("ignore", message="DSA is deprecated", module=r"pyhanko\.")
GAF_SANDBOX_PATH = "/_sandbox/gaf"
#: The WhatsApp sandbox of the embedded default: a demo phone in a page, the Cloud API's endpoints.
WHATSAPP_SANDBOX_PATH, WHATSAPP_API_VERSION, WHATSAPP_SANDBOX_NUMBER = "/_sandbox/whatsapp", "v21.0", "100000000000001"
#: Where test cases' GAF sandbox is mounted when the platform talks to the real GAF.
GAF_TEST_SANDBOX_PATH = "/_sandbox/gaf-pruebas"
GAF_TEST_SANDBOX_NAME = "gaf_sandbox_pruebas"
DEV_SIGNING_FILE = "firma-desarrollo.p12"
OFFICIAL_KEYS_FOLDER = "firmas_funcionarios"
#: Where the local outbox keeps e-mail, under the instance folder.
MAILBOX_FOLDER = "correo"
_PYGEOAPI_IMPORT = threading.Lock()


def create_app(config: Mapping[str, Any] | None = None) -> Flask:
    """Build the platform from ``TRAMITES_*`` variables, with ``config`` overriding them.

    :raises ConfigError: when a setting is missing or malformed.
    """
    settings = read_settings(os.environ, config)
    app = Flask(
        "tramites",
        instance_path=settings["INSTANCE_PATH"],
        template_folder=str(HERE / "portal" / "templates"),
        static_folder=str(HERE / "portal" / "static"),
    )
    bound_numbers(app)  # before any route: an id beyond the database's integers is a 404, not a 500
    app.url_rule_class = LazyBuilderRule
    app.jinja_options = {**app.jinja_options, "bytecode_cache": COMPILED_TEMPLATES}
    app.config.update(
        SECRET_KEY=settings["SECRET_KEY"],
        SQLALCHEMY_DATABASE_URI=settings["DATABASE_URL"],
        SQLALCHEMY_ENGINE_OPTIONS=_engine_options(settings["DATABASE_URL"]),
        MAX_CONTENT_LENGTH=settings["MAX_UPLOAD_MB"] * 1024 * 1024,
        BABEL_DEFAULT_LOCALE="es_AR",
        BABEL_DEFAULT_TIMEZONE=settings["TIMEZONE"],
        BABEL_TRANSLATION_DIRECTORIES=str(HERE / "portal" / "translations"),
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        SESSION_COOKIE_SECURE=settings["PUBLIC_URL"].startswith("https://"),
        TRAMITES=settings,
    )
    Path(settings["INSTANCE_PATH"]).mkdir(parents=True, exist_ok=True)
    db.init_app(app)
    with app.app_context():
        tune(db.engine)
    engine.cli.migrations.install(app, str(HERE / "engine" / "migrations"))
    Babel(app)
    embedded = _embedded_services(settings)
    documents = storage.open_storage(settings["STORAGE_URL"])
    registry = _connector_registry(settings, embedded, documents)
    runtime = _build_runtime(settings, embedded, documents, registry, _sensor_feed_factory(app, settings))
    runtime.test_connectors = _test_connector_registry(settings, documents)
    in_process = inprocess.session(app, lambda: settings["PUBLIC_URL"])
    _reach_sandboxes_in_process(in_process, registry, runtime.test_connectors, embedded)
    app.extensions[EXTENSION_KEY] = runtime
    if settings["BROKER_URL"]:
        runtime.dispatch = dispatcher(make_celery(app, settings["BROKER_URL"], runtime))
    _mount_embedded_gaf(app, settings, embedded, in_process)
    _mount_test_gaf(app, settings, in_process)
    _mount_whatsapp_sandbox(app, embedded, in_process)
    _mount_ogc(app, settings)
    request_log.install(app)  # first, so every answer carries its request id
    app.before_request(refuse_nul_bytes)
    app.register_blueprint(engine.api.health.bp)
    app.register_blueprint(engine.api.metrics.bp)
    app.register_blueprint(engine.api.hooks.bp)
    engine.api.v1.init_api(app)
    app.register_blueprint(engine.api.open311.bp)
    for blueprint in (*portal.blueprints(), *worklists.blueprints()):
        app.register_blueprint(blueprint)
    app.add_template_filter(engine.workflow.instructions.for_task, "instrucciones")
    app.add_template_filter(group_title, "grupo")
    _secure_fronts(app, settings, embedded, registry, runtime)
    _translate_storage_errors(app)
    app.extensions[ERROR_PAGE] = portal.errors.page
    _send_notification_emails(app, settings, runtime)
    engine.cli.commands.register(app)
    app.cli.add_command(engine.cli.users.user)
    return app


def _translate_storage_errors(app: Flask) -> None:
    """A storage failure that reaches a request is the engine's error of the same meaning.

    The engine may not know ``storage``, so it would take a broken store for a bug (500): the
    API answers its problem document and the staff pages their error page, 503 while the store
    is down.
    """

    def translate(error: storage.StorageError) -> Any:
        if isinstance(error, storage.NotFound):
            meaning: EngineError = NotFound(error.public_message)
        elif isinstance(error, storage.InvalidKey):
            meaning = EngineError(error.public_message)
        else:
            log.error("document storage failed on %s %s: %s", request.method, request.path, error)
            meaning = Unavailable(f"{error.public_message} Intente de nuevo en unos minutos.")
        return app.handle_user_exception(meaning)

    app.register_error_handler(storage.StorageError, translate)


def _send_notification_emails(app: Flask, settings: Mapping[str, Any], runtime: Runtime) -> None:
    """Citizens' notification e-mails join the outbox of the change they tell of, when SMTP is set
    or the local outbox keeps them (``MAIL_OUTBOX``).

    Otherwise the portal's «Novedades» are the only channel.
    """
    if not settings["MAIL_OUTBOX"] and not connector_config(NotifyConnector, _given(settings)).get("SMTP_HOST"):
        return

    def hand_over(message_id: int) -> None:
        # A fresh app context, so a fresh session: the committing one may not run SQL now.
        with app.app_context():
            try:
                runtime.hand_over(message_id)
            finally:
                db.session.remove()

    with app.app_context():
        notifications.install(db.engine, notifications.Mailer(lambda: settings["PUBLIC_URL"], hand_over))


def _secure_fronts(app: Flask, settings: Mapping[str, Any], embedded: Mapping[str, str],
                   registry: ConnectorRegistry, runtime: Runtime) -> None:
    """Sessions, CSRF, headers and sign-in for the web fronts (after their blueprints).

    Staff sign in against the directory when ``TRAMITES_LDAP_URL`` is set (local users
    otherwise); sign-up links go out over SMTP when the notification connector has a host,
    or into the local outbox (``MAIL_OUTBOX``).
    """
    staff = registry.connector("directorio")[0].authenticate if settings["LDAP_URL"] else None
    mail = connector_config(NotifyConnector, {**embedded, **_given(settings)})
    sends = mail.get("SMTP_HOST") or mail.get("MAIL_OUTBOX_DIR")
    runtime.send_email = plain_sender(mail) if sends else None  # the administration's welcome links too
    portal.security.init_app(app, authenticate_staff=staff, send_email=runtime.send_email,
                             idle_minutes=settings["SESSION_IDLE_MINUTES"],
                             trusted_proxies=settings["TRUSTED_PROXIES"] or ())
    if settings["OIDC_ISSUER"]:
        portal.oidc.init_app(app, issuer=settings["OIDC_ISSUER"], client_id=settings["OIDC_CLIENT_ID"] or "",
                             client_secret=settings["OIDC_CLIENT_SECRET"] or "")


def _given(settings: Mapping[str, Any]) -> dict[str, Any]:
    """The settings that have a value: an unset one (None) must not hide a default of the same name."""
    return {k: v for k, v in settings.items() if v is not None}


def _engine_options(url: str) -> dict[str, Any]:
    if url.startswith("sqlite"):
        # Web threads and the background runner share the file; wait for locks, not fail.
        return {"connect_args": {"timeout": 30}}
    # No pre-ping (a SELECT 1 round trip per request): engine.db.drop_dead_connections finds the
    # connections the server closed without asking it; recycling bounds the life of those a
    # firewall or a failover drops silently.
    return {"pool_recycle": 1800}


def _embedded_services(settings: Mapping[str, Any]) -> dict[str, str]:
    """Connector settings of the services the embedded default runs inside the platform.

    With ``GAF_SANDBOX`` (on by default only in the embedded default without
    ``TRAMITES_GAF_URL``, see :func:`engine.settings.read_settings`) the GAF sandbox is mounted
    at ``/_sandbox/gaf`` and the GAF connector calls it in-process (whatever the port); without
    ``TRAMITES_CATASTRO_OGC_URL`` (nor ``TRAMITES_CATASTRO_DATA``) the cadastre connector reads
    the sample parcels' file itself, owners and valuations included: never the public ``/ogc``,
    which serves only their public attributes; with ``MAIL_OUTBOX`` e-mail is kept in
    ``instance/correo`` instead of sent.
    """
    found: dict[str, str] = {}
    if settings["GAF_SANDBOX"]:
        instance = settings["INSTANCE_PATH"]
        found.update(GAF_URL=inprocess.ORIGIN + GAF_SANDBOX_PATH, GAF_TOKEN=instance_secret(instance, "gaf_token"),
                     GAF_WEBHOOK_SECRET=instance_secret(instance, "gaf_webhook_secret"))
    if not any(settings.get(key) or os.environ.get(f"TRAMITES_{key}") for key in ("CATASTRO_OGC_URL", "CATASTRO_DATA")):
        found["CATASTRO_DATA"] = str(SAMPLE_DATA)
    if _whatsapp_sandboxed(settings):
        instance = settings["INSTANCE_PATH"]
        found.update(WHATSAPP_API_URL=f"{inprocess.ORIGIN}{WHATSAPP_SANDBOX_PATH}/{WHATSAPP_API_VERSION}",
                     WHATSAPP_PHONE_NUMBER_ID=WHATSAPP_SANDBOX_NUMBER,
                     WHATSAPP_TOKEN=instance_secret(instance, "whatsapp_token"),
                     WHATSAPP_APP_SECRET=instance_secret(instance, "whatsapp_app_secret"),
                     WHATSAPP_VERIFY_TOKEN=instance_secret(instance, "whatsapp_verify_token"))
    if settings["MAIL_OUTBOX"]:
        found["MAIL_OUTBOX_DIR"] = str(Path(settings["INSTANCE_PATH"]) / MAILBOX_FOLDER)
    if not settings.get("SIGNING_CERT"):
        # `tramites init` creates this file (see _signing_preparer); it is labelled not for production.
        found["SIGNING_CERT"] = str(Path(settings["INSTANCE_PATH"]) / DEV_SIGNING_FILE)
        found["SIGNING_PASSWORD"] = instance_secret(settings["INSTANCE_PATH"], "signing_password")
    return found


def _whatsapp_sandboxed(settings: Mapping[str, Any]) -> bool:
    """The embedded default (the GAF sandbox on) without a WhatsApp number of its own: the WhatsApp sandbox."""
    configured = ("WHATSAPP_API_URL", "WHATSAPP_PHONE_NUMBER_ID", "WHATSAPP_TOKEN")
    return bool(settings["GAF_SANDBOX"]) and not any(settings.get(k) or os.environ.get(f"TRAMITES_{k}")
                                                     for k in configured)


def _mount_whatsapp_sandbox(app: Flask, embedded: Mapping[str, str], session: requests.Session) -> None:
    """Mount the WhatsApp sandbox (a demo phone in a page, docs/whatsapp.md) where the connector points at it."""
    if not embedded.get("WHATSAPP_API_URL", "").startswith(inprocess.ORIGIN):
        return
    from connectors.notify.sandbox import sandbox_blueprint as whatsapp_sandbox

    app.register_blueprint(whatsapp_sandbox(
        phone_number_id=embedded["WHATSAPP_PHONE_NUMBER_ID"], token=embedded["WHATSAPP_TOKEN"],
        app_secret=embedded["WHATSAPP_APP_SECRET"], webhook_url=inprocess.ORIGIN + "/hooks/notificar",
        session=session, base_url=inprocess.ORIGIN + WHATSAPP_SANDBOX_PATH), url_prefix=WHATSAPP_SANDBOX_PATH)


def _signing_preparer(settings: Mapping[str, Any], embedded: Mapping[str, str]) -> Callable[[], str | None]:
    """``tramites init``'s step: create the development signing certificate when none is configured.

    :return: a callable answering the path it created, or ``None`` when nothing was needed.
    """

    def prepare() -> str | None:
        path = embedded.get("SIGNING_CERT")
        if path is None or Path(path).exists():
            return None
        from connectors.documents.signing import create_development_certificate  # pyHanko: only here

        create_development_certificate(path, embedded["SIGNING_PASSWORD"])
        return path

    return prepare


def _official_credential(settings: Mapping[str, Any]) -> Any:
    from connectors.documents.officials import Credential  # pyHanko: only when officials sign

    if settings.get("PKCS11_MODULE"):
        return Credential(pkcs11_module=settings["PKCS11_MODULE"], pkcs11_token=settings.get("PKCS11_TOKEN"))
    return Credential(folder=settings.get("OFFICIAL_KEYS_DIR")
                      or str(Path(settings["INSTANCE_PATH"]) / OFFICIAL_KEYS_FOLDER))


def _official_signing(settings: Mapping[str, Any]) -> Callable[[str, str, list[tuple[bytes, str, str]]],
                                                                list[dict[str, Any]]]:
    """The porta firma's signer: one official's credential, opened once per batch; its refusals
    (a wrong passphrase, no credential) reach the page as the engine's own errors."""

    def sign(username: str, passphrase: str, work: list[tuple[bytes, str, str]]) -> list[dict[str, Any]]:
        from connectors.documents.errors import DocumentError
        from connectors.documents.officials import countersign, official_signer

        try:
            with official_signer(_official_credential(settings), username, passphrase) as signer:
                done = [countersign(pdf, signer, reason=reason, field_name=field) for pdf, reason, field in work]
        except DocumentError as e:
            log.info("an official's signature failed: %s", e.detail or e.message)
            raise DataInvalid(e.message) from e
        return [{"pdf": one.pdf, "signer": one.signer, "certificate_sha256": one.certificate_sha256} for one in done]

    return sign


def _official_credentials_preparer(settings: Mapping[str, Any]) -> Callable[[list[tuple[str, str, str]]],
                                                                            list[tuple[str, str]]]:
    """``tramites init``'s step for the demo officials: a PKCS#12 file each, passphrase ``firma-<username>``."""

    def prepare(officials: list[tuple[str, str, str]]) -> list[tuple[str, str]]:
        from connectors.documents.officials import create_official_credential, p12_path

        credential = _official_credential(settings)
        if credential.folder is None:
            return []
        created = []
        for username, name, role in officials:
            path = p12_path(credential.folder, username)
            if not path.exists():
                passphrase = f"firma-{username}"
                create_official_credential(path, passphrase, full_name=name, role=role)
                created.append((username, passphrase))
        return created

    return prepare


def _pdf_inspector(settings: Mapping[str, Any], embedded: Mapping[str, str]) -> Callable[[bytes], dict[str, Any]]:
    """Inspect a presented PDF against the signing certificate in use (read at each call: init may create it)."""
    path = settings.get("SIGNING_CERT") or embedded.get("SIGNING_CERT")
    password = settings.get("SIGNING_PASSWORD") or embedded.get("SIGNING_PASSWORD")

    def inspect(pdf: bytes) -> dict[str, Any]:
        from connectors.documents.signing import signing_certificate  # pyHanko: on the first PDF checked
        from connectors.documents.verify import inspect_pdf

        trusted = signing_certificate(path, password) if path and Path(path).exists() else None
        return inspect_pdf(pdf, trusted_cert=trusted).as_dict()

    return inspect


def _certificate_issuer(registry: ConnectorRegistry,
                        settings: Mapping[str, Any]) -> Callable[[str, dict[str, Any], str], dict[str, Any]]:
    """``tramites certificate issue``: the documents connector's own path, from any template folder."""

    def issue(folder: str, data: dict[str, Any], title: str) -> dict[str, Any]:
        connector, context = registry.connector("documentos")
        context = dataclasses.replace(context, instance={**context.instance, "public_url": settings["PUBLIC_URL"]})
        result: dict[str, Any] = connector.issue(Path(folder), data, title, context)  # type: ignore[attr-defined]
        return result

    return issue


def _reach_sandboxes_in_process(session: requests.Session, registry: ConnectorRegistry,
                                test_registry: Any, embedded: Mapping[str, str]) -> None:
    """Let the GAF connectors that talk to this platform's own sandboxes call them in-process.

    Over HTTP they would need the port the platform is served at, which a worker or a
    platform behind a proxy does not know.
    """
    if "GAF_URL" in embedded:
        registry.connector("gaf")[0].session = session  # type: ignore[attr-defined]
    if "WHATSAPP_API_URL" in embedded:
        registry.connector("notificar")[0].session = session  # type: ignore[attr-defined]
    if isinstance(test_registry, ConnectorRegistry):
        test_registry.connector("gaf")[0].session = session  # type: ignore[attr-defined]


def _mount_embedded_gaf(app: Flask, settings: Mapping[str, Any], embedded: Mapping[str, str],
                        session: requests.Session) -> None:
    if "GAF_URL" not in embedded:
        return
    from connectors.gaf.sandbox import sandbox_blueprint

    blueprint = sandbox_blueprint(
        token=embedded["GAF_TOKEN"], webhook_secret=embedded["GAF_WEBHOOK_SECRET"],
        webhook_url=inprocess.ORIGIN + "/hooks/gaf", session=session,
        state_path=Path(settings["INSTANCE_PATH"]) / "gaf_sandbox.json",
    )
    app.register_blueprint(blueprint, url_prefix=GAF_SANDBOX_PATH)


def _test_gaf_settings(settings: Mapping[str, Any]) -> dict[str, str] | None:
    """The GAF connector settings of the test cases' sandbox, when GAF is not the sandbox already.

    Its token and webhook secret are the instance's own (never the real GAF's), so its notices
    cannot pass as the real GAF's at ``/hooks/gaf`` and the real GAF's cannot reach it.
    """
    if settings["GAF_SANDBOX"]:
        return None
    instance = settings["INSTANCE_PATH"]
    return {"GAF_URL": inprocess.ORIGIN + GAF_TEST_SANDBOX_PATH,
            "GAF_TOKEN": instance_secret(instance, "gaf_pruebas_token"),
            "GAF_WEBHOOK_SECRET": instance_secret(instance, "gaf_pruebas_webhook_secret")}


def _test_connector_registry(settings: Mapping[str, Any], documents: Storage) -> ConnectorRegistry | None:
    """A registry with one GAF connector, pointed at the test cases' sandbox (``None`` with GAF_SANDBOX on).

    It is not the platform's registry: no process names its operations, only a test case's
    ``gaf/*`` calls reach it (:class:`engine.runtime.Runtime`, ``test_connectors``).
    """
    config = _test_gaf_settings(settings)
    if config is None:
        return None
    registry = ConnectorRegistry(storage=documents)
    registry.register(GafConnector, config)
    return registry


def _mount_test_gaf(app: Flask, settings: Mapping[str, Any], session: requests.Session) -> None:
    """Mount test cases' own GAF sandbox where the platform talks to the real GAF (GAF_SANDBOX off).

    Its fees are play money owed by nobody: a slip exists there only if a test case liquidated
    it, and its payment notices go to ``/hooks/pruebas/gaf``, which delivers to test cases only.
    """
    config = _test_gaf_settings(settings)
    if config is None:
        return
    from connectors.gaf.sandbox import sandbox_blueprint

    blueprint = sandbox_blueprint(
        name=GAF_TEST_SANDBOX_NAME, token=config["GAF_TOKEN"], webhook_secret=config["GAF_WEBHOOK_SECRET"],
        webhook_url=inprocess.ORIGIN + "/hooks/pruebas/gaf", session=session,
        state_path=Path(settings["INSTANCE_PATH"]) / "gaf_sandbox_pruebas.json",
    )
    app.register_blueprint(blueprint, url_prefix=GAF_TEST_SANDBOX_PATH)


def _mount_ogc(app: Flask, settings: Mapping[str, Any]) -> None:
    """Serve the sample cadastre's public attributes as OGC API – Features at ``/ogc`` (pygeoapi)."""
    config_path, openapi_path = _write_ogc_config(settings)
    os.environ.setdefault("PYGEOAPI_CONFIG", str(config_path))
    os.environ.setdefault("PYGEOAPI_OPENAPI", str(openapi_path))
    mount_ogc(app)


def mount_ogc(app: Flask) -> None:
    """Answer ``/ogc/…`` with pygeoapi, configured by ``PYGEOAPI_CONFIG`` and ``PYGEOAPI_OPENAPI``.

    pygeoapi reads both when ``pygeoapi.flask_app`` is first imported, so the first app built
    in a process fixes them (one platform per process, as gunicorn runs it). That import
    costs most of a second, so it waits for the first request under ``/ogc``: a CLI call or
    a worker never pays for it. pygeoapi's own WSGI app answers inside our view, so the
    platform's headers and sessions apply to its pages as to ours.
    """
    # Read-only collections: pygeoapi answered a POST of items with a 500 (its view returned nothing).
    methods = ["GET", "HEAD", "OPTIONS"]
    app.add_url_rule(f"{OGC_PATH}/", "ogc", _serve_ogc, methods=methods)
    app.add_url_rule(f"{OGC_PATH}/<path:path>", "ogc", _serve_ogc, methods=methods)


def _write_ogc_config(settings: Mapping[str, Any]) -> tuple[Path, Path]:
    return write_pygeoapi_config(Path(settings["INSTANCE_PATH"]) / "ogc", settings["PUBLIC_URL"])


def _serve_ogc(path: str = "") -> Response:
    environ = {**request.environ, "SCRIPT_NAME": request.script_root + OGC_PATH,
               "PATH_INFO": request.path[len(OGC_PATH):]}
    response = Response.from_app(_pygeoapi_app(current_app.config.get("TRAMITES") or {}), environ)
    if response.status_code >= 400 and response.mimetype == "text/html" and response.status_code in default_exceptions:
        # pygeoapi's error pages are in English: a person reads the platform's own, in Spanish.
        # A GIS client asks for JSON and keeps pygeoapi's problem as it is.
        response.close()
        abort(response.status_code)
    return response


def _pygeoapi_app(settings: Mapping[str, Any]) -> Flask:
    """pygeoapi's Flask app, imported on first use without letting it reconfigure our logging.

    Its import calls ``logging.basicConfig`` on the root logger, which would print every
    request line twice (werkzeug's handler and the new root one) from then on. Before that
    import, a public URL that follows the served address is written into its configuration
    again: ``create_app`` wrote it before ``tramites serve`` said where it listens.
    """
    with _PYGEOAPI_IMPORT:
        if settings.get(FOLLOWS_SERVER) and "pygeoapi.flask_app" not in sys.modules:
            _write_ogc_config(settings)
        root = logging.getLogger()
        handlers, level = list(root.handlers), root.level
        import pygeoapi.flask_app

        root.handlers[:] = handlers
        root.setLevel(level)
    return pygeoapi.flask_app.APP


def _connector_registry(settings: Mapping[str, Any], embedded: Mapping[str, str],
                        documents: Storage) -> ConnectorRegistry:
    """The built-in connectors and those of installed packages, configured from the settings."""
    registry = ConnectorRegistry(storage=documents)
    connector_settings = {**embedded, **_given(settings)}
    if settings.get(FOLLOWS_SERVER):
        # Read from each call's context instead, which follows the address being served.
        connector_settings.pop("PUBLIC_URL", None)
    registry.load_builtins(connector_settings)
    registry.load_entry_points(connector_settings)
    return registry


def _upload_receiver(settings: Mapping[str, Any], documents: Storage) -> Callable[[Any, str], dict[str, Any]]:
    """Receive an integration's file with the checks of a person's upload (``storage.uploads.receive``)."""

    def receive_upload(stream: Any, name: str) -> dict[str, Any]:
        clamd = settings.get("CLAMD_URL")
        try:
            stored = receive_file(documents, stream, max_bytes=settings["MAX_UPLOAD_MB"] * 1024 * 1024,
                                  display_name=name, scanner=ClamdScanner.from_url(clamd) if clamd else None)
        except UploadError as e:
            raise UploadRefused(e.public_message, status=e.status, reason=e.reason) from e
        return {"key": stored.key, "name": stored.display_name, "content_type": stored.content_type,
                "size": stored.size, "sha256": stored.sha256}

    return receive_upload


def _build_runtime(settings: Mapping[str, Any], embedded: Mapping[str, str], documents: Storage,
                   registry: ConnectorRegistry, sensor_feed: Callable[[], SensorFeed] | None) -> Runtime:
    optional = {
        "broker": (settings["BROKER_URL"], connectors.probes.probe_broker),
        "ldap": (settings["LDAP_URL"], connectors.probes.probe_ldap),
        "mqtt": (settings["MQTT_URL"], connectors.probes.probe_mqtt),
    }
    checks: dict[str, Any] = {"database": engine.health.check_database, "storage": documents.check}
    targets = {
        "database": redact_url(settings["DATABASE_URL"]),
        "storage": redact_url(settings["STORAGE_URL"]),
    }
    for name, (url, probe) in optional.items():
        checks[name] = partial(probe, url) if url else None
        targets[name] = redact_url(url) if url else ""
    services = DocumentServices(store=documents, inspect_pdf=_pdf_inspector(settings, embedded),
                                issue_certificate=_certificate_issuer(registry, settings),
                                render_case_file=render_case_file,
                                prepare_signing=_signing_preparer(settings, embedded),
                                sign_documents=_official_signing(settings),
                                prepare_official_signing=_official_credentials_preparer(settings),
                                check_template=check_template, preview_template=preview_template,
                                receive_upload=_upload_receiver(settings, documents))
    tools = OperatorTools(checks=checks, check_targets=targets, sensor_subscriber=sensor_feed,
                          run_gaf_sandbox=_gaf_sandbox_runner(settings, {**embedded, **_given(settings)}),
                          mailbox=Mailbox(embedded["MAIL_OUTBOX_DIR"]) if "MAIL_OUTBOX_DIR" in embedded else None)
    return Runtime(settings=settings, documents=services, connectors=registry, tools=tools, known_groups=_known_groups)


def _known_groups() -> set[str]:
    """Groups a lane may name without a warning: the local groups, which include every directory
    group of a staff member who has signed in."""
    return set(db.session.scalars(select(Group.name)))


def _gaf_sandbox_runner(settings: Mapping[str, Any],
                        connector_settings: Mapping[str, Any]) -> Callable[[str, int, str | None], None]:
    """``tramites gaf-sandbox``: the sandbox alone, with the GAF connector's token and webhook secret.

    Without them (the embedded default) it uses the instance's generated ones, so the platform's
    connector and the sandbox agree; notices go to this platform's ``/hooks/gaf``.
    """
    config = connector_config(GafConnector, connector_settings)
    instance = settings["INSTANCE_PATH"]

    def run(host: str, port: int, state_path: str | None) -> None:
        from connectors.gaf.sandbox import run_sandbox

        run_sandbox(host, port, token=config.get("GAF_TOKEN") or instance_secret(instance, "gaf_token"),
                    webhook_secret=config.get("GAF_WEBHOOK_SECRET") or instance_secret(instance, "gaf_webhook_secret"),
                    webhook_url=settings["PUBLIC_URL"].rstrip("/") + "/hooks/gaf",
                    state_path=state_path or str(Path(instance) / "gaf_sandbox_standalone.json"))

    return run


def _sensor_feed_factory(app: Flask, settings: Mapping[str, Any]) -> Callable[[], SensorFeed] | None:
    """Build subscribers that store each reading and start collections, one unit of work each.

    :return: a factory of :class:`SensorSubscriber`, or ``None`` when ``TRAMITES_MQTT_URL`` is unset.
    """
    url = settings["MQTT_URL"]
    if not url:
        return None
    try:
        tracker = EpisodeTracker(settings["SENSOR_THRESHOLD"], settings["SENSOR_RESET"])
    except ValueError as e:
        raise ConfigError("SENSOR_RESET", str(e)) from e

    def on_reading(reading: Reading) -> None:
        with app.app_context():
            ctx = app.extensions[EXTENSION_KEY].engine_context()
            plain = engine.intake.sensors.Reading(reading.container_id, reading.nivel, reading.bateria, reading.ts,
                                                  reading.received_at)
            try:
                with unit_of_work(ctx.after_commit):
                    engine.intake.sensors.record_reading(ctx, plain, tracker.observe)
            finally:
                db.session.remove()

    def build() -> SensorFeed:
        return SensorSubscriber(url, on_reading, settings["SENSOR_TOPIC"])

    return build


class _Group(FlaskGroup):
    """The ``tramites`` command: reports a configuration error as one line, exit code 2."""

    def main(self, *args: Any, **kwargs: Any) -> Any:
        try:
            return super().main(*args, **kwargs)
        except ConfigError as e:
            click.echo(f"Error de configuración: {e}", err=True)
            sys.exit(2)


cli = _Group(create_app=lambda: create_app(), add_default_commands=True, help="Trámites SMT.")


def __getattr__(name: str) -> Flask:
    if name != "app":
        raise AttributeError(name)
    try:
        application = create_app()
    except ConfigError as e:
        print(f"Error de configuración: {e}", file=sys.stderr)
        raise SystemExit(2) from None
    settings = application.config["TRAMITES"]
    logs.configure(settings["LOG_FORMAT"], settings["LOG_LEVEL"])  # gunicorn's workers log as the settings say
    globals()["app"] = application
    return application
