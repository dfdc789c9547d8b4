"""The ``slapd`` fixture is a real OpenLDAP server that checks passwords and keeps memberOf."""

from __future__ import annotations

from pathlib import Path

import ldap3
import pytest

from tests.fixtures import services
from tests.fixtures.services import GROUPS, PEOPLE, LdapDirectory, _check_slapd_conf


def _bind(url: str, dn: str, password: str) -> ldap3.Connection:
    conn = ldap3.Connection(ldap3.Server(url, connect_timeout=3), dn, password, receive_timeout=3)
    conn.bind()
    return conn


def test_bind_succeeds_with_the_right_password_only(slapd: LdapDirectory) -> None:
    dn = slapd.user_dn("jperez")
    good = _bind(slapd.url, dn, slapd.users["jperez"])
    try:
        assert good.bound
        assert good.extend.standard.who_am_i() == f"dn:{dn}"
    finally:
        good.unbind()
    for wrong in (slapd.users["jperez"] + "x", slapd.users["agomez"]):
        bad = _bind(slapd.url, dn, wrong)
        try:
            assert not bad.bound
            assert bad.result["description"] == "invalidCredentials"
        finally:
            bad.unbind()


def test_seeded_people_and_groups_are_there_with_memberof(slapd: LdapDirectory) -> None:
    conn = _bind(slapd.url, slapd.bind_dn, slapd.bind_password)
    try:
        assert conn.bound
        conn.search(slapd.people_dn, "(objectClass=inetOrgPerson)", attributes=["uid", "cn", "mail", "memberOf"])
        people = {e.uid.value: e for e in conn.entries}
        assert set(people) == set(PEOPLE)
        assert people["jperez"].cn.value == "Juan Pérez"
        assert people["jperez"].mail.value == "jperez@smt.gob.ar"
        # The memberof overlay maintains memberOf from the groups' member values.
        agomez_groups = {dn.split(",")[0].removeprefix("cn=") for dn in people["agomez"].memberOf.values}
        assert agomez_groups == {g for g, members in GROUPS.items() if "agomez" in members}
        conn.search(slapd.groups_dn, "(objectClass=groupOfNames)", attributes=["cn"])
        assert {e.cn.value for e in conn.entries} == set(GROUPS)
    finally:
        conn.unbind()


def test_passwords_are_stored_hashed(slapd: LdapDirectory) -> None:
    conn = _bind(slapd.url, slapd.bind_dn, slapd.bind_password)
    try:
        conn.search(slapd.user_dn("lrodriguez"), "(objectClass=*)", ldap3.BASE, attributes=["userPassword"])
        stored = conn.entries[0].userPassword.value
        assert stored.startswith(b"{SSHA}")
        assert slapd.users["lrodriguez"].encode() not in stored
    finally:
        conn.unbind()


def test_anonymous_readers_cannot_see_passwords(slapd: LdapDirectory) -> None:
    conn = ldap3.Connection(ldap3.Server(slapd.url), auto_bind=True)
    try:
        conn.search(slapd.user_dn("jperez"), "(objectClass=*)", ldap3.BASE, attributes=["userPassword", "cn"])
        attributes = conn.response[0]["attributes"]
        assert attributes["cn"] == ["Juan Pérez"]
        assert not attributes.get("userPassword")
    finally:
        conn.unbind()


def test_a_broken_configuration_is_reported_with_slapds_words(tmp_path: Path) -> None:
    conf = tmp_path / "slapd.conf"
    conf.write_text("database mdb\nsuffix \"dc=x\"\nno-such-directive yes\n")
    with pytest.raises(pytest.fail.Exception) as failed:
        _check_slapd_conf(conf)
    assert "slapd rejected its test configuration" in str(failed.value)


def test_a_missing_binary_skips_or_fails_when_services_are_required(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(services, "SLAPD", str(tmp_path / "no-slapd"))
    monkeypatch.delenv("TRAMITES_REQUIRE_SERVICES", raising=False)
    with pytest.raises(pytest.skip.Exception, match="apt-get install slapd"), services.run_slapd(tmp_path):
        pass
    monkeypatch.setenv("TRAMITES_REQUIRE_SERVICES", "1")
    with pytest.raises(pytest.fail.Exception, match="required service missing"), services.run_slapd(tmp_path):
        pass
