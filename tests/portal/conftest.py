"""Fixtures of the portal's tests."""

from __future__ import annotations

import pytest
from flask import Flask

from tests.fixtures.identity import Web, password_of
from tests.portal.helpers import deploy


@pytest.fixture
def citizen(identity_app: Flask) -> Web:
    """«ciudadana» signed in, with the test procedure deployed (a module may define its own)."""
    deploy(identity_app)
    web = Web(identity_app.test_client())
    web.sign_in("ciudadana", password_of("ciudadana"))
    return web
