"""SPEC X-04: the directory's audit trail is searched by the secretariat and the
discipline office like every service's, through the shared audit helper."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from flask.testing import FlaskClient

from directory.seed import SEEDER

pytestmark = pytest.mark.integration

PATH = "/api/v1/directory/audit"


@pytest.mark.usefixtures("demo_org")
def test_x04_the_directory_trail_by_entity_actor_type_and_time(
    client: FlaskClient, admin: dict[str, str], login: Callable[[str, str], dict[str, str]]
) -> None:
    client.patch("/api/v1/people/he.ping", json={"post": "行政主管"}, headers=admin)
    secretariat, discipline = login("zhao.min", "demo"), login("ma.lin", "demo")
    for reader in (secretariat, discipline):
        found = client.get(PATH, query_string={"entity_id": "he.ping"}, headers=reader)
        assert found.status_code == 200, found.get_json()
        body = found.get_json()
        assert [e["action"] for e in body["items"]] == ["person.created", "person.changed"]
        assert body["total"] == 2
        assert '"行政主管"' in body["items"][1]["after_json"]
    by_seeder = client.get(
        PATH,
        query_string={"actor": SEEDER, "entity_type": "department", "page_size": 2},
        headers=discipline,
    ).get_json()
    assert (by_seeder["page_size"], len(by_seeder["items"])) == (2, 2)
    assert by_seeder["total"] >= 5
    none = client.get(PATH, query_string={"to": "2000-01-01"}, headers=discipline).get_json()
    assert none["total"] == 0
    bad = client.get(PATH, query_string={"from": "yesterday"}, headers=discipline)
    assert bad.status_code == 422
    assert bad.get_json()["errors"][0]["field"] == "from"
    assert client.get(PATH, headers=login("he.ping", "demo")).status_code == 403
    assert client.get(PATH).status_code == 401
