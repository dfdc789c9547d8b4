"""Errors raised by the forms library, each with an HTTP status and a message people may read."""

from __future__ import annotations


class FormsError(Exception):
    """Base of the library's errors. ``message`` is safe to show; ``status`` is the HTTP answer."""

    status = 400

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class SchemaError(FormsError):
    """The form's JSON Schema (or UI schema) is not usable; the message is for the analyst.

    ``location`` is the JSON pointer inside the schema where the problem was found.
    """

    status = 422

    def __init__(self, message: str, location: str = "") -> None:
        super().__init__(message)
        self.location = location


class ActionError(FormsError):
    """A form action (add, remove, move a row) does not fit the form: a tampered request."""

    status = 400
