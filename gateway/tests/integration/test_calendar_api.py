"""SPEC X-02 through the gateway: an administrator loads or corrects a year's
holidays and make-up working days while the system runs; the change goes out
as ``directory.calendar.updated`` and starting services read it over the
Directory's ``GetCalendar``."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import grpc
import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from directory.adapters.tables import outbox
from directory.server import directory_service_spec
from gateway.app import gateway_of
from secretariat.directory.v1 import directory_pb2, directory_pb2_grpc, events_pb2
from secretariat_shared.calendar_sync import GrpcCalendarSource
from secretariat_shared.clock import ManualClock
from secretariat_shared.db import Database
from secretariat_shared.events import ReceivedEvent
from secretariat_shared.grpc_server import RunningService
from secretariat_shared.identity import IdentityVerifier, service_token

pytestmark = pytest.mark.integration

Login = Callable[..., dict[str, str]]
SHANGHAI = ZoneInfo("Asia/Shanghai")

SCHEDULE_2027 = {
    "holidays": [{"date": "2027-01-01", "name": "元旦"}]
    + [{"date": f"2027-02-{day:02d}", "name": "春节"} for day in range(6, 15)],
    "workdays": [{"date": "2027-02-20", "name": "春节"}],
}


@pytest.fixture
def clock() -> ManualClock:
    """December 2026: 2027 starts within the 60 days the alert looks ahead."""
    return ManualClock(datetime(2026, 12, 1, 9, tzinfo=SHANGHAI).astimezone(UTC))


def _events(app: Flask) -> list[ReceivedEvent]:
    """The calendar's events in the gateway's outbox (directory changes go there too)."""
    query = (
        select(outbox.c.envelope)
        .where(outbox.c.event_type == "directory.calendar.updated")
        .order_by(outbox.c.id)
    )
    with gateway_of(app).db.reading() as session:
        rows = session.execute(query).scalars().all()
    return [ReceivedEvent.from_bytes(bytes(r)) for r in rows]


def test_x02_years_list_shows_shipped_years_and_the_gap_ahead(
    client: FlaskClient, admin: dict[str, str], clock: ManualClock
) -> None:
    listing = client.get("/api/v1/calendar/years", headers=admin)
    assert listing.status_code == 200, listing.get_json()
    body = listing.get_json()
    assert [y["year"] for y in body["items"]] == list(range(2004, 2027))
    assert body["items"][-1]["source"] == "shipped"
    assert body["years_without_data_ahead"] == [2027]
    assert body["lookahead_days"] == 60

    missing = client.get("/api/v1/calendar/years/2027", headers=admin)
    assert missing.status_code == 404
    year_2026 = client.get("/api/v1/calendar/years/2026", headers=admin).get_json()
    assert {"date": "2026-02-14", "name": "Spring Festival"} in year_2026["workdays"]


def test_x02_admin_loads_2027_and_the_change_is_an_event(
    app: Flask, client: FlaskClient, admin: dict[str, str], clock: ManualClock
) -> None:
    loaded = client.put("/api/v1/calendar/years/2027", json=SCHEDULE_2027, headers=admin)
    assert loaded.status_code == 200, loaded.get_json()
    body = loaded.get_json()
    assert body["source"] == "loaded"
    assert body["updated_by"] == "admin"
    assert len(body["holidays"]) == 10
    assert body["workdays"] == SCHEDULE_2027["workdays"]

    assert client.get("/api/v1/calendar/years/2027", headers=admin).get_json() == body
    listing = client.get("/api/v1/calendar/years", headers=admin).get_json()
    assert listing["years_without_data_ahead"] == []

    [event] = _events(app)
    assert event.type == "directory.calendar.updated"
    update = event.payload_as(events_pb2.CalendarUpdated)
    assert update.year.year == 2027  # type: ignore[attr-defined]
    assert [d.date for d in update.year.workdays] == ["2027-02-20"]  # type: ignore[attr-defined]

    # A correction replaces the whole year and is announced again.
    corrected = dict(SCHEDULE_2027, workdays=[{"date": "2027-02-21", "name": "春节"}])
    again = client.put("/api/v1/calendar/years/2027", json=corrected, headers=admin)
    assert again.status_code == 200
    assert again.get_json()["workdays"] == [{"date": "2027-02-21", "name": "春节"}]
    assert len(_events(app)) == 2


def test_x02_only_admins_load_a_year(
    client: FlaskClient, login: Login, demo_org: None, app: Flask
) -> None:
    clerk = login("zhang.wei")
    assert client.get("/api/v1/calendar/years/2026", headers=clerk).status_code == 200
    refused = client.put("/api/v1/calendar/years/2027", json=SCHEDULE_2027, headers=clerk)
    assert refused.status_code == 403
    assert client.get("/api/v1/calendar/years/2027", headers=clerk).status_code == 404
    assert _events(app) == []


@pytest.mark.parametrize(
    ("body", "field", "message"),
    [
        (
            {"holidays": [{"date": "2028-01-01", "name": "元旦"}]},
            "holidays",
            "2028-01-01 不在 2027 年内",
        ),
        (
            {
                "holidays": [{"date": "2027-02-06", "name": "春节"}],
                "workdays": [{"date": "2027-02-06", "name": "春节"}],
            },
            "workdays",
            "同时被列为节假日和调休工作日",
        ),
        (
            {"holidays": [{"date": "2027-02-06", "name": "春节"}] * 2},
            "holidays",
            "重复列出",
        ),
        ({"holidays": [{"date": "2027-02-30", "name": "春节"}]}, "holidays[0].date", ""),
        ({"workdays": []}, "holidays", ""),
    ],
)
def test_x02_invalid_schedule_is_422_and_nothing_changes(
    app: Flask,
    client: FlaskClient,
    admin: dict[str, str],
    body: dict[str, object],
    field: str,
    message: str,
) -> None:
    response = client.put("/api/v1/calendar/years/2027", json=body, headers=admin)
    assert response.status_code == 422, response.get_json()
    errors = {e["field"]: e["message"] for e in response.get_json()["errors"]}
    assert field in errors, errors
    assert message in errors[field]
    assert client.get("/api/v1/calendar/years/2027", headers=admin).status_code == 404
    assert _events(app) == []


def test_x02_starting_services_read_loaded_years_over_get_calendar(
    client: FlaskClient,
    admin: dict[str, str],
    migrated_database_url: str,
    keypair: tuple[str, str],
    internal_secret: str,
) -> None:
    assert (
        client.put("/api/v1/calendar/years/2027", json=SCHEDULE_2027, headers=admin).status_code
        == 200
    )
    clock = ManualClock()
    database = Database(migrated_database_url)
    verifier = IdentityVerifier(keypair[1], clock, internal_secret)
    running = RunningService(directory_service_spec(database, verifier, clock)).start()
    source = GrpcCalendarSource(
        f"127.0.0.1:{running.port}", lambda: service_token("documents", internal_secret, clock)
    )
    try:
        years = {y.year: y for y in source.years()}
        assert sorted(years) == list(range(2004, 2028))
        assert years[2027].source == "loaded"
        assert len(years[2027].holidays) == 10
        assert years[2026].source == "shipped"

        channel = grpc.insecure_channel(f"127.0.0.1:{running.port}")
        with pytest.raises(grpc.RpcError) as refused:
            directory_pb2_grpc.DirectoryStub(channel).GetCalendar(
                directory_pb2.GetCalendarRequest()
            )
        assert refused.value.code() == grpc.StatusCode.UNAUTHENTICATED
        channel.close()
    finally:
        source.close()
        running.stop()
        database.dispose()
