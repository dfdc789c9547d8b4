"""The operations tests run the city's procedures on a served platform, as the procedures' tests do."""

from tests.procedures.conftest import make_platform, platform, procedures_signing_p12  # noqa: F401
