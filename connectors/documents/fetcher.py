"""The only way WeasyPrint may read anything while rendering a certificate.

Modelled on indico's receipts (``indico/modules/receipts/util.py``): a template may load
its own assets (stylesheets, images, fonts) from its folder's files — held in memory, under
a virtual base URL (:data:`MEMORY_BASE`) that is never looked up on disk —, the platform's
own folder, and ``data:`` URIs (the QR code). Everything else — ``file://`` elsewhere (``/etc/passwd``), ``http(s)``
(which would let a template leak case data to a foreign host or hang the render), ``ftp``
and any other scheme — is refused. WeasyPrint logs the refusal and renders without the
resource, so a bad reference never crashes an issue nor leaks a file into the PDF.

This is the one module that imports WeasyPrint (about half a second): the renderers import
it when they first render, so a process that never renders never pays for it.

It also keeps WeasyPrint's font configurations between renders. A fresh one per document
loads fontconfig's configuration again and starts Pango with cold font and shaping caches:
a third of a certificate's layout time, for the same bytes out. A configuration also holds
the ``@font-face`` fonts of the templates it rendered, so each is lent to the renders of one
template (the digest of its files: a new deployment gets its own) and to one thread at a time
(Pango's font maps are not made for concurrent use).
"""

from __future__ import annotations

import logging
import mimetypes
import posixpath
from collections.abc import Mapping
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit
from urllib.request import url2pathname

from weasyprint import HTML
from weasyprint.text.fonts import FontConfiguration
from weasyprint.urls import URLFetcher, URLFetcherResponse

from connectors.documents.caches import BorrowPool, files_digest

logger = logging.getLogger("tramites.connectors.documents")
#: The base URL of a template's files in memory; a ``file:`` URL under it is served from the mapping only.
MEMORY_BASE = "/plantilla-en-memoria/"
#: Font configurations kept warm: for this many templates, this many idle per template.
FONT_CONFIG_TEMPLATES = 16
FONT_CONFIGS_PER_TEMPLATE = 2
_font_configs: BorrowPool[FontConfiguration] = BorrowPool(
    FontConfiguration, keys=FONT_CONFIG_TEMPLATES, per_key=FONT_CONFIGS_PER_TEMPLATE)


class RefusedResource(ValueError):
    """A template asked for a resource outside what certificates may use."""


class ConfinedURLFetcher(URLFetcher):
    """Serve a template's files in memory, files inside ``roots`` and ``data:`` URIs; refuse every other URL.

    :param roots: folders whose files (after resolving symbolic links) may be read.
    :param files: the template's own files by relative name, served under :data:`MEMORY_BASE`.
    """

    def __init__(self, roots: list[Path], files: Mapping[str, bytes] | None = None, **kwargs: Any) -> None:
        super().__init__(timeout=5, allow_redirects=False, fail_on_errors=False, **kwargs)
        self._roots = [Path(root).resolve() for root in roots]
        self._files = files or {}

    def fetch(self, url: str, headers: Any = None) -> URLFetcherResponse:
        """Return the resource at ``url`` or raise :class:`RefusedResource`."""
        parts = urlsplit(url)
        scheme = parts.scheme.lower()
        if scheme == "data":
            # urllib's DataHandler decodes it; nothing is read from disk or network.
            return super().fetch(url, headers)
        if scheme == "file" and parts.netloc in ("", "localhost"):
            # normpath folds "..": an escape from the virtual folder is a path like any other below.
            virtual = posixpath.normpath(url2pathname(parts.path))
            if virtual.startswith(MEMORY_BASE):
                content = self._files.get(virtual[len(MEMORY_BASE):])
                if content is not None:
                    content_type = mimetypes.guess_type(virtual)[0] or "application/octet-stream"
                    return URLFetcherResponse(url, content, {"Content-Type": content_type})
                raise RefusedResource(f"la plantilla no tiene el archivo: {url:.200}")
            path = Path(url2pathname(parts.path)).resolve()
            if path.is_file() and any(path.is_relative_to(root) for root in self._roots):
                content_type = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
                return URLFetcherResponse(url, path.read_bytes(), {"Content-Type": content_type})
        logger.warning("certificate template asked for a refused resource: %.200s", url)
        raise RefusedResource(f"recurso no permitido en un certificado: {url:.200}")


def write_pdf(html: str, base: Path | Mapping[str, bytes], roots: list[Path]) -> bytes:
    """Lay ``html`` out as PDF; relative references resolve against ``base`` (a platform folder on
    disk, or a template's files in memory), absolute ones within ``roots``."""
    if isinstance(base, Mapping):
        fetcher = ConfinedURLFetcher(roots, base)
        document = HTML(string=html, base_url="file://" + MEMORY_BASE, url_fetcher=fetcher)
        key: tuple[str, ...] = (files_digest(base), *map(str, roots))
    else:
        document = HTML(string=html, base_url=base.as_uri() + "/", url_fetcher=ConfinedURLFetcher(roots))
        key = (str(base), *map(str, roots))
    with _font_configs.borrow(key) as font_config:
        return bytes(document.write_pdf(font_config=font_config))
