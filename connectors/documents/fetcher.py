"""The only way WeasyPrint may read anything while rendering a certificate.

Modelled on indico's receipts (``indico/modules/receipts/util.py``): a template may load
its own assets (stylesheets, images, fonts) from inside its folder, and ``data:`` URIs
(the QR code). Everything else — ``file://`` elsewhere (``/etc/passwd``), ``http(s)``
(which would let a template leak case data to a foreign host or hang the render), ``ftp``
and any other scheme — is refused. WeasyPrint logs the refusal and renders without the
resource, so a bad reference never crashes an issue nor leaks a file into the PDF.

This is the one module that imports WeasyPrint (about half a second): the renderers import
it when they first render, so a process that never renders never pays for it.
"""

from __future__ import annotations

import logging
import mimetypes
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit
from urllib.request import url2pathname

from weasyprint import HTML
from weasyprint.urls import URLFetcher, URLFetcherResponse

logger = logging.getLogger("tramites.connectors.documents")


class RefusedResource(ValueError):
    """A template asked for a resource outside what certificates may use."""


class ConfinedURLFetcher(URLFetcher):
    """Serve files from inside ``roots`` and ``data:`` URIs; refuse every other URL.

    :param roots: folders whose files (after resolving symbolic links) may be read.
    """

    def __init__(self, roots: list[Path], **kwargs: Any) -> None:
        super().__init__(timeout=5, allow_redirects=False, fail_on_errors=False, **kwargs)
        self._roots = [Path(root).resolve() for root in roots]

    def fetch(self, url: str, headers: Any = None) -> URLFetcherResponse:
        """Return the resource at ``url`` or raise :class:`RefusedResource`."""
        parts = urlsplit(url)
        scheme = parts.scheme.lower()
        if scheme == "data":
            # urllib's DataHandler decodes it; nothing is read from disk or network.
            return super().fetch(url, headers)
        if scheme == "file" and parts.netloc in ("", "localhost"):
            path = Path(url2pathname(parts.path)).resolve()
            if path.is_file() and any(path.is_relative_to(root) for root in self._roots):
                content_type = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
                return URLFetcherResponse(url, path.read_bytes(), {"Content-Type": content_type})
        logger.warning("certificate template asked for a refused resource: %.200s", url)
        raise RefusedResource(f"recurso no permitido en un certificado: {url:.200}")


def write_pdf(html: str, base: Path, roots: list[Path]) -> bytes:
    """Lay ``html`` out as PDF; relative references resolve against ``base``, within ``roots``."""
    return bytes(HTML(string=html, base_url=base.as_uri() + "/", url_fetcher=ConfinedURLFetcher(roots)).write_pdf())
