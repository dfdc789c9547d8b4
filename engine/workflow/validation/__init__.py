"""Everything deploying checks in a bundle, reporting every problem at once (``bundle.validate_bundle``).

One module per kind of check: the XML before SpiffWorkflow reads it (``bpmn``), decision tables
(``dmn``), timers, message correlation (``messages``), the payment step and case summaries
(``presentation``), certificate templates (``templates``, with
the forms' ``sample_data``), the manifest and task properties against the documented
``contract``; ``report`` holds what they find and ``spanish`` translates the library's messages.
"""

from engine.workflow.validation.bundle import CheckParams, ParsedBundle, Report, validate_bundle
from engine.workflow.validation.report import Problem

__all__ = ["CheckParams", "ParsedBundle", "Problem", "Report", "validate_bundle"]
