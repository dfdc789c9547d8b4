"""The staff directory over LDAP (OpenLDAP, Active Directory) through ldap3.

The fronts get plain methods, injected by ``create_app`` as callables: staff sign-in
(:meth:`DirectoryConnector.authenticate`), names and e-mails
(:meth:`~DirectoryConnector.find_person`) and group members for assignment and
notifications (:meth:`~DirectoryConnector.group_members`, :meth:`~DirectoryConnector.groups_of`).
BPMN reaches the same look-ups as the operations ``directorio/buscar_persona`` and
``directorio/miembros_grupo``.

Group membership is read from the ``memberOf`` attribute of person entries, which Active
Directory keeps and OpenLDAP keeps with its ``memberof`` overlay; a group's name is the value
of the first RDN of its DN (``cn=mesa_entradas,ou=groups,…`` → ``mesa_entradas``).

Every call opens its own connection (a few milliseconds on a LAN) so the connector is safe
to share between threads. Input that reaches a filter is escaped; input that reaches a DN
is RDN-escaped; empty passwords never reach the server.
"""

from __future__ import annotations

import math
import ssl
from collections.abc import Iterator, Mapping
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from typing import Any

import ldap3
from ldap3.core import exceptions as ldap_errors
from ldap3.core import results
from ldap3.utils.conv import escape_filter_chars
from ldap3.utils.dn import escape_rdn, parse_dn

from connectors.base import JSON, Connector, ConnectorContext, PermanentError, TemporaryError, operation

MAX_INPUT = 256
# Result codes after which the same request may succeed later.
TEMPORARY_RESULTS = frozenset({results.RESULT_BUSY, results.RESULT_UNAVAILABLE, results.RESULT_TIME_LIMIT_EXCEEDED})
UNAVAILABLE = "No se pudo consultar el directorio de personal (LDAP); se reintentará."
TRUE_WORDS = frozenset({"1", "true", "yes", "on", "si", "sí"})


class DirectoryConfigError(PermanentError):
    """The connector's ``LDAP_*`` settings are missing or malformed."""

    status = 500


@dataclass(frozen=True)
class Person:
    """Someone in the directory: user id, display name, e-mail and group names."""

    uid: str
    name: str
    email: str | None
    groups: tuple[str, ...] = ()


def _flag(value: Any) -> bool:
    return value if isinstance(value, bool) else str(value or "").strip().lower() in TRUE_WORDS


def _dn_key(dn: str) -> tuple[tuple[str, str], ...]:
    """A comparable form of a DN: attribute types and values lowercased, escapes resolved."""
    return tuple((attr.lower(), value.lower()) for attr, value, _sep in parse_dn(dn, strip=True))


def _first(attributes: Mapping[str, Any], name: str) -> str | None:
    value = attributes.get(name)
    if isinstance(value, list | tuple):
        value = value[0] if value else None
    return None if value in (None, "") else str(value)


def _all(attributes: Mapping[str, Any], name: str) -> list[str]:
    value = attributes.get(name)
    if value is None:
        return []
    return [str(v) for v in value] if isinstance(value, list | tuple) else [str(value)]


def _usable(text: Any) -> bool:
    """Refuse empty, oversized or control-character input before it reaches the server."""
    return isinstance(text, str) and 0 < len(text) <= MAX_INPUT and text.isprintable()


@dataclass(frozen=True)
class _Settings:
    url: str | None
    base_dn: str
    bind_dn: str | None
    bind_password: str | None
    user_filter: str
    user_dn_pattern: str | None
    group_base: str
    group_filter: str
    uid_attribute: str
    name_attribute: str
    mail_attribute: str
    start_tls: bool
    ca_file: str | None
    timeout: float

    @classmethod
    def parse(cls, config: Mapping[str, Any]) -> _Settings:
        base_dn = str(config.get("LDAP_BASE_DN") or "")
        pattern = config.get("LDAP_USER_DN_PATTERN") or None
        if pattern is not None and "{username}" not in pattern:
            raise DirectoryConfigError("LDAP_USER_DN_PATTERN debe contener {username}.")
        try:
            raw_timeout = config.get("LDAP_TIMEOUT")
            timeout = 5.0 if raw_timeout in (None, "") else float(raw_timeout)
        except (TypeError, ValueError) as e:
            raise DirectoryConfigError("LDAP_TIMEOUT debe ser un número de segundos.") from e
        if not math.isfinite(timeout) or timeout <= 0:
            raise DirectoryConfigError("LDAP_TIMEOUT debe ser mayor que cero.")
        return cls(
            url=config.get("LDAP_URL") or None,
            base_dn=base_dn,
            bind_dn=config.get("LDAP_BIND_DN") or None,
            bind_password=config.get("LDAP_BIND_PASSWORD") or None,
            user_filter=config.get("LDAP_USER_FILTER") or "(objectClass=inetOrgPerson)",
            user_dn_pattern=pattern,
            group_base=config.get("LDAP_GROUP_BASE") or base_dn,
            group_filter=config.get("LDAP_GROUP_FILTER") or "(|(objectClass=groupOfNames)(objectClass=group))",
            uid_attribute=config.get("LDAP_UID_ATTRIBUTE") or "uid",
            name_attribute=config.get("LDAP_NAME_ATTRIBUTE") or "cn",
            mail_attribute=config.get("LDAP_MAIL_ATTRIBUTE") or "mail",
            start_tls=_flag(config.get("LDAP_START_TLS")),
            ca_file=config.get("LDAP_CA_FILE") or None,
            timeout=timeout,
        )


def _one_text_param(name: str) -> JSON:
    return {"type": "object", "required": [name], "additionalProperties": False,
            "properties": {name: {"type": "string", "minLength": 1, "maxLength": MAX_INPUT}}}


def _result(**properties: JSON) -> JSON:
    return {"type": "object", "required": list(properties), "additionalProperties": False,
            "properties": properties}


TEXT: JSON = {"type": "string"}
TEXT_OR_NULL: JSON = {"type": ["string", "null"]}
PERSON_RESULT = _result(usuario=TEXT, nombre=TEXT, email=TEXT_OR_NULL)
FOUND_RESULT = _result(encontrado={"type": "boolean"}, usuario=TEXT_OR_NULL, nombre=TEXT_OR_NULL,
                       email=TEXT_OR_NULL, grupos={"type": "array", "items": TEXT})
MEMBERS_RESULT = _result(grupo=TEXT, existe={"type": "boolean"}, miembros={"type": "array", "items": PERSON_RESULT})


class DirectoryConnector(Connector):
    """Look people and groups up in the staff directory, and check staff passwords.

    Settings: ``LDAP_URL`` (``ldap://`` or ``ldaps://``), ``LDAP_BASE_DN``, ``LDAP_BIND_DN`` and
    ``LDAP_BIND_PASSWORD`` (the service account; anonymous when unset), ``LDAP_USER_FILTER``
    (which entries are people, default ``(objectClass=inetOrgPerson)``),
    ``LDAP_USER_DN_PATTERN`` (bind straight to ``uid={username},ou=people,…`` instead of
    search-then-bind), ``LDAP_GROUP_BASE`` and ``LDAP_GROUP_FILTER``, the attribute names
    ``LDAP_UID_ATTRIBUTE`` / ``LDAP_NAME_ATTRIBUTE`` / ``LDAP_MAIL_ATTRIBUTE`` (Active Directory:
    ``sAMAccountName`` / ``displayName`` / ``mail``), ``LDAP_START_TLS``, ``LDAP_CA_FILE`` and
    ``LDAP_TIMEOUT`` (seconds, for connecting and for each answer; default 5).
    """

    name = "directorio"
    settings = (
        "LDAP_URL", "LDAP_BASE_DN", "LDAP_BIND_DN", "LDAP_BIND_PASSWORD", "LDAP_USER_FILTER",
        "LDAP_USER_DN_PATTERN", "LDAP_GROUP_BASE", "LDAP_GROUP_FILTER", "LDAP_UID_ATTRIBUTE",
        "LDAP_NAME_ATTRIBUTE", "LDAP_MAIL_ATTRIBUTE", "LDAP_START_TLS", "LDAP_CA_FILE", "LDAP_TIMEOUT",
    )
    secrets = ("LDAP_BIND_PASSWORD",)
    #: ldap3 client strategy; unit tests use ``ldap3.MOCK_SYNC``.
    client_strategy: str = ldap3.SYNC

    def __init__(self, config: Mapping[str, Any] | None = None) -> None:
        super().__init__(config)
        self._settings = _Settings.parse(self.config)
        self._server_instance: ldap3.Server | None = None

    # -- what the fronts call ------------------------------------------------------------

    def authenticate(self, username: str, password: str) -> Person | None:
        """Check a staff member's password with a bind as that person.

        :param username: the user id typed at sign-in.
        :param password: the password typed; an empty one is refused without asking the
            server, since many servers treat "DN + empty password" as an anonymous bind
            that succeeds.
        :return: the person when the password is right; ``None`` otherwise.
        :raises TemporaryError: when the directory cannot be reached.
        """
        if not _usable(username) or not isinstance(password, str) or not password:
            return None
        s = self._settings
        if s.user_dn_pattern:
            dn = s.user_dn_pattern.format(username=escape_rdn(username))
            with self._connection(dn, password) as conn:
                if conn is None:
                    return None
                found = self._lookup(conn, self._user_filter(s.uid_attribute, username), username)
            # The bind proved the password even when the person may not read their own entry.
            return found or Person(uid=username, name=username, email=None)
        with self._connection() as service:
            entry = self._single_entry(service, self._user_filter(s.uid_attribute, username))
        if entry is None:
            return None
        with self._connection(entry["dn"], password) as conn:
            return None if conn is None else self._person(entry["attributes"])

    def find_person(self, uid_or_email: str) -> Person | None:
        """Find a person by user id or by e-mail address.

        :param uid_or_email: a user id (``jperez``) or an e-mail (``jperez@smt.gob.ar``).
        :return: the person, or ``None`` when nobody (or more than one person) matches.
        :raises TemporaryError: when the directory cannot be reached.
        """
        if not _usable(uid_or_email):
            return None
        s = self._settings
        value = escape_filter_chars(uid_or_email)
        either = f"(|({s.uid_attribute}={value})({s.mail_attribute}={value}))"
        with self._connection() as conn:
            return self._lookup(conn, f"(&{s.user_filter}{either})", uid_or_email)

    def groups_of(self, uid: str) -> list[str]:
        """Return the names of the groups a person belongs to (empty when unknown).

        :raises TemporaryError: when the directory cannot be reached.
        """
        if not _usable(uid):
            return []
        with self._connection() as conn:
            person = self._lookup(conn, self._user_filter(self._settings.uid_attribute, uid), uid)
        return list(person.groups) if person else []

    def group_members(self, group: str) -> list[Person]:
        """Return the members of a group, sorted by user id (empty when there is no such group).

        :param group: the group's name, the first RDN value of its DN (``mesa_entradas``).
        :raises TemporaryError: when the directory cannot be reached.
        """
        with self._connection() as conn:
            group_dn = self._group_dn(conn, group)
            if group_dn is None:
                return []
            members = f"(&{self._settings.user_filter}(memberOf={escape_filter_chars(group_dn)}))"
            people = [self._person(e["attributes"]) for e in self._search(conn, self._settings.base_dn, members)]
        return sorted((p for p in people if p.uid), key=lambda p: p.uid)

    def group_exists(self, group: str) -> bool:
        """Tell whether the directory has a group of that name.

        :raises TemporaryError: when the directory cannot be reached.
        """
        with self._connection() as conn:
            return self._group_dn(conn, group) is not None

    # -- what BPMN calls ------------------------------------------------------------------

    @operation(params=_one_text_param("usuario"), result=FOUND_RESULT, timeout=15.0)
    def buscar_persona(self, params: JSON, context: ConnectorContext) -> JSON:
        """Find a staff member by user id or e-mail: name, e-mail and groups."""
        person = self.find_person(params["usuario"])
        if person is None:
            return {"encontrado": False, "usuario": None, "nombre": None, "email": None, "grupos": []}
        return {"encontrado": True, "usuario": person.uid, "nombre": person.name, "email": person.email,
                "grupos": list(person.groups)}

    @operation(params=_one_text_param("grupo"), result=MEMBERS_RESULT, timeout=15.0)
    def miembros_grupo(self, params: JSON, context: ConnectorContext) -> JSON:
        """List the members of a staff group (user id, name, e-mail)."""
        group = params["grupo"]
        members = self.group_members(group)
        exists = bool(members) or self.group_exists(group)
        return {
            "grupo": group,
            "existe": exists,
            "miembros": [{"usuario": p.uid, "nombre": p.name, "email": p.email} for p in members],
        }

    # -- plumbing ---------------------------------------------------------------------------

    def _server(self) -> ldap3.Server:
        if self._server_instance is None:
            s = self._settings
            if not s.url:
                raise DirectoryConfigError("El directorio no está configurado (falta LDAP_URL).")
            tls = None
            if s.start_tls or s.url.lower().startswith("ldaps://"):
                # Never talk TLS without checking the certificate.
                tls = ldap3.Tls(validate=ssl.CERT_REQUIRED, ca_certs_file=s.ca_file)
            self._server_instance = ldap3.Server(s.url, connect_timeout=s.timeout, get_info=ldap3.NONE, tls=tls)
        return self._server_instance

    @contextmanager
    def _connection(self, user: str | None = None, password: str | None = None) -> Iterator[Any]:
        """Yield a bound connection, or ``None`` when ``user``'s password is refused.

        Without ``user`` it binds as the service account (anonymously when none is set); the
        service account being refused is a configuration error, not a wrong password. A
        person's bind refused for any lasting reason (wrong password, locked account) is
        ``None``.
        """
        s = self._settings
        as_service = user is None
        if as_service:
            user, password = s.bind_dn, s.bind_password
        # receive_timeout must be whole seconds: ldap3 packs it into SO_RCVTIMEO as integers.
        conn = ldap3.Connection(
            self._server(), user=user, password=password, client_strategy=self.client_strategy,
            receive_timeout=math.ceil(s.timeout), read_only=True, auto_referrals=False, raise_exceptions=False,
        )
        with self._translate_errors():
            try:
                conn.open()
                if s.start_tls and not conn.server.ssl and not conn.start_tls():
                    raise DirectoryConfigError("El directorio rechazó StartTLS.")
                bound = conn.bind()
                if not bound:
                    self._raise_for_bind(conn.result, as_service=as_service)
                yield conn if bound else None
            finally:
                with suppress(ldap_errors.LDAPException):
                    conn.unbind()  # a failed goodbye must not mask the answer already read
                if conn.closed and conn.socket is not None:
                    conn.socket.close()  # ldap3 2.9.1 leaves the socket of a failed connect open

    @contextmanager
    def _translate_errors(self) -> Iterator[None]:
        try:
            yield
        except (ssl.SSLError, ldap_errors.LDAPStartTLSError, ldap_errors.LDAPSSLConfigurationError) as e:
            # First: for a failed handshake ldap3 raises a class derived from both its socket
            # error and the ssl error, and a certificate that does not verify is configuration,
            # not a network hiccup.
            raise DirectoryConfigError("No se pudo establecer TLS con el directorio.", detail=str(e)) from e
        except (ldap_errors.LDAPCommunicationError, ldap_errors.LDAPResponseTimeoutError) as e:
            raise TemporaryError(UNAVAILABLE, detail=type(e).__name__) from e
        except ldap_errors.LDAPException as e:
            raise PermanentError("El directorio respondió con un error.", detail=type(e).__name__) from e

    @staticmethod
    def _raise_for(result: Mapping[str, Any]) -> None:
        detail = result.get("description")
        if result.get("result") in TEMPORARY_RESULTS:
            raise TemporaryError(UNAVAILABLE, detail=detail)
        raise PermanentError("El directorio respondió con un error.", detail=detail)

    @classmethod
    def _raise_for_bind(cls, result: Mapping[str, Any], *, as_service: bool) -> None:
        if result.get("result") in TEMPORARY_RESULTS:
            cls._raise_for(result)
        if as_service:
            raise DirectoryConfigError("El directorio rechazó la cuenta de servicio (LDAP_BIND_DN).",
                                       detail=result.get("description"))

    def _search(self, conn: Any, base: str, search_filter: str) -> list[dict[str, Any]]:
        s = self._settings
        attributes = [s.uid_attribute, s.name_attribute, s.mail_attribute, "memberOf"]
        with self._translate_errors():
            conn.search(base, search_filter, search_scope=ldap3.SUBTREE, attributes=attributes,
                        size_limit=1000, time_limit=int(s.timeout) or 1)
        code = conn.result.get("result")
        if code not in (results.RESULT_SUCCESS, results.RESULT_SIZE_LIMIT_EXCEEDED, results.RESULT_NO_SUCH_OBJECT):
            self._raise_for(conn.result)
        return [e for e in (conn.response or []) if e.get("type") == "searchResEntry"]

    def _single_entry(self, conn: Any, search_filter: str, wanted: str | None = None) -> dict[str, Any] | None:
        entries = self._search(conn, self._settings.base_dn, search_filter)
        if len(entries) > 1 and wanted is not None:
            # "uid or e-mail" may match one person's uid and another's e-mail: the uid wins.
            uid = self._settings.uid_attribute
            entries = [e for e in entries if (_first(e["attributes"], uid) or "").lower() == wanted.lower()]
        return entries[0] if len(entries) == 1 else None

    def _lookup(self, conn: Any, search_filter: str, wanted: str) -> Person | None:
        entry = self._single_entry(conn, search_filter, wanted)
        return None if entry is None else self._person(entry["attributes"])

    def _user_filter(self, attribute: str, value: str) -> str:
        return f"(&{self._settings.user_filter}({attribute}={escape_filter_chars(value)}))"

    def _group_dn(self, conn: Any, group: str) -> str | None:
        if not _usable(group):
            return None
        s = self._settings
        with self._translate_errors():
            conn.search(s.group_base, f"(&{s.group_filter}(cn={escape_filter_chars(group)}))",
                        search_scope=ldap3.SUBTREE, attributes=[], size_limit=2, time_limit=int(s.timeout) or 1)
        found = [e["dn"] for e in (conn.response or []) if e.get("type") == "searchResEntry"]
        return found[0] if len(found) == 1 else None

    def _person(self, attributes: Mapping[str, Any]) -> Person:
        s = self._settings
        uid = _first(attributes, s.uid_attribute) or ""
        return Person(
            uid=uid,
            name=_first(attributes, s.name_attribute) or uid,
            email=_first(attributes, s.mail_attribute),
            groups=tuple(sorted(self._group_names(_all(attributes, "memberOf")))),
        )

    def _group_names(self, group_dns: list[str]) -> Iterator[str]:
        base = _dn_key(self._settings.group_base) if self._settings.group_base else ()
        for dn in group_dns:
            try:
                key = _dn_key(dn)
            except ldap_errors.LDAPInvalidDnError:
                continue
            if key and (not base or (len(key) > len(base) and key[-len(base):] == base)):
                yield parse_dn(dn, strip=True)[0][1]
