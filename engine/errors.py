"""The engine's errors: each carries an HTTP status and a message people may read."""

from __future__ import annotations

from typing import Any


class EngineError(Exception):
    """Base class; ``message`` is safe to show, ``status`` is the HTTP status."""

    status = 400
    title = "Solicitud inválida"

    def __init__(self, message: str, *, errors: list[dict[str, Any]] | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.errors = errors or []


class BundleError(EngineError):
    """The bundle cannot be read (names, sizes, manifest)."""

    status = 422
    title = "Paquete inválido"


class DeploymentInvalid(EngineError):
    """Validation found problems; ``errors`` lists every one of them, ``warnings`` what else it noticed."""

    status = 422
    title = "El proceso tiene errores"

    def __init__(self, message: str, *, errors: list[dict[str, Any]] | None = None,
                 warnings: list[dict[str, Any]] | None = None) -> None:
        super().__init__(message, errors=errors)
        self.warnings = warnings or []


class NotFound(EngineError):
    status = 404
    title = "No encontrado"


class Conflict(EngineError):
    """The resource changed meanwhile or is in a state that forbids the action."""

    status = 409
    title = "Conflicto"


class Forbidden(EngineError):
    status = 403
    title = "Acción no permitida"


class DataInvalid(EngineError):
    """Submitted data does not satisfy the form's schema; ``errors`` has pointers."""

    status = 422
    title = "Datos inválidos"


class OperationRefused(DataInvalid):
    """An engine operation's call that cannot succeed as written (a bad value, an unknown party):
    the step's incident is permanent, since retrying changes nothing."""

    temporary = False


class Unavailable(EngineError):
    """A service the platform depends on (the document storage) does not answer: try again later."""

    status = 503
    title = "Servicio no disponible"


class QuotaExceeded(EngineError):
    """A person would hold more in files not yet handed in than they may (``limit`` and ``held`` in bytes)."""

    status = 413
    title = "Sin espacio para archivos"

    def __init__(self, message: str, *, limit: int, held: int) -> None:
        super().__init__(message)
        self.limit = limit
        self.held = held


class UploadRefused(EngineError):
    """A file was refused as it arrived (its type by content, its size, malware); ``status`` says which."""

    title = "Archivo rechazado"

    def __init__(self, message: str, *, status: int = 400, reason: str = "upload_refused") -> None:
        super().__init__(message)
        self.status = status
        self.reason = reason


class EngineLimit(EngineError):
    """The instance hit a limit the engine cannot lift; it becomes an incident."""

    status = 409
    title = "Límite del motor"
