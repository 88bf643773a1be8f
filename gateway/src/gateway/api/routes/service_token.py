"""``POST /api/v1/auth/token``: OAuth 2 client credentials (RFC 6749 §4.4) for
service accounts (issue 19). The route only speaks HTTP; checking the client
and choosing the scope is the directory's (:class:`ClientCredentials`)."""

from __future__ import annotations

from typing import Any, Literal

from flask import request
from pydantic import BaseModel, Field

from directory.domain.service_accounts import TokenRequestRefused
from directory.service_layer.service_accounts import ClientCredentials
from gateway.api.registry import Api, Call
from gateway.api.schemas.common import ResponseBody
from gateway.bootstrap import Gateway
from gateway.problems import TYPE_PREFIX, Problem, ProblemError

PATH = "/api/v1/auth/token"
FORM = "application/x-www-form-urlencoded"
NO_STORE = {"Cache-Control": "no-store", "Pragma": "no-cache"}
TITLES = {
    "invalid_request": "Invalid token request",
    "invalid_client": "Client authentication failed",
    "unsupported_grant_type": "Unsupported grant type",
    "invalid_scope": "Invalid scope",
}


class ClientTokenForm(BaseModel):
    """The form body (`application/x-www-form-urlencoded`)."""

    grant_type: str = Field(description="`client_credentials`", examples=["client_credentials"])
    client_id: str | None = Field(None, description="unless sent with HTTP Basic")
    client_secret: str | None = Field(None, description="unless sent with HTTP Basic")
    scope: str | None = Field(
        None,
        description="space-separated methods, each within the account's allowed ones; "
        "default all of them",
        examples=["secretariat.documents.v1.DocumentRegistry/ListDocuments"],
    )


class ClientTokenOut(ResponseBody):
    access_token: str = Field(
        description="EdDSA-signed JWT for the services' gRPC ports "
        "(`authorization: Bearer …` metadata); refused by this HTTP API"
    )
    token_type: Literal["Bearer"] = Field(default="Bearer", description="always `Bearer`")
    expires_in: int = Field(description="seconds until the token expires (600)")
    scope: str = Field(description="the space-separated methods the token may call")


def refused(exc: TokenRequestRefused) -> ProblemError:
    """RFC 6749 §5.2 as problem details: `error` and its ASCII `error_description`
    beside a `detail` in the reader's language."""
    headers = dict(NO_STORE)
    if exc.status == 401:
        headers["WWW-Authenticate"] = 'Basic realm="secretariat", charset="UTF-8"'
    return ProblemError(
        Problem(
            status=exc.status,
            type=TYPE_PREFIX + "oauth-" + exc.error.replace("_", "-"),
            title=TITLES[exc.error],
            detail=exc.description,
            extra={"error": exc.error, "error_description": exc.description},
            headers=headers,
        )
    )


def register_service_token_route(api: Api, gateway: Gateway) -> None:
    grants = ClientCredentials(gateway.db, gateway.signer)

    @api.route(
        "POST",
        PATH,
        summary="Get a service account's token (OAuth 2 client credentials)",
        tag="auth",
        response=ClientTokenOut,
        auth=False,
        problems=(400, 401),
        headers=NO_STORE,
        description=(
            "RFC 6749 §4.4 for the service accounts an administrator created: a form body "
            "`grant_type=client_credentials`, the client id and secret in the form or with "
            "HTTP Basic, optionally `scope`. The token lasts 10 minutes and is accepted only "
            "on the services' gRPC ports, for the methods it names. Errors carry the RFC 6749 "
            "§5.2 `error` code: invalid_request, invalid_client (401), "
            "unsupported_grant_type, invalid_scope. See docs/grpc.md."
        ),
    )
    def client_token(call: Call) -> ClientTokenOut:
        if request.mimetype != FORM:
            raise refused(TokenRequestRefused("invalid_request", f"the body must be {FORM}"))
        try:
            issued = grants.issue(
                request.form.to_dict(flat=False), request.headers.get("Authorization")
            )
        except TokenRequestRefused as exc:
            raise refused(exc) from exc
        return ClientTokenOut(
            access_token=issued.access_token,
            expires_in=issued.expires_in,
            scope=" ".join(issued.scope),
        )


def document_form_body(own_paths: dict[str, dict[str, Any]]) -> dict[str, Any]:
    """Describe the operation's form body and HTTP Basic client authentication, which
    the registry (JSON bodies, bearer tokens) does not; the security scheme it names."""
    operation = own_paths[PATH]["post"]
    operation["requestBody"] = {
        "required": True,
        "content": {FORM: {"schema": ClientTokenForm.model_json_schema()}},
    }
    operation["security"] = [{"client_basic": []}, {}]
    return {
        "client_basic": {
            "type": "http",
            "scheme": "basic",
            "description": "a service account's client id and secret (RFC 6749 §2.3.1)",
        }
    }
