"""Warnings are errors for our code, while the named third-party deprecations are not fatal."""

from __future__ import annotations

import subprocess
import sys
import warnings
from pathlib import Path

import pytest

from tests.warning_policy import ROOT, python_argv

# Code that runs as if it were a module of ours and uses something it was told is going away.
OUR_DEPRECATED_CALL = (
    "exec(compile('import warnings\\nwarnings.warn(\"usar otra cosa\", DeprecationWarning)',"
    " 'engine/obsoleto.py', 'exec'), {'__name__': 'engine.obsoleto'})"
)
# pyHanko imports cryptography's DSA key types, which cryptography deprecates since 51.
THIRD_PARTY_IMPORT = "import pyhanko.sign.signers.pdf_cms"


def _child(argv: list[str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(argv, cwd=ROOT, capture_output=True, text=True, timeout=120, check=False)


def test_a_deprecation_raised_by_our_code_is_an_error_in_a_test() -> None:
    with pytest.raises(DeprecationWarning, match="usar otra cosa"):
        exec(compile('import warnings\nwarnings.warn("usar otra cosa", DeprecationWarning)',  # noqa: S102
                     "engine/obsoleto.py", "exec"), {"__name__": "engine.obsoleto"})


def test_a_deprecation_raised_by_our_code_fails_the_pytest_run(tmp_path: Path) -> None:
    test_file = tmp_path / "test_obsoleto.py"
    test_file.write_text(f"def test_llama_algo_obsoleto():\n    {OUR_DEPRECATED_CALL}\n", encoding="utf-8")
    run = _child([sys.executable, "-m", "pytest", "-c", str(ROOT / "pyproject.toml"), "--rootdir", str(ROOT),
                  "-q", str(test_file)])
    assert run.returncode == 1, run.stdout + run.stderr
    assert "DeprecationWarning: usar otra cosa" in run.stdout
    assert "1 failed" in run.stdout


def test_a_child_process_fails_on_our_deprecation_too() -> None:
    run = _child(python_argv(OUR_DEPRECATED_CALL))
    assert run.returncode == 1
    assert "DeprecationWarning: usar otra cosa" in run.stderr


def test_the_named_third_party_deprecation_fires_but_does_not_break_a_child() -> None:
    strict = _child([sys.executable, "-W", "error", "-c", THIRD_PARTY_IMPORT])
    assert strict.returncode == 1, "pyHanko no longer warns on import: drop its filter from pyproject.toml"
    assert "CryptographyDeprecationWarning" in strict.stderr
    relaxed = _child(python_argv(THIRD_PARTY_IMPORT))
    assert relaxed.returncode == 0, relaxed.stderr


def test_the_named_third_party_deprecation_does_not_break_a_test() -> None:
    from cryptography.utils import CryptographyDeprecationWarning

    with warnings.catch_warnings(record=True) as seen:
        warnings.warn_explicit("DSA is deprecated", CryptographyDeprecationWarning, "pdf_cms.py", 20,
                               module="pyhanko.sign.signers.pdf_cms")
    assert [str(w.message) for w in seen] == ["DSA is deprecated"]
