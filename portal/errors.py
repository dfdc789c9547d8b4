"""The pages' answer to an HTTP error anywhere on the site (an unknown address, a method a page
does not take…): the layout, a Spanish title and sentence, a link home. The API keeps its
problem documents (``engine.api.problems`` hands only the other paths here)."""

from __future__ import annotations

from flask import render_template
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from werkzeug.exceptions import HTTPException


def page(error: HTTPException) -> ResponseReturnValue:
    """The error page of ``error``, with its status (and the ``Allow`` header of a 405)."""
    status = error.code or 500
    if status < 400:
        return error
    title, message = _words(status)
    headers = {}
    allowed = getattr(error, "valid_methods", None)
    if allowed:
        headers["Allow"] = ", ".join(allowed)
    return render_template("portal/error.html", status=status, title=title, message=message), status, headers


def _words(status: int) -> tuple[str, str]:
    """The title and sentence a person reads for ``status``."""
    known = {
        400: (_("No se pudo continuar"), _("El pedido no es válido. Vuelva a la página anterior e intente de nuevo.")),
        401: (_("Ingrese para continuar"), _("Ingrese con su cuenta para continuar.")),
        403: (_("Sin permiso"), _("Su cuenta no tiene permiso para ver esta página.")),
        404: (_("Página no encontrada"),
              _("No encontramos la página que busca. Revise la dirección o vuelva al inicio.")),
        405: (_("Acción no disponible"), _("Esta página no admite esa acción. Vuelva al inicio y siga desde allí.")),
        408: (_("No se pudo continuar"), _("El pedido tardó demasiado. Intente de nuevo.")),
        409: (_("Cambió al mismo tiempo"),
              _("Otra operación cambió el expediente al mismo tiempo; vuelva a cargarlo e intente de nuevo.")),
        429: (_("Demasiados intentos"),
              _("Hubo demasiados intentos seguidos. Espere unos minutos e intente de nuevo.")),
        500: (_("Error inesperado"), _("Ocurrió un error inesperado; quedó registrado. Intente de nuevo más tarde.")),
        503: (_("Servicio no disponible"),
              _("El servicio no está disponible en este momento. Intente de nuevo en unos minutos.")),
    }
    return known.get(status) or (_("No se pudo continuar"),
                                 _("No se pudo completar el pedido (error %(status)s).", status=status))
