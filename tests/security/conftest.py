"""Fixtures of the attacks: the staff front's app with role users and a deployed group task, an app
that signs certificates, and the turnero's site."""

from __future__ import annotations

import pytest
from flask import Flask

from tests.appointments.conftest import site  # noqa: F401 - the turnero's site, for guests' links
from tests.documents.conftest import signing_app, signing_p12  # noqa: F401 - the signing app, for certificates
from tests.worklists.helpers import Staffed, staffed


@pytest.fixture
def staff(identity_app: Flask) -> Staffed:
    return staffed(identity_app)
