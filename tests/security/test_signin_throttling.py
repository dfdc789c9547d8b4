"""Password guessing is slowed per account and per client address, and cannot be turned against
the account's owner: failures from another address never lock out the right password, and
switching between the account's name and e-mail counts as one account."""

from __future__ import annotations

from collections.abc import Callable

from flask import Flask

from tests.fixtures.identity import Web, password_of


def _from(app: Flask, address: str, forwarded_for: str | None = None) -> Web:
    headers = {"X-Forwarded-For": forwarded_for} if forwarded_for else {}
    client = app.test_client()
    client.environ_base.update({"REMOTE_ADDR": address, **{f"HTTP_{k.upper().replace('-', '_')}": v
                                                           for k, v in headers.items()}})
    return Web(client)


def test_guessing_from_one_address_does_not_lock_the_owner_out_from_another(identity_app: Flask) -> None:
    attacker = _from(identity_app, "203.0.113.9")
    for _ in range(5):
        attacker.sign_in("mesa", "adivinando", expect=400)
    attacker.sign_in("mesa", password_of("mesa"), expect=429)
    _from(identity_app, "198.51.100.4").sign_in("mesa", password_of("mesa"))


def test_the_name_and_the_email_of_one_account_share_one_count(identity_app: Flask) -> None:
    attacker = _from(identity_app, "203.0.113.9")
    for _ in range(5):
        attacker.sign_in("mesa", "adivinando", expect=400)
    attacker.sign_in("MESA@example.com", password_of("mesa"), expect=429)


def test_a_forged_forwarded_for_does_not_escape_the_address_count(identity_app: Flask) -> None:
    """No proxy is trusted: each request's own X-Forwarded-For is ignored, the address locks."""
    for n in range(20):
        _from(identity_app, "203.0.113.9", forwarded_for=f"10.0.0.{n}").sign_in(f"nadie{n}", "x", expect=400)
    _from(identity_app, "203.0.113.9", forwarded_for="10.0.0.99").sign_in("admin", password_of("admin"), expect=429)


def test_behind_a_trusted_proxy_each_client_has_its_own_count(secure_app: Callable[..., Flask]) -> None:
    """Every request reaches the platform from the proxy: the address is the one the proxy forwards."""
    from engine.identity.accounts import ensure_user
    from engine.uow import unit_of_work
    from tests.fixtures.identity import ROLE_USERS  # the role users, as identity_app makes them

    app = secure_app(TRUSTED_PROXIES="10.1.0.0/16")
    with app.app_context(), unit_of_work():
        roles, groups = ROLE_USERS["mesa"]
        ensure_user("mesa", display_name="Mesa", password=password_of("mesa"), roles=roles, groups=groups)
    for n in range(20):
        _from(app, "10.1.0.2", forwarded_for="203.0.113.9, 10.1.0.3").sign_in(f"nadie{n}", "x", expect=400)
    _from(app, "10.1.0.2", forwarded_for="203.0.113.9").sign_in("mesa", password_of("mesa"), expect=429)
    _from(app, "10.1.0.2", forwarded_for="198.51.100.4").sign_in("mesa", password_of("mesa"))
