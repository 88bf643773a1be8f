"""Field errors as the standard ``google.rpc.BadRequest`` status detail.

Services send them with INVALID_ARGUMENT (bounded to
:data:`~secretariat_shared.contract.check.MAX_VIOLATIONS`, so trailing
metadata never overflows); the gateway reads them back into a problem's
``errors``.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import grpc
from google.protobuf import any_pb2
from google.rpc import code_pb2, error_details_pb2, status_pb2
from grpc_status import rpc_status

from secretariat_shared.contract.check import MAX_VIOLATIONS
from secretariat_shared.errors import FieldError

LANGUAGE_METADATA = "accept-language"


def bad_request(
    message: str,
    errors: Sequence[FieldError],
    locale: str = "",
    code: int = code_pb2.INVALID_ARGUMENT,
) -> Any:
    """A ``grpc.Status`` for INVALID_ARGUMENT (or ``code``, e.g. ALREADY_EXISTS for a
    taken key) carrying the field violations."""
    detail = error_details_pb2.BadRequest(
        field_violations=[
            error_details_pb2.BadRequest.FieldViolation(
                field=error.field[:200], description=error.message[:500]
            )
            for error in list(errors)[:MAX_VIOLATIONS]
        ]
    )
    packed = any_pb2.Any()
    packed.Pack(detail)
    status = status_pb2.Status(code=code, message=message[:1000], details=[packed])
    return rpc_status.to_status(status)


def field_errors_of(error: grpc.RpcError) -> list[FieldError]:
    """The BadRequest field violations an RpcError carries (none when it has no details)."""
    try:
        status = rpc_status.from_call(error)  # type: ignore[arg-type]
    except (ValueError, AttributeError):
        return []
    if status is None:
        return []
    found: list[FieldError] = []
    for detail in status.details:
        if detail.Is(error_details_pb2.BadRequest.DESCRIPTOR):
            request = error_details_pb2.BadRequest()
            detail.Unpack(request)
            found.extend(
                FieldError(violation.field, violation.description)
                for violation in request.field_violations
            )
    return found
