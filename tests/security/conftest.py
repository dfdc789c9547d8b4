"""Fixtures of the attacks: the staff front's app with role users and a deployed group task."""

from __future__ import annotations

import pytest
from flask import Flask

from tests.worklists.helpers import Staffed, staffed


@pytest.fixture
def staff(identity_app: Flask) -> Staffed:
    return staffed(identity_app)
