"""JSON Schema (+ UI schema) forms: rendering, parsing a submission, validation in Spanish.

A leaf library: it imports nothing else of the platform and no Flask. The fronts use:

``render(schema, ui_schema=None, data=None, errors=None, prefix="", *, choices=None) -> Markup``
    The fields (no ``<form>`` element). ``data=None`` is a new form: the schema's defaults
    are filled in; any other ``data`` is shown exactly as given (use :func:`with_defaults`
    to fill defaults into existing data). The surrounding form must be
    ``<form method="post" enctype="multipart/form-data" novalidate>`` when it has file
    fields (``novalidate``: the messages people read are ours, in Spanish).
``parse_submission(schema, form, files=None, ui_schema=None, *, prefix="") -> data``
    The typed document a POST holds; render -> submit unchanged -> parse gives back the data.
    ``files`` maps a file input's name to the stored reference (``key``, ``name``,
    ``content_type``, ``size``, ``sha256``). A document kept from before travels in a hidden
    input: the front must check that such keys belong to the case.
``validate(schema, data, choices=None) -> {json_pointer: [messages]}``
``check_schema(schema)``: raises :class:`SchemaError` with a message for the analyst.
``with_task_options(schema, data)``: a field's options taken from the task's data
    (``"anyOf": ["options_from_task_data_var:<name>"]``, as SpiffArena writes it).

Partial re-rendering (add, remove, move rows; an answer that shows or hides fields; a new
alternative chosen). Buttons are plain submits named ``<prefix>__accion``; with htmx they
post the enclosing form to the page's own URL (``hx-post=""``) and swap one group
(``hx-select`` picks it from the answer). A view does::

    if forms.has_action(request.form, prefix):
        result = forms.apply_action(schema, request.form, files, ui_schema, prefix)
        return page_with(result.html)   # htmx picks the group it asked for
    data = forms.parse_submission(schema, request.form, files, ui_schema, prefix=prefix)
    choices = forms.read_choices(schema, request.form, ui_schema, prefix)
    errors = forms.validate(schema, data, choices)

``read_choices`` gives the alternatives the person picked, so errors and the re-rendered
form stay on them. :class:`ActionError` (HTTP 400) means a tampered action.

``"ui:widget": "mapa"`` on an object with numeric ``lat``/``lon`` adds a map to its inputs
(:mod:`forms.maps`). A form whose UI schema names it carries ``data-has-map`` on its root
element: the page then loads Leaflet and ``js/form-map.js``.
"""

from forms.actions import ActionResult, apply_action, has_action
from forms.compiled import check_schema
from forms.defaults import with_defaults
from forms.errors import ActionError, FormsError, SchemaError
from forms.parse import parse_submission, read_choices
from forms.render import render
from forms.task_options import with_task_options
from forms.validation import Errors, validate

__all__ = [
    "ActionError",
    "ActionResult",
    "Errors",
    "FormsError",
    "SchemaError",
    "apply_action",
    "check_schema",
    "has_action",
    "parse_submission",
    "read_choices",
    "render",
    "validate",
    "with_defaults",
    "with_task_options",
]
