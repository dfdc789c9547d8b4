"""The backup's refusals: each message names what failed, in Spanish, for the operator."""

from __future__ import annotations

from engine.errors import EngineError


class BackupError(EngineError):
    """A backup or a restore could not be done; nothing was half done (the message says what failed)."""

    status = 422
    title = "Copia de seguridad rechazada"


class WrongKey(BackupError):
    """The key given is not the one the backup was sealed to, or none was given for a sealed backup."""


class Tampered(BackupError):
    """A file of the backup differs from what the manifest says: changed, damaged or missing."""
