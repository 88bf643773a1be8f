"""ENGINEERING rule 11: errors are RFC 9457 problems; gRPC statuses map to HTTP."""

from __future__ import annotations

import pytest

from gateway.problems import (
    GENERIC_DETAIL,
    VALIDATION,
    Problem,
    problem_for_grpc_status,
    validation_problem,
)
from secretariat_shared.errors import FieldError

pytestmark = pytest.mark.unit


def test_problem_has_the_rfc_9457_members() -> None:
    body = Problem(status=404, detail="document 7 not found").body()
    assert body == {
        "type": "about:blank",
        "title": "Not Found",
        "status": 404,
        "detail": "document 7 not found",
    }


def test_validation_problem_lists_field_errors() -> None:
    body = validation_problem(
        [FieldError("code", "must be 2 to 10 uppercase letters"), FieldError("name", "empty")]
    ).body()
    assert body["status"] == 422
    assert body["type"] == VALIDATION
    assert body["errors"] == [
        {"field": "code", "message": "must be 2 to 10 uppercase letters"},
        {"field": "name", "message": "empty"},
    ]


@pytest.mark.parametrize(
    ("code", "status"),
    [
        ("INVALID_ARGUMENT", 422),
        ("NOT_FOUND", 404),
        ("ALREADY_EXISTS", 409),
        ("FAILED_PRECONDITION", 409),
        ("PERMISSION_DENIED", 403),
        ("UNAUTHENTICATED", 401),
        ("UNAVAILABLE", 503),
        ("DEADLINE_EXCEEDED", 504),
        ("INTERNAL", 500),
        ("UNKNOWN", 500),
        ("DATA_LOSS", 500),
    ],
)
def test_grpc_status_maps_to_http_status(code: str, status: int) -> None:
    assert problem_for_grpc_status(code, "boom", "documents").status == status


def test_service_internals_never_reach_the_caller() -> None:
    internal = problem_for_grpc_status("INTERNAL", "Traceback: KeyError at db.py:12", "documents")
    unavailable = problem_for_grpc_status(
        "UNAVAILABLE", "failed to connect to all addresses; 10.0.0.7:50051", "documents"
    )
    assert internal.body()["detail"] == GENERIC_DETAIL
    assert "10.0.0.7" not in unavailable.body()["detail"]
    assert "documents" in unavailable.body()["detail"]


def test_invalid_argument_carries_the_services_field_errors() -> None:
    problem = problem_for_grpc_status(
        "INVALID_ARGUMENT", "invalid", "documents", [FieldError("type_code", "unknown type 13")]
    )
    assert problem.body()["errors"] == [{"field": "type_code", "message": "unknown type 13"}]
