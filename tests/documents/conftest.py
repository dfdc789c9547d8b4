"""A development signing certificate and an app that signs with it."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from flask import Flask

from connectors.documents.signing import create_development_certificate

PASSWORD = "clave-de-prueba"


@pytest.fixture(scope="session")
def signing_p12(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return create_development_certificate(tmp_path_factory.mktemp("firma") / "dev.p12", PASSWORD)


@pytest.fixture
def signing_app(make_app: Callable[..., Flask], signing_p12: Path) -> Flask:
    return make_app(SIGNING_CERT=str(signing_p12), SIGNING_PASSWORD=PASSWORD)
