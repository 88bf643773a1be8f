"""Issue 19: service accounts over HTTP (the Directory's RPCs, transcoded), the
OAuth 2 client-credentials token endpoint (RFC 6749 §4.4, errors §5.2), and the
token used directly on a gRPC port (the Directory's, whose interceptor is every
service's) for the methods it names only. Audited like every directory change
(SPEC X-04)."""

from __future__ import annotations

import base64
from collections.abc import Callable
from typing import Any

import grpc
import pytest
from flask.testing import FlaskClient

from secretariat.directory.v1 import directory_pb2, directory_pb2_grpc
from secretariat_shared.grpc_clients import CLIENT_AUDIENCE, METHODS_CLAIM

pytestmark = pytest.mark.integration

FORM = "application/x-www-form-urlencoded"
GET_DEPARTMENT = "secretariat.directory.v1.Directory/GetDepartment"
LIST_DEPARTMENTS = "secretariat.directory.v1.Directory/ListDepartments"


def create_account(
    client: FlaskClient, admin: dict[str, str], methods: list[str], client_id: str = "hr-sync"
) -> dict[str, Any]:
    created = client.post(
        "/api/v1/service-accounts",
        json={"client_id": client_id, "name": "人事同步程序", "allowed_methods": methods},
        headers=admin,
    )
    assert created.status_code == 201, created.get_json()
    body: dict[str, Any] = created.get_json()
    return body


def token(client: FlaskClient, **form: str) -> Any:
    return client.post("/api/v1/auth/token", data=form, content_type=FORM)


def basic(client_id: str, secret: str) -> dict[str, str]:
    return {"Authorization": "Basic " + base64.b64encode(f"{client_id}:{secret}".encode()).decode()}


def test_issue19_admin_creates_a_service_account_whose_secret_is_shown_once(
    client: FlaskClient, admin: dict[str, str], login: Callable[..., dict[str, str]], demo_org: None
) -> None:
    created = create_account(client, admin, [GET_DEPARTMENT])
    assert created["client_id"] == "hr-sync"
    assert created["allowed_methods"] == [GET_DEPARTMENT]
    assert created["active"] is True
    assert created["created_by"] == "admin"
    assert len(created["client_secret"]) >= 40

    fetched = client.get("/api/v1/service-accounts/hr-sync", headers=admin).get_json()
    assert fetched["client_secret"] is None
    listed = client.get("/api/v1/service-accounts", headers=admin).get_json()
    assert [a["client_id"] for a in listed["items"]] == ["hr-sync"]
    assert all(a["client_secret"] is None for a in listed["items"])

    # audited, without the secret.
    secretariat = login("zhao.min")
    trail = client.get(
        "/api/v1/directory/audit?entity_type=service_account&entity_id=hr-sync",
        headers=secretariat,
    ).get_json()
    assert [e["action"] for e in trail["items"]] == ["service_account.created"]
    assert created["client_secret"] not in str(trail)

    # Only administrators see or make service accounts.
    assert client.get("/api/v1/service-accounts", headers=secretariat).status_code == 403


def test_issue19_a_bad_service_account_is_refused_with_every_field_and_nothing_made(
    client: FlaskClient, admin: dict[str, str]
) -> None:
    refused = client.post(
        "/api/v1/service-accounts",
        json={
            "client_id": "hr-sync",
            "name": "人事同步程序",
            "allowed_methods": ["secretariat.nowhere.v1.Nothing/Call", "not a method"],
        },
        headers={**admin, "Accept-Language": "en"},
    )
    assert refused.status_code == 422
    fields = {e["field"]: e["message"] for e in refused.get_json()["errors"]}
    assert fields == {
        "allowed_methods[0]": "no service secretariat.nowhere.v1.Nothing",
        "allowed_methods[1]": "must be package.Service/Method or package.Service/*",
    }
    assert client.get("/api/v1/service-accounts", headers=admin).get_json()["total"] == 0

    create_account(client, admin, [GET_DEPARTMENT])
    again = client.post(
        "/api/v1/service-accounts",
        json={"client_id": "hr-sync", "name": "另一个", "allowed_methods": [GET_DEPARTMENT]},
        headers=admin,
    )
    assert again.status_code == 409
    assert [e["field"] for e in again.get_json()["errors"]] == ["client_id"]


def test_issue19_client_credentials_give_a_short_lived_token_for_the_allowed_methods(
    client: FlaskClient, admin: dict[str, str], app: Any
) -> None:
    from gateway.app import gateway_of

    secret = create_account(client, admin, [GET_DEPARTMENT, LIST_DEPARTMENTS])["client_secret"]
    answer = token(
        client, grant_type="client_credentials", client_id="hr-sync", client_secret=secret
    )
    assert answer.status_code == 200, answer.get_json()
    assert answer.headers["Cache-Control"] == "no-store"
    body = answer.get_json()
    assert body["token_type"] == "Bearer"
    assert body["expires_in"] == 600
    assert body["scope"].split() == [GET_DEPARTMENT, LIST_DEPARTMENTS]
    verifier = gateway_of(app).auth._verifier
    identity, claims = verifier.verify_claims(body["access_token"], audience=CLIENT_AUDIENCE)
    assert identity.username == "client:hr-sync"
    assert identity.kind == "client"
    assert not identity.roles
    assert not identity.department_code
    assert claims[METHODS_CLAIM] == [GET_DEPARTMENT, LIST_DEPARTMENTS]

    # HTTP Basic and a narrower scope (RFC 6749 §2.3.1, §3.3).
    narrowed = client.post(
        "/api/v1/auth/token",
        data={"grant_type": "client_credentials", "scope": GET_DEPARTMENT},
        content_type=FORM,
        headers=basic("hr-sync", secret),
    )
    assert narrowed.status_code == 200
    assert narrowed.get_json()["scope"] == GET_DEPARTMENT

    # Never a person's access token on the HTTP API.
    me = client.get("/api/v1/me", headers={"Authorization": f"Bearer {body['access_token']}"})
    assert me.status_code == 401
    departments = client.get(
        "/api/v1/departments", headers={"Authorization": f"Bearer {body['access_token']}"}
    )
    assert departments.status_code == 401


@pytest.mark.parametrize(
    ("form", "status", "error"),
    [
        (
            {"grant_type": "password", "client_id": "hr-sync", "client_secret": "x"},
            400,
            "unsupported_grant_type",
        ),
        ({"client_id": "hr-sync", "client_secret": "x"}, 400, "invalid_request"),
        (
            {"grant_type": "client_credentials", "client_id": "hr-sync", "client_secret": "wrong"},
            401,
            "invalid_client",
        ),
        (
            {"grant_type": "client_credentials", "client_id": "nobody", "client_secret": "x"},
            401,
            "invalid_client",
        ),
        ({"grant_type": "client_credentials"}, 401, "invalid_client"),
        (
            {
                "grant_type": "client_credentials",
                "client_id": "hr-sync",
                "client_secret": "SECRET",
                "scope": LIST_DEPARTMENTS,
            },
            400,
            "invalid_scope",
        ),
        (
            {
                "grant_type": "client_credentials",
                "client_id": "hr-sync",
                "client_secret": "SECRET",
                "scope": "secretariat.directory.v1.Directory/*",
            },
            400,
            "invalid_scope",
        ),
    ],
)
def test_issue19_rfc6749_errors(
    client: FlaskClient, admin: dict[str, str], form: dict[str, str], status: int, error: str
) -> None:
    secret = create_account(client, admin, [GET_DEPARTMENT])["client_secret"]
    form = {k: (secret if v == "SECRET" else v) for k, v in form.items()}
    answer = client.post("/api/v1/auth/token", data=form, content_type=FORM)
    assert answer.status_code == status
    body = answer.get_json()
    assert body["error"] == error
    assert body["error_description"].isascii()
    assert any("\u4e00" <= c <= "\u9fff" for c in body["detail"]), body  # Chinese by default
    if status == 401:
        assert answer.headers["WWW-Authenticate"].startswith("Basic ")
    assert answer.headers["Cache-Control"] == "no-store"


def test_issue19_a_json_body_or_repeated_parameter_is_an_invalid_request(
    client: FlaskClient, admin: dict[str, str]
) -> None:
    as_json = client.post("/api/v1/auth/token", json={"grant_type": "client_credentials"})
    assert (as_json.status_code, as_json.get_json()["error"]) == (400, "invalid_request")
    repeated = client.post(
        "/api/v1/auth/token",
        data="grant_type=client_credentials&grant_type=client_credentials",
        content_type=FORM,
    )
    assert (repeated.status_code, repeated.get_json()["error"]) == (400, "invalid_request")


def test_issue19_disabling_or_rotating_stops_the_old_credentials(
    client: FlaskClient, admin: dict[str, str], login: Callable[..., dict[str, str]], demo_org: None
) -> None:
    old = create_account(client, admin, [GET_DEPARTMENT])["client_secret"]
    rotated = client.post("/api/v1/service-accounts/hr-sync/secret", headers=admin)
    assert rotated.status_code == 200
    new = rotated.get_json()["client_secret"]
    assert new
    assert new != old
    grant = {"grant_type": "client_credentials", "client_id": "hr-sync"}
    assert token(client, **grant, client_secret=old).status_code == 401
    assert token(client, **grant, client_secret=new).status_code == 200

    disabled = client.post("/api/v1/service-accounts/hr-sync/disable", headers=admin)
    assert disabled.status_code == 200
    assert disabled.get_json()["active"] is False
    refused = token(client, **grant, client_secret=new)
    assert (refused.status_code, refused.get_json()["error"]) == (401, "invalid_client")
    assert client.post("/api/v1/service-accounts/hr-sync/secret", headers=admin).status_code == 409
    # Disabling again changes nothing (no second audit entry).
    assert client.post("/api/v1/service-accounts/hr-sync/disable", headers=admin).status_code == 200
    trail = client.get(
        "/api/v1/directory/audit?entity_type=service_account&entity_id=hr-sync",
        headers=login("zhao.min"),
    ).get_json()
    assert sorted(e["action"] for e in trail["items"]) == [
        "service_account.created",
        "service_account.disabled",
        "service_account.secret_rotated",
    ]
    assert new not in str(trail)
    assert old not in str(trail)


def test_issue19_the_token_calls_only_its_methods_on_the_grpc_port(
    client: FlaskClient, admin: dict[str, str], directory_address: str, demo_org: None
) -> None:
    secret = create_account(client, admin, [GET_DEPARTMENT])["client_secret"]
    access = token(
        client, grant_type="client_credentials", client_id="hr-sync", client_secret=secret
    ).get_json()["access_token"]
    bearer = (("authorization", f"Bearer {access}"),)
    with grpc.insecure_channel(directory_address) as channel:
        stub = directory_pb2_grpc.DirectoryStub(channel)
        hr = stub.GetDepartment(directory_pb2.GetDepartmentRequest(code="HR"), metadata=bearer)
        assert hr.name == "人力资源部"
        with pytest.raises(grpc.RpcError) as denied:
            stub.ListPeople(directory_pb2.ListPeopleRequest(), metadata=bearer)
        assert denied.value.code() == grpc.StatusCode.PERMISSION_DENIED
        assert denied.value.details() == (
            "此服务账号无权调用 secretariat.directory.v1.Directory/ListPeople。"
        )
        english = (*bearer, ("accept-language", "en"))
        with pytest.raises(grpc.RpcError) as denied_en:
            stub.ListPeople(directory_pb2.ListPeopleRequest(), metadata=english)
        assert "may not call secretariat.directory.v1.Directory/ListPeople" in (
            denied_en.value.details() or ""
        )
        # A client token is not a forwarded identity, and a person's token is no client token.
        with pytest.raises(grpc.RpcError) as forwarded:
            stub.GetDepartment(
                directory_pb2.GetDepartmentRequest(code="HR"),
                metadata=(("x-secretariat-identity", access),),
            )
        assert forwarded.value.code() == grpc.StatusCode.UNAUTHENTICATED
        person = client.post(
            "/api/v1/auth/login", json={"username": "admin", "password": "admin-secret"}
        ).get_json()["access_token"]
        with pytest.raises(grpc.RpcError) as as_person:
            stub.GetDepartment(
                directory_pb2.GetDepartmentRequest(code="HR"),
                metadata=(("authorization", f"Bearer {person}"),),
            )
        assert as_person.value.code() == grpc.StatusCode.UNAUTHENTICATED


def test_issue19_a_client_token_may_list_the_methods_by_reflection(
    client: FlaskClient, admin: dict[str, str], directory_address: str
) -> None:
    from grpc_reflection.v1alpha import reflection_pb2, reflection_pb2_grpc

    secret = create_account(client, admin, [GET_DEPARTMENT])["client_secret"]
    access = token(
        client, grant_type="client_credentials", client_id="hr-sync", client_secret=secret
    ).get_json()["access_token"]
    with grpc.insecure_channel(directory_address) as channel:
        stub = reflection_pb2_grpc.ServerReflectionStub(channel)
        asked = iter([reflection_pb2.ServerReflectionRequest(list_services="")])
        answers = list(
            stub.ServerReflectionInfo(asked, metadata=(("authorization", f"Bearer {access}"),))
        )
        names = [s.name for s in answers[0].list_services_response.service]
        assert "secretariat.directory.v1.Directory" in names
        with pytest.raises(grpc.RpcError) as anonymous:
            list(
                stub.ServerReflectionInfo(
                    iter([reflection_pb2.ServerReflectionRequest(list_services="")])
                )
            )
        assert anonymous.value.code() == grpc.StatusCode.UNAUTHENTICATED

    # An account with no method of this server learns nothing of it.
    other = create_account(
        client, admin, ["secretariat.documents.v1.DocumentRegistry/ListDocuments"], "doc-sync"
    )["client_secret"]
    elsewhere = token(
        client, grant_type="client_credentials", client_id="doc-sync", client_secret=other
    ).get_json()["access_token"]
    with grpc.insecure_channel(directory_address) as channel:
        stub = reflection_pb2_grpc.ServerReflectionStub(channel)
        with pytest.raises(grpc.RpcError) as denied:
            list(
                stub.ServerReflectionInfo(
                    iter([reflection_pb2.ServerReflectionRequest(list_services="")]),
                    metadata=(("authorization", f"Bearer {elsewhere}"),),
                )
            )
        assert denied.value.code() == grpc.StatusCode.PERMISSION_DENIED
        assert denied.value.details() == "此服务账号无权调用本服务器的任何方法。"


def test_issue19_the_token_endpoint_is_documented_with_its_form_body(client: FlaskClient) -> None:
    document = client.get("/openapi.json").get_json()
    operation = document["paths"]["/api/v1/auth/token"]["post"]
    form = operation["requestBody"]["content"][FORM]["schema"]
    assert form["required"] == ["grant_type"]
    assert {"client_id", "client_secret", "scope"} <= set(form["properties"])
    assert {"200", "400", "401"} <= set(operation["responses"])
    assert {"client_basic": []} in operation["security"]
    assert "/api/v1/service-accounts/{client_id}/secret" in document["paths"]
