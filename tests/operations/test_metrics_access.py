"""``/metrics`` is for the city's monitoring: its addresses, or its token; everyone else is refused."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from flask import Flask

OUTSIDE = "203.0.113.7"  # TEST-NET-3: an address of nobody's monitoring
PROXY = "10.0.0.2"
TOKEN = "token-de-monitoreo-de-prueba"


def _get(app: Flask, address: str, **headers: str) -> Any:
    return app.test_client().get("/metrics", headers=headers, environ_base={"REMOTE_ADDR": address})


def test_the_loopback_reads_the_metrics_by_default(make_app: Callable[..., Flask]) -> None:
    answer = _get(make_app(), "127.0.0.1")
    assert answer.status_code == 200
    assert answer.content_type.startswith("text/plain; version=")
    assert 'tramites_dependency_up{dependency="database"} 1.0' in answer.get_data(as_text=True)
    assert answer.headers["Cache-Control"] == "no-store"


def test_an_anonymous_caller_from_outside_is_refused_with_a_problem(make_app: Callable[..., Flask]) -> None:
    answer = _get(make_app(), OUTSIDE)
    assert answer.status_code == 403 and answer.mimetype == "application/problem+json"
    assert "TRAMITES_METRICS_ADDRESSES" in answer.get_json()["detail"]
    assert "tramites_" not in answer.get_data(as_text=True)


def test_where_a_token_is_set_an_outsider_is_asked_for_it(make_app: Callable[..., Flask]) -> None:
    app = make_app(METRICS_TOKEN=TOKEN)
    asked = _get(app, OUTSIDE)
    assert asked.status_code == 401 and asked.mimetype == "application/problem+json"
    assert asked.headers["WWW-Authenticate"].startswith("Bearer")
    assert _get(app, OUTSIDE, Authorization="Bearer otro-token").status_code == 401
    assert _get(app, OUTSIDE, Authorization=f"Bearer {TOKEN}").status_code == 200


def test_a_wrong_token_is_refused_even_from_an_allowed_address(make_app: Callable[..., Flask]) -> None:
    app = make_app(METRICS_TOKEN=TOKEN)
    assert _get(app, "127.0.0.1", Authorization="Bearer otro-token").status_code == 401
    assert _get(app, "127.0.0.1").status_code == 200


def test_a_token_is_worth_nothing_where_none_is_configured(make_app: Callable[..., Flask]) -> None:
    assert _get(make_app(), OUTSIDE, Authorization="Bearer ").status_code == 403
    assert _get(make_app(), OUTSIDE, Authorization="Bearer cualquiera").status_code == 401


def test_the_configured_networks_are_the_ones_allowed(make_app: Callable[..., Flask]) -> None:
    app = make_app(METRICS_ADDRESSES="192.0.2.0/24")
    assert _get(app, "192.0.2.40").status_code == 200
    assert _get(app, "127.0.0.1").status_code == 403  # the loopback only by default
    assert _get(app, "::ffff:192.0.2.40").status_code == 200  # the same host over IPv6


@pytest.mark.parametrize(("peer", "expected"), [(OUTSIDE, 403), (PROXY, 200)])
def test_a_forwarded_address_counts_only_from_a_trusted_proxy(make_app: Callable[..., Flask], peer: str,
                                                              expected: int) -> None:
    app = make_app(TRUSTED_PROXIES=PROXY, METRICS_ADDRESSES="198.51.100.9")
    assert _get(app, peer, **{"X-Forwarded-For": "198.51.100.9"}).status_code == expected


def test_a_client_cannot_pass_for_the_monitoring_through_a_trusted_proxy(make_app: Callable[..., Flask]) -> None:
    """The proxy appends the real client; what the client wrote before it is not believed."""
    app = make_app(TRUSTED_PROXIES=PROXY, METRICS_ADDRESSES="198.51.100.9")
    forged = {"X-Forwarded-For": f"198.51.100.9, {OUTSIDE}"}
    assert _get(app, PROXY, **forged).status_code == 403


def test_the_settings_refuse_a_malformed_network(make_app: Callable[..., Flask]) -> None:
    from engine.settings import ConfigError

    with pytest.raises(ConfigError, match="TRAMITES_METRICS_ADDRESSES"):
        make_app(METRICS_ADDRESSES="la oficina de sistemas")
