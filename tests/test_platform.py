"""The running platform: home page, health probes and the init/check commands."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml
from flask import Flask
from sqlalchemy import func, select

from engine.db import db
from engine.identity.accounts import User, check_password

PROCESSES = Path(__file__).resolve().parents[1] / "processes"


def test_home_page_is_in_spanish(client: Any) -> None:
    response = client.get("/")
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert '<html lang="es-AR">' in page
    assert "Municipalidad de San Miguel de Tucumán" in page


def test_liveness_answers_without_touching_dependencies(client: Any) -> None:
    assert client.get("/healthz").get_json() == {"status": "ok"}


def test_readiness_reports_each_dependency_with_latency(client: Any) -> None:
    response = client.get("/readyz")
    assert response.status_code == 200
    body = response.get_json()
    assert body["status"] == "ok"
    assert set(body["checks"]) == {"database", "storage"}
    assert all(c["ok"] and c["latency_ms"] >= 0 for c in body["checks"].values())


def test_readiness_fails_when_the_database_is_down(make_app: Any, tmp_path: Any) -> None:
    from tests.fixtures.require import free_port

    app = make_app(DATABASE_URL=f"postgresql://postgres@127.0.0.1:{free_port()}/none")
    response = app.test_client().get("/readyz")
    assert response.status_code == 503
    assert response.get_json()["checks"]["database"]["ok"] is False
    assert response.get_json()["checks"]["storage"]["ok"] is True


def test_init_seeds_demo_users_and_is_safe_to_run_again(app: Flask) -> None:
    runner = app.test_cli_runner()
    first = runner.invoke(args=["init"])
    assert first.exit_code == 0, first.output
    assert "ciudadana" in first.output and "creado" in first.output
    second = runner.invoke(args=["init"])
    assert second.exit_code == 0, second.output
    assert "ya existía" in second.output
    with app.app_context():
        seeded = yaml.safe_load((PROCESSES / "demo_users.yaml").read_text(encoding="utf-8"))["users"]
        assert db.session.scalar(select(func.count()).select_from(User)) == len(seeded)
        admin = db.session.scalar(select(User).where(User.username == "admin"))
        assert admin is not None and "admin" in admin.role_set
        assert check_password(admin, "demo-admin") and not check_password(admin, "wrong")


def test_init_gives_each_demo_official_a_signing_credential_once(app: Flask) -> None:
    from cryptography.hazmat.primitives.serialization import pkcs12
    from cryptography.x509.oid import NameOID

    runner = app.test_cli_runner()
    first = runner.invoke(args=["init"])
    assert "direccion      clave de firma: firma-direccion" in first.output, first.output
    assert "ciudadana      clave de firma" not in first.output  # citizens sign nothing
    credential = Path(app.config["TRAMITES"]["INSTANCE_PATH"]) / "firmas_funcionarios" / "direccion.p12"
    assert credential.stat().st_mode & 0o777 == 0o600
    _key, cert, _chain = pkcs12.load_key_and_certificates(credential.read_bytes(), b"firma-direccion")
    assert cert is not None
    assert cert.subject.get_attributes_for_oid(NameOID.COMMON_NAME)[0].value == "Silvia Toledo"
    assert cert.subject.get_attributes_for_oid(NameOID.TITLE)[0].value == "Directora de Comercio"
    again = runner.invoke(args=["init"])
    assert again.exit_code == 0 and "clave de firma" not in again.output  # made once, never replaced


def test_init_prints_the_address_serve_will_listen_on_unless_a_public_url_is_set(make_app: Any) -> None:
    first = make_app().test_cli_runner().invoke(args=["init", "--no-demo", "--port", "5101"])
    assert first.exit_code == 0, first.output
    assert first.output.splitlines()[-1] == "Listo. Ingrese en http://127.0.0.1:5101/"
    fixed = make_app(PUBLIC_URL="https://tramites.smt.gob.ar").test_cli_runner()
    second = fixed.invoke(args=["init", "--no-demo", "--port", "5101"])
    assert second.output.splitlines()[-1] == "Listo. Ingrese en https://tramites.smt.gob.ar/"


def test_check_exits_non_zero_naming_the_dependency_that_is_down(make_app: Any) -> None:
    from tests.fixtures.require import free_port

    app = make_app(BROKER_URL=f"redis://127.0.0.1:{free_port()}/0")
    result = app.test_cli_runner().invoke(args=["check"])
    assert result.exit_code == 1
    lines = {line.split()[0]: line for line in result.output.splitlines()}
    assert "CAÍDO" in lines["broker"]
    assert " OK " in lines["database"] and " OK " in lines["storage"]
    assert lines["ldap"].split()[1] == "--"


def test_check_exits_zero_when_everything_configured_is_up(app: Flask) -> None:
    result = app.test_cli_runner().invoke(args=["check"])
    assert result.exit_code == 0, result.output


def test_the_readme_lists_every_demo_user_with_its_password() -> None:
    readme = (PROCESSES.parent / "README.md").read_text(encoding="utf-8")
    seeded = yaml.safe_load((PROCESSES / "demo_users.yaml").read_text(encoding="utf-8"))["users"]
    missing = [u["username"] for u in seeded if f"| `{u['username']}` | `{u['password']}` |" not in readme]
    assert missing == []


def test_commands_on_a_database_never_set_up_say_so_in_one_line(make_app: Any, tmp_path: Any) -> None:
    app = make_app(DATABASE_URL=f"sqlite:///{tmp_path / 'vacia.db'}")
    runner = app.test_cli_runner()
    for args in (["validate", str(PROCESSES / "recoleccion_contenedor")], ["instances"],
                 ["token", "create", "--name", "x", "--scope", "start"]):
        result = runner.invoke(args=args)
        assert result.exit_code == 1, args
        assert result.output.strip() == ("Error: la base de datos no está preparada: ejecute `tramites init` "
                                         "(migra sin borrar datos)."), args
    assert runner.invoke(args=["init", "--no-demo"]).exit_code == 0
    validated = runner.invoke(args=["validate", str(PROCESSES / "recoleccion_contenedor")])
    assert validated.exit_code == 0, validated.output
