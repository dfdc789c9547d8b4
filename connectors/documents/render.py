"""Render a certificate template (Jinja2 in a sandbox) to PDF (WeasyPrint).

A template is a folder with ``template.html`` and its assets (CSS, images), given as a
mapping of relative name → bytes (a deployed version's stored files, see
:mod:`connectors.documents.folders`) or as a folder on disk, copied into memory first. It may
``{% extends %}`` or ``{% include %}`` files of its own folder, and the platform's
layout under the ``plataforma/`` prefix (``{% extends "plataforma/layout.html" %}``), which
gives every certificate the municipal letterhead, the QR block and the footer. Nothing
else is reachable: not from Jinja (a loader over the mapping) nor from WeasyPrint
(:class:`~connectors.documents.fetcher.ConfinedURLFetcher`, which serves the same mapping). Jinja runs in
:class:`bounds.templates.BoundedEnvironment`, with the script sandbox's limits of size,
operations and time.

Variables every template gets (Spanish, because analysts write the templates):
``municipalidad``, ``titulo``, ``numero_expediente``, ``fecha_emision`` (es-AR text in the
city's time zone), ``fecha_emision_iso``, ``url_verificacion``, ``codigo_verificacion``,
``qr`` (a PNG data URI) and ``datos`` (the case data, read-only).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import jinja2
from babel.dates import format_datetime
from jinja2.sandbox import SecurityError
from markupsafe import Markup, escape

from bounds.templates import BoundedEnvironment, TemplateLimitError
from connectors.documents.caches import BoundedCache, files_digest
from connectors.documents.errors import RenderError, TemplateNotFoundError
from connectors.documents.folders import BASE_TEMPLATE_DIR, ENTRY_TEMPLATE, Files, read_folder
from connectors.documents.qr import qr_data_uri

MUNICIPALITY = "Municipalidad de San Miguel de Tucumán"
CITY_TIMEZONE = "America/Argentina/Tucuman"
PLATFORM_PREFIX = "plataforma"
#: A template: its files in memory, or a folder on disk (the CLI, the platform's own).
TemplateSource = str | Path | Files
#: How many templates keep their compiled environment (and so their files, up to 10 MB each) between certificates.
ENVIRONMENT_CACHE_SIZE = 16
# Compiling the layout and a template costs more than rendering them; keyed by the files' digest.
_environments: BoundedCache[BoundedEnvironment] = BoundedCache(ENVIRONMENT_CACHE_SIZE)

__all__ = ["BASE_TEMPLATE_DIR", "CITY_TIMEZONE", "ENTRY_TEMPLATE", "MUNICIPALITY", "render_certificate",
           "render_html"]


class _ConfinedLoader(jinja2.FileSystemLoader):
    """A file system loader that also refuses symbolic links leading out of its folder.

    Jinja's own loader already refuses ``..`` in names; a link inside the folder pointing
    at ``/etc`` would still be followed without this check.
    """

    def __init__(self, root: Path) -> None:
        super().__init__(str(root), encoding="utf-8", followlinks=False)
        self._root = root.resolve()

    def get_source(self, environment: jinja2.Environment, template: str) -> tuple[str, str, Callable[[], bool]]:
        source, filename, uptodate = super().get_source(environment, template)
        if not Path(filename).resolve().is_relative_to(self._root):
            raise jinja2.TemplateNotFound(template)
        return source, filename, uptodate


class _MemoryLoader(jinja2.BaseLoader):
    """Load templates from a folder's files in memory; a name with ``..`` is refused by Jinja."""

    def __init__(self, files: Files) -> None:
        self._files = files

    def get_source(self, environment: jinja2.Environment, template: str) -> tuple[str, str, Callable[[], bool]]:
        name = "/".join(jinja2.loaders.split_template_path(template))
        content = self._files.get(name)
        if content is None:
            raise jinja2.TemplateNotFound(template)
        try:
            source = content.decode("utf-8")
        except UnicodeDecodeError as e:
            raise jinja2.TemplateSyntaxError("el archivo no está en UTF-8", 1, name, name) from e
        return source, name, lambda: True


def _as_text(value: Any) -> Markup | str:
    """Show a data value the way a person reads it on paper (the ``texto`` filter)."""
    if value is None or value == "":
        return "—"
    if isinstance(value, bool):
        return "Sí" if value else "No"
    if isinstance(value, list | tuple):
        return Markup(", ").join(_as_text(item) for item in value)
    if isinstance(value, Mapping):
        return Markup("; ").join(Markup("{}: {}").format(key, _as_text(item)) for key, item in value.items())
    return escape(value)


def environment(files: Files, undefined: type[jinja2.Undefined] = jinja2.StrictUndefined) -> BoundedEnvironment:
    """The sandboxed environment of one template folder (also what deploy-time checks parse with)."""
    # The platform's prefix first: a template's own "plataforma/" folder cannot shadow it.
    loader = jinja2.ChoiceLoader([
        jinja2.PrefixLoader({PLATFORM_PREFIX: _ConfinedLoader(BASE_TEMPLATE_DIR)}),
        _MemoryLoader(files),
    ])
    # The script sandbox's limits of size, operations and time (bounds.templates).
    env = BoundedEnvironment(loader=loader, autoescape=True, undefined=undefined)
    env.filters["texto"] = _as_text
    env.filters["etiqueta"] = lambda key: str(key).replace("_", " ").strip().capitalize()
    return env


def cached_environment(files: Files, undefined: type[jinja2.Undefined] = jinja2.StrictUndefined) -> BoundedEnvironment:
    """The :func:`environment` of these files, kept with its compiled templates for the next render.

    Jinja keeps what it compiled in its environment, which a render used to build anew; the
    same files (by content) now find it again. The platform's own layout is read from disk
    and Jinja checks its modification time on every load, as ever.
    """
    return _environments.get((files_digest(files), undefined), lambda: environment(files, undefined))


def format_issue_date(issued_at: datetime, timezone: str = CITY_TIMEZONE) -> str:
    """Return the issue date as a person in the city reads it: ``3 de marzo de 2026, 14:05 h``.

    :param issued_at: an aware datetime.
    :param timezone: IANA zone of the city.
    :raises ValueError: for a naive datetime (its zone would be a guess).
    """
    if issued_at.tzinfo is None:
        raise ValueError("issued_at must carry a time zone")
    return format_datetime(issued_at, "d 'de' MMMM 'de' y, HH:mm 'h'", tzinfo=ZoneInfo(timezone), locale="es_AR")


def _files_and_name(template: TemplateSource, name: str | None) -> tuple[Files, str]:
    if isinstance(template, Mapping):
        if ENTRY_TEMPLATE not in template:
            raise TemplateNotFoundError(f"La plantilla de certificado «{name or '?'}» no existe.")
        return template, name or "plantilla"
    return read_folder(template), name or Path(template).name


def render_html(
    template: TemplateSource,
    data: Mapping[str, Any],
    *,
    verification_url: str,
    case_number: str | None = None,
    issued_at: datetime | None = None,
    title: str = "Certificado",
    verification_code: str | None = None,
    timezone: str = CITY_TIMEZONE,
    name: str | None = None,
    undefined: type[jinja2.Undefined] = jinja2.StrictUndefined,
) -> str:
    """Render ``template.html`` of a template to HTML text; see :func:`render_certificate`."""
    files, name = _files_and_name(template, name)
    issued_at = issued_at or datetime.now(UTC)
    context = {
        "municipalidad": MUNICIPALITY,
        "titulo": title,
        "numero_expediente": case_number,
        "fecha_emision": format_issue_date(issued_at, timezone),
        "fecha_emision_iso": issued_at.isoformat(),
        "url_verificacion": verification_url,
        "codigo_verificacion": verification_code,
        "qr": qr_data_uri(verification_url),
        "datos": data,
    }
    try:
        return cached_environment(files, undefined).get_template(ENTRY_TEMPLATE).render(context)
    except jinja2.TemplateNotFound as e:
        raise RenderError(f"La plantilla «{name}» usa un archivo que no existe: {e.name}.") from e
    except jinja2.TemplateSyntaxError as e:
        where = f"«{e.filename}», " if e.filename and e.filename != ENTRY_TEMPLATE else ""
        raise RenderError(f"La plantilla «{name}» tiene un error en {where}la línea {e.lineno}: {e.message}.",
                          detail=e.filename) from e
    except jinja2.UndefinedError as e:
        raise RenderError(f"Faltan datos para la plantilla «{name}»: {e.message}.") from e
    except TemplateLimitError as e:
        raise RenderError(f"La plantilla «{name}» excede los límites de cálculo: {e}.") from e
    except (SecurityError, jinja2.TemplateError, TypeError, ValueError) as e:
        raise RenderError(f"La plantilla «{name}» no se pudo completar.", detail=repr(e)) from e


def render_certificate(
    template: TemplateSource,
    data: Mapping[str, Any],
    *,
    verification_url: str,
    case_number: str | None = None,
    issued_at: datetime | None = None,
    title: str = "Certificado",
    verification_code: str | None = None,
    timezone: str = CITY_TIMEZONE,
    name: str | None = None,
) -> bytes:
    """Render a certificate template with the case data to an (unsigned) PDF.

    :param template: the template's files (relative name → bytes, ``template.html`` among
        them), or a folder on disk holding them.
    :param data: the case data, available to the template as ``datos``.
    :param verification_url: the public verification link; the QR code encodes it.
    :param case_number: the expediente number printed on the certificate.
    :param issued_at: the issue time (aware); now by default.
    :param title: the certificate's title (``titulo``), also the PDF's title.
    :param verification_code: the code printed under the QR code.
    :param timezone: the city's IANA time zone for the printed date.
    :param name: the template's name in messages (the folder's name by default).
    :return: the PDF bytes.
    :raises TemplateNotFoundError: when the template has no ``template.html``.
    :raises RenderError: when the template does not render with this data.
    """
    files, name = _files_and_name(template, name)
    html = render_html(files, data, verification_url=verification_url, case_number=case_number, name=name,
                       issued_at=issued_at, title=title, verification_code=verification_code, timezone=timezone)
    from connectors.documents.fetcher import write_pdf  # WeasyPrint, on the first render

    try:
        pdf = write_pdf(html, files, [BASE_TEMPLATE_DIR])
    except Exception as e:
        # WeasyPrint raises assorted errors on broken CSS or layout; the issue must fail clean.
        raise RenderError(f"La plantilla «{name}» no se pudo convertir a PDF.", detail=repr(e)) from e
    if not pdf:
        raise RenderError(f"La plantilla «{name}» produjo un PDF vacío.")
    return pdf
