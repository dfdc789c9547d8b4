"""Two officials with their own PKCS#12 credentials, and an app whose porta firma they sign from."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from flask import Flask

from connectors.documents.officials import create_official_credential
from connectors.documents.signing import create_development_certificate
from engine.identity.accounts import ensure_user
from engine.uow import unit_of_work

#: username -> (name, role, group); each one's passphrase is "firma-<username>", password "<username>-clave-segura".
OFFICIALS = {
    "direccion": ("Silvia Toledo", "Directora de Comercio", "direccion_comercio"),
    "hacienda": ("Roberto Acosta", "Secretario de Hacienda", "secretaria_hacienda"),
}


def passphrase_of(username: str) -> str:
    return f"firma-{username}"


@pytest.fixture(scope="session")
def officials_folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("firmas_funcionarios")
    for username, (name, role, _group) in OFFICIALS.items():
        create_official_credential(folder / f"{username}.p12", passphrase_of(username), full_name=name, role=role)
    return folder


@pytest.fixture(scope="session")
def seal_p12(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return create_development_certificate(tmp_path_factory.mktemp("sello") / "dev.p12", "clave-del-sello")


@pytest.fixture
def signatures_app(make_app: Callable[..., Flask], officials_folder: Path, seal_p12: Path) -> Flask:
    app = make_app(SIGNING_CERT=str(seal_p12), SIGNING_PASSWORD="clave-del-sello",
                   OFFICIAL_KEYS_DIR=str(officials_folder), PUBLIC_URL="https://tramites.example")
    with app.app_context(), unit_of_work():
        for username, (name, _role, group) in OFFICIALS.items():
            ensure_user(username, display_name=name, password=f"{username}-clave-segura",
                        email=f"{username}@example.com", roles=("staff",), groups=(group,))
    return app
