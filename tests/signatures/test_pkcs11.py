"""Officials' keys behind PKCS#11, against a real SoftHSM2 token (Debian's ``softhsm2``).

The token lives in a temporary folder (``SOFTHSM2_CONF``); each official's key and
certificate carry their username as label, as the platform looks them up.
"""

from __future__ import annotations

import io
import os
import subprocess
from collections.abc import Callable
from pathlib import Path

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.serialization import pkcs12
from flask import Flask
from pyhanko.pdf_utils.reader import PdfFileReader

from connectors.documents.errors import SigningConfigError, SigningError
from connectors.documents.officials import Credential, countersign, create_official_credential, official_signer
from connectors.documents.verify import signature_list
from engine.identity.accounts import ensure_user
from engine.uow import unit_of_work
from tests.fixtures.require import missing_service, require_binary
from tests.signatures.helpers import my_turns, sign, signed_in

MODULE = "/usr/lib/softhsm/libsofthsm2.so"
TOKEN, PIN, SO_PIN = "tramites-firmas", "123456", "65432101"


def _import_official(tmp: Path, username: str, name: str, role: str) -> None:
    """Put a new key and its certificate on the token, both labelled ``username``."""
    p12 = create_official_credential(tmp / f"{username}.p12", "transitoria", full_name=name, role=role)
    key, cert, _chain = pkcs12.load_key_and_certificates(p12.read_bytes(), b"transitoria")
    pem = tmp / f"{username}.pem"
    pem.write_bytes(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                      serialization.NoEncryption()))
    subprocess.run(["softhsm2-util", "--import", str(pem), "--token", TOKEN, "--label", username,
                    "--id", username.encode().hex(), "--pin", PIN], check=True, capture_output=True)
    pem.unlink()
    import pkcs11
    from pkcs11 import Attribute, CertificateType, ObjectClass

    token = pkcs11.lib(MODULE).get_token(token_label=TOKEN)
    with token.open(rw=True, user_pin=PIN) as session:
        session.create_object({
            Attribute.CLASS: ObjectClass.CERTIFICATE, Attribute.CERTIFICATE_TYPE: CertificateType.X_509,
            Attribute.TOKEN: True, Attribute.LABEL: username, Attribute.ID: username.encode(),
            Attribute.SUBJECT: cert.subject.public_bytes(), Attribute.ISSUER: cert.issuer.public_bytes(),
            Attribute.VALUE: cert.public_bytes(serialization.Encoding.DER)})


@pytest.fixture(scope="session")  # once per process: the library reads SOFTHSM2_CONF when it first loads
def softhsm(tmp_path_factory: pytest.TempPathFactory) -> Credential:
    require_binary("softhsm2-util", "softhsm2")
    if not Path(MODULE).exists():
        missing_service(f"{MODULE} not found (apt-get install softhsm2)")
    try:
        import pkcs11  # noqa: F401
    except ImportError:
        missing_service("python-pkcs11 is not installed (it is in the test lock: make install)")
    tmp = tmp_path_factory.mktemp("softhsm")
    (tmp / "tokens").mkdir()
    conf = tmp / "softhsm2.conf"
    conf.write_text(f"directories.tokendir = {tmp / 'tokens'}\nobjectstore.backend = file\nlog.level = ERROR\n")
    os.environ["SOFTHSM2_CONF"] = str(conf)  # read when the library loads: before any session
    subprocess.run(["softhsm2-util", "--init-token", "--free", "--label", TOKEN, "--pin", PIN, "--so-pin", SO_PIN],
                   check=True, capture_output=True)
    _import_official(tmp, "direccion", "Silvia Toledo", "Directora de Comercio")
    _import_official(tmp, "hacienda", "Roberto Acosta", "Secretario de Hacienda")
    return Credential(pkcs11_module=MODULE, pkcs11_token=TOKEN)


def test_a_key_on_the_token_countersigns_and_the_signature_names_the_official(softhsm: Credential) -> None:
    import weasyprint

    pdf = weasyprint.HTML(string="<h1>Resolución</h1>").write_pdf()
    with official_signer(softhsm, "direccion", PIN) as signer:
        first = countersign(pdf, signer, reason="Firma", field_name="Firma1")
    with official_signer(softhsm, "hacienda", PIN) as signer:
        second = countersign(first.pdf, signer, reason="Firma", field_name="Firma2")
    listed = signature_list(PdfFileReader(io.BytesIO(second.pdf)))
    assert [(s["signer"], s["role"], s["modified"]) for s in listed] == [
        ("Silvia Toledo", "Directora de Comercio", False), ("Roberto Acosta", "Secretario de Hacienda", False)]
    assert listed[0]["certificate_sha256"] == first.certificate_sha256


def test_a_wrong_pin_signs_nothing(softhsm: Credential) -> None:
    with pytest.raises(SigningConfigError, match="PIN"), official_signer(softhsm, "direccion", "000000"):
        pass


def test_an_official_without_a_key_on_the_token_signs_nothing(softhsm: Credential) -> None:
    import weasyprint

    pdf = weasyprint.HTML(string="<h1>Resolución</h1>").write_pdf()
    with pytest.raises(SigningError, match="El token no pudo firmar"), \
            official_signer(softhsm, "nadie", PIN) as signer:
        countersign(pdf, signer, reason="Firma", field_name="Firma1")


def test_the_porta_firma_signs_with_the_token(softhsm: Credential, make_app: Callable[..., Flask]) -> None:
    from tests.fixtures.engine import ApiClient, make_token

    app = make_app(PKCS11_MODULE=MODULE, PKCS11_TOKEN=TOKEN, PUBLIC_URL="https://tramites.example")
    with app.app_context(), unit_of_work():
        ensure_user("direccion", display_name="Silvia Toledo", password="direccion-clave-segura",
                    email="direccion@example.com", roles=("staff",), groups=("direccion_comercio",))
    api = ApiClient(app, make_token(app, "pruebas", "admin"))
    assert api.deploy("firma_conjunta").status_code == 201
    api.start("firma_conjunta", {"titular": "Comercio Norte SRL"})
    direccion = signed_in(app, "direccion")
    [step] = my_turns(app, "direccion_comercio")
    assert "no se pudo abrir el token" in sign(direccion, [step], "000000").lower()
    assert "Firmó 1 documento." in sign(direccion, [step], PIN)
    assert my_turns(app, "secretaria_hacienda") != []
