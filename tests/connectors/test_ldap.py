"""The directory connector: unit tests on ldap3's offline MOCK_SYNC, integration on real slapd."""

from __future__ import annotations

import socket
import time
from collections.abc import Iterator
from typing import Any

import jsonschema
import ldap3
import pytest

from connectors.base import ConnectorContext, PermanentError, TemporaryError
from connectors.ldap_ import DirectoryConfigError, DirectoryConnector, Person
from tests.fixtures.require import free_port
from tests.fixtures.services import LdapDirectory, write_test_certificates

BASE = "dc=smt,dc=gob,dc=ar"
PEOPLE = f"ou=people,{BASE}"
GROUPS = f"ou=groups,{BASE}"


# -- unit tests: ldap3's in-memory server -------------------------------------------------------


class MockDirectoryConnector(DirectoryConnector):
    client_strategy = ldap3.MOCK_SYNC


@pytest.fixture
def mock_directory() -> DirectoryConnector:
    connector = MockDirectoryConnector({
        "LDAP_URL": "ldap://directorio.invalid", "LDAP_BASE_DN": BASE, "LDAP_GROUP_BASE": GROUPS,
        "LDAP_BIND_DN": f"cn=svc,{BASE}", "LDAP_BIND_PASSWORD": "svc-secret",
    })
    seed = ldap3.Connection(connector._server(), client_strategy=ldap3.MOCK_SYNC)
    entries: dict[str, dict[str, Any]] = {
        f"cn=svc,{BASE}": {"objectClass": ["person"], "cn": "svc", "userPassword": "svc-secret"},
        f"uid=jperez,{PEOPLE}": {
            "objectClass": ["inetOrgPerson"], "uid": "jperez", "cn": "Juan Pérez", "mail": "jperez@smt.gob.ar",
            "userPassword": "clave-juan",
            "memberOf": [f"cn=mesa_entradas,{GROUPS}", f"cn=otro,ou=elsewhere,{BASE}"],
        },
        f"uid=agomez,{PEOPLE}": {
            "objectClass": ["inetOrgPerson"], "uid": "agomez", "cn": "Ana Gómez", "mail": "jperez",
            "userPassword": "clave-ana", "memberOf": [f"cn=mesa_entradas,{GROUPS}", f"cn=supervisores,{GROUPS}"],
        },
        f"cn=mesa_entradas,{GROUPS}": {"objectClass": ["groupOfNames"], "cn": "mesa_entradas"},
        f"cn=supervisores,{GROUPS}": {"objectClass": ["groupOfNames"], "cn": "supervisores"},
    }
    for dn, attributes in entries.items():
        assert seed.strategy.add_entry(dn, attributes)
    return connector


def test_authenticate_checks_the_password(mock_directory: DirectoryConnector) -> None:
    person = mock_directory.authenticate("jperez", "clave-juan")
    # Groups outside LDAP_GROUP_BASE are not the platform's.
    assert person == Person("jperez", "Juan Pérez", "jperez@smt.gob.ar", ("mesa_entradas",))
    assert mock_directory.authenticate("jperez", "clave-ana") is None
    assert mock_directory.authenticate("nadie", "clave-juan") is None


@pytest.mark.parametrize("username", ["", "x" * 257, "jperez\x00", "jperez\n", None])
def test_unusable_user_names_are_refused_before_the_server(
    mock_directory: DirectoryConnector, username: Any
) -> None:
    assert mock_directory.authenticate(username, "clave-juan") is None
    assert mock_directory.find_person(username) is None
    assert mock_directory.groups_of(username) == []


def test_empty_passwords_never_reach_the_server() -> None:
    # Nothing listens here: any attempt to connect would raise TemporaryError.
    connector = DirectoryConnector({"LDAP_URL": f"ldap://127.0.0.1:{free_port()}", "LDAP_BASE_DN": BASE})
    assert connector.authenticate("jperez", "") is None
    assert connector.authenticate("jperez", None) is None  # type: ignore[arg-type]


def test_a_uid_match_wins_over_an_email_match(mock_directory: DirectoryConnector) -> None:
    # agomez's (odd) mail is "jperez": the person whose uid is jperez is meant.
    person = mock_directory.find_person("jperez")
    assert person is not None and person.uid == "jperez"
    by_mail = mock_directory.find_person("jperez@smt.gob.ar")
    assert by_mail is not None and by_mail.uid == "jperez"


def test_groups_and_members(mock_directory: DirectoryConnector) -> None:
    assert mock_directory.groups_of("agomez") == ["mesa_entradas", "supervisores"]
    assert [p.uid for p in mock_directory.group_members("mesa_entradas")] == ["agomez", "jperez"]
    assert mock_directory.group_members("no_existe") == []


def test_operations_declare_schemas_their_results_meet(mock_directory: DirectoryConnector) -> None:
    declared = DirectoryConnector.operations()
    assert set(declared) == {"buscar_persona", "miembros_grupo"}
    calls = {
        "buscar_persona": [{"usuario": "agomez"}, {"usuario": "nadie"}],
        "miembros_grupo": [{"grupo": "supervisores"}, {"grupo": "no_existe"}],
    }
    for name, (op, method) in declared.items():
        jsonschema.Draft202012Validator.check_schema(op.params)
        jsonschema.Draft202012Validator.check_schema(op.result)
        for params in calls[name]:
            jsonschema.validate(params, op.params)
            jsonschema.validate(getattr(mock_directory, method)(params, ConnectorContext()), op.result)
    found = mock_directory.buscar_persona({"usuario": "agomez"}, ConnectorContext())
    assert found["grupos"] == ["mesa_entradas", "supervisores"] and found["nombre"] == "Ana Gómez"
    assert mock_directory.miembros_grupo({"grupo": "no_existe"}, ConnectorContext()) == {
        "grupo": "no_existe", "existe": False, "miembros": []}


def test_repr_hides_the_service_password(mock_directory: DirectoryConnector) -> None:
    assert "svc-secret" not in repr(mock_directory)
    assert "***" in repr(mock_directory)


@pytest.mark.parametrize("config", [
    {"LDAP_USER_DN_PATTERN": "uid=%s,ou=people"},
    {"LDAP_TIMEOUT": "pronto"},
    {"LDAP_TIMEOUT": 0},
])
def test_malformed_settings_are_refused(config: dict[str, Any]) -> None:
    with pytest.raises(DirectoryConfigError):
        DirectoryConnector({"LDAP_URL": "ldap://x", **config})


def test_a_missing_url_is_a_configuration_error() -> None:
    with pytest.raises(DirectoryConfigError) as refused:
        DirectoryConnector({}).find_person("jperez")
    assert not refused.value.temporary


# -- integration: the real slapd ------------------------------------------------------------


@pytest.fixture
def directory(slapd: LdapDirectory) -> DirectoryConnector:
    return DirectoryConnector(slapd.connector_config())


@pytest.fixture(params=["search-then-bind", "dn-pattern"])
def signin(request: pytest.FixtureRequest, slapd: LdapDirectory) -> DirectoryConnector:
    extra = {"LDAP_USER_DN_PATTERN": f"uid={{username}},{slapd.people_dn}"} if request.param == "dn-pattern" else {}
    return DirectoryConnector(slapd.connector_config(**extra))


def test_slapd_right_password_signs_in(signin: DirectoryConnector, slapd: LdapDirectory) -> None:
    person = signin.authenticate("jperez", slapd.users["jperez"])
    assert person == Person("jperez", "Juan Pérez", "jperez@smt.gob.ar", ("mesa_entradas",))


@pytest.mark.parametrize("password", ["wrong", "", " ", "jperez-clave-1x"])
def test_slapd_wrong_or_empty_password_is_refused(signin: DirectoryConnector, password: str) -> None:
    assert signin.authenticate("jperez", password) is None


@pytest.mark.parametrize("attempt", [
    "*)(uid=*", "*", "jpere*", "j*z", "jperez)(uid=jperez", "jperez)(|(uid=*", "jperez,ou=people", "uid=jperez",
])
def test_slapd_injection_attempts_find_nobody(signin: DirectoryConnector, slapd: LdapDirectory, attempt: str) -> None:
    assert signin.authenticate(attempt, slapd.users["jperez"]) is None
    assert signin.find_person(attempt) is None
    assert signin.group_members(attempt) == []


def test_slapd_find_person_by_uid_or_email(directory: DirectoryConnector) -> None:
    by_uid = directory.find_person("lrodriguez")
    assert by_uid == Person("lrodriguez", "Lucía Rodríguez", "lrodriguez@smt.gob.ar", ("inspeccion",))
    assert directory.find_person("LRodriguez@SMT.gob.ar") == by_uid
    assert directory.find_person("nadie@smt.gob.ar") is None


def test_slapd_group_members_and_groups_of(directory: DirectoryConnector) -> None:
    members = directory.group_members("mesa_entradas")
    assert [(p.uid, p.name) for p in members] == [("agomez", "Ana Gómez"), ("jperez", "Juan Pérez")]
    assert directory.groups_of("agomez") == ["mesa_entradas", "supervisores"]
    assert directory.groups_of("nadie") == []
    assert directory.group_members("no_existe") == []
    result = directory.miembros_grupo({"grupo": "inspeccion"}, ConnectorContext())
    assert result == {"grupo": "inspeccion", "existe": True, "miembros": [
        {"usuario": "lrodriguez", "nombre": "Lucía Rodríguez", "email": "lrodriguez@smt.gob.ar"}]}


def test_slapd_anonymous_lookups_work_without_a_service_account(slapd: LdapDirectory) -> None:
    anonymous = DirectoryConnector(slapd.connector_config(LDAP_BIND_DN=None, LDAP_BIND_PASSWORD=None))
    assert anonymous.groups_of("jperez") == ["mesa_entradas"]
    assert anonymous.authenticate("agomez", slapd.users["agomez"]) is not None


def test_slapd_a_refused_service_account_is_a_permanent_error(slapd: LdapDirectory) -> None:
    connector = DirectoryConnector(slapd.connector_config(LDAP_BIND_PASSWORD="not-the-password"))
    with pytest.raises(DirectoryConfigError) as refused:
        connector.find_person("jperez")
    assert not refused.value.temporary
    assert "not-the-password" not in str(refused.value)


def test_slapd_start_tls_refused_by_a_plain_server_is_permanent(slapd: LdapDirectory) -> None:
    connector = DirectoryConnector(slapd.connector_config(LDAP_START_TLS="true"))
    with pytest.raises(PermanentError) as refused:
        connector.find_person("jperez")
    assert not refused.value.temporary


def test_an_unreachable_directory_is_a_temporary_error() -> None:
    connector = DirectoryConnector({"LDAP_URL": f"ldap://127.0.0.1:{free_port()}", "LDAP_BASE_DN": BASE})
    with pytest.raises(TemporaryError) as down:
        connector.find_person("jperez")
    assert down.value.temporary and "LDAP" in down.value.message
    with pytest.raises(TemporaryError):
        connector.authenticate("jperez", "clave")


@pytest.fixture
def silent_server() -> Iterator[int]:
    """A port that accepts TCP connections and never says a word."""
    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen(8)
        yield listener.getsockname()[1]


def test_a_directory_that_never_answers_times_out(silent_server: int) -> None:
    connector = DirectoryConnector({"LDAP_URL": f"ldap://127.0.0.1:{silent_server}", "LDAP_BASE_DN": BASE,
                                    "LDAP_BIND_DN": "cn=x", "LDAP_BIND_PASSWORD": "y", "LDAP_TIMEOUT": 1})
    started = time.monotonic()
    with pytest.raises(TemporaryError):
        connector.find_person("jperez")
    assert time.monotonic() - started < 10


# -- TLS against slapd with a throw-away CA --------------------------------------------------

# ldap3 2.9.1 checks host names with ssl.match_hostname, deprecated (and warning) on Python 3.11.
tls_warning = pytest.mark.filterwarnings("ignore:ssl.match_hostname:DeprecationWarning")


@tls_warning
@pytest.mark.parametrize("mode", ["starttls", "ldaps"])
def test_slapd_tls_with_the_right_ca(slapd_tls: LdapDirectory, mode: str) -> None:
    extra: dict[str, Any] = {"LDAP_CA_FILE": slapd_tls.ca_file}
    extra.update({"LDAP_START_TLS": "1"} if mode == "starttls" else {"LDAP_URL": slapd_tls.ldaps_url})
    connector = DirectoryConnector(slapd_tls.connector_config(**extra))
    person = connector.authenticate("agomez", slapd_tls.users["agomez"])
    assert person is not None and person.groups == ("mesa_entradas", "supervisores")


@tls_warning
@pytest.mark.parametrize("mode", ["starttls", "ldaps"])
def test_slapd_tls_refuses_a_certificate_from_another_ca(
    slapd_tls: LdapDirectory, mode: str, tmp_path: Any
) -> None:
    other_ca = write_test_certificates(tmp_path, "Some other CA")[0]
    extra: dict[str, Any] = {"LDAP_CA_FILE": str(other_ca)}
    extra.update({"LDAP_START_TLS": True} if mode == "starttls" else {"LDAP_URL": slapd_tls.ldaps_url})
    connector = DirectoryConnector(slapd_tls.connector_config(**extra))
    with pytest.raises(PermanentError) as refused:
        connector.authenticate("agomez", slapd_tls.users["agomez"])
    assert not refused.value.temporary
