"""Every format the platform checks, and the IRIs it checks without compiling a grammar at import."""

from __future__ import annotations

import subprocess
import sys

import pytest

import forms
from forms.formats import KNOWN_FORMATS, is_iri, is_iri_reference
from tests.warning_policy import ROOT

# What the checker knew with jsonschema[format-nongpl] (rfc3987-syntax for the IRIs), plus the
# two file formats and the amount in pesos: no format may drop out of it unnoticed.
FORMATS_BEFORE_THE_LOCK = {
    "color", "date", "date-time", "duration", "email", "hostname", "idn-email", "idn-hostname", "ipv4", "ipv6",
    "iri", "iri-reference", "json-pointer", "regex", "relative-json-pointer", "time", "uri", "uri-reference",
    "uri-template", "uuid", "documento", "data-url", "moneda",
}


def test_the_checker_knows_every_format_it_knew() -> None:
    assert set(KNOWN_FORMATS) == FORMATS_BEFORE_THE_LOCK


@pytest.mark.parametrize("value", [
    "https://ñandú.smt.gob.ar/trámites?año=2026#sección",
    "http://[::1]:8080/guía",
    "mailto:ana@smt.gob.ar",
    "urn:isbn:9789500000000",
    "https://smt.gob.ar/?clave=\ue000",  # a private-use character is allowed in the query only
    "https://smt.gob.ar/\U00010000",
])
def test_valid_iris(value: str) -> None:
    assert is_iri(value) and is_iri_reference(value)


@pytest.mark.parametrize("value", [
    "https://smt.gob.ar/con espacio",
    "https://smt.gob.ar/<x>",
    "https://smt.gob.ar/%zz",
    "https://smt.gob.ar/\ue000",  # private use outside the query
    "https://smt.gob.ar/#\ue000",
    "https://smt.gob.ar/\ufffe",  # a noncharacter is no ucschar
    "https://[::g]/",
    "http://smt.gob.ar:80a/",
    "1http://smt.gob.ar",
])
def test_invalid_iris(value: str) -> None:
    assert not is_iri(value) and not is_iri_reference(value)


def test_relative_references_are_iri_references_only() -> None:
    assert is_iri_reference("../trámites/habilitación?paso=2") and not is_iri("../trámites/habilitación?paso=2")
    assert is_iri_reference("") and not is_iri("")


@pytest.mark.parametrize("fmt", ["iri", "iri-reference"])
def test_a_form_refuses_a_malformed_iri_in_spanish(fmt: str) -> None:
    schema = {"type": "object", "properties": {"web": {"type": "string", "format": fmt}}}
    assert forms.validate(schema, {"web": "https://comercio.smt.gob.ar/señal"}) == {}
    errors = forms.validate(schema, {"web": "https://comercio.smt.gob.ar/con espacio"})
    assert errors == {"/web": [f"El valor no tiene el formato «{fmt}»."]}


def test_importing_the_forms_compiles_no_grammar() -> None:
    code = "import sys, forms; sys.exit('rfc3987_syntax' in sys.modules or 'lark' in sys.modules)"
    assert subprocess.run([sys.executable, "-c", code], cwd=ROOT, check=False).returncode == 0
