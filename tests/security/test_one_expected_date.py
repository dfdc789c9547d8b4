"""A case has one expected date: Open311 promises the same day as the tracking page (an app and a
neighbour comparing them never read two different dates for one reclamo)."""

from __future__ import annotations

from datetime import datetime

from flask import Flask

from tests.api.test_open311 import SPEC_POST, _post, api_key, city, signing_p12  # noqa: F401 - its fixtures


def test_open311_and_the_tracking_page_give_the_same_expected_date(city: Flask, api_key: str) -> None:  # noqa: F811
    created = _post(city, {**SPEC_POST, "api_key": api_key})
    assert created.status_code == 201, created.get_json()
    [answer] = created.get_json()
    client = city.test_client()
    [found] = client.get(f"/open311/v2/requests/{answer['service_request_id']}.json").get_json()
    promised = datetime.fromisoformat(found["expected_datetime"]).strftime("%d/%m/%Y")
    tracking = client.get(f"/seguimiento/{answer['token']}").get_data(as_text=True)
    assert promised in tracking, (promised, tracking[tracking.find("estimada"):][:200])
