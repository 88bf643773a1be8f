"""Login and the current user (ENGINEERING rule 7)."""

from __future__ import annotations

from flask import request

from directory.domain.directory import PersonRecord
from directory.domain.login_throttling import client_key
from gateway.api.metrics import LOGINS_FAILED, LOGINS_THROTTLED
from gateway.api.registry import Api, Call, bearer_token
from gateway.api.schemas.auth import LoginIn, MeOut, TokenOut
from gateway.bootstrap import Gateway
from gateway.service_layer.auth import InvalidCredentials, LoginThrottled


def me_out(record: PersonRecord) -> MeOut:
    person = record.person
    return MeOut(
        username=person.username,
        name=person.name,
        department_code=person.department_code,
        roles=list(person.roles),
        headed_departments=list(record.headed_departments),
        superior_username=person.superior_username,
        post=person.post,
        grade=person.grade,
    )


def register_auth_routes(api: Api, gateway: Gateway) -> None:
    @api.route(
        "POST",
        "/api/v1/auth/login",
        summary="Log in and get an access token",
        tag="auth",
        body=LoginIn,
        response=TokenOut,
        auth=False,
        problems=(401, 429),
        description=(
            "Five failed logins for a username within 15 minutes lock it (429 with "
            "Retry-After) for the clients that failed, even for the right password, until "
            "the window passes; a client that has not failed may still log in. A client "
            "address that keeps failing across usernames waits longer after each failure."
        ),
    )
    def login(call: Call) -> TokenOut:
        body: LoginIn = call.body
        try:
            token = gateway.auth.login(
                body.username, body.password, client_key(request.remote_addr)
            )
        except LoginThrottled as exc:
            LOGINS_THROTTLED.labels(exc.reason).inc()
            raise
        except InvalidCredentials:
            LOGINS_FAILED.inc()
            raise
        return TokenOut(access_token=token.token, expires_in=token.expires_in)

    @api.route(
        "POST",
        "/api/v1/auth/refresh",
        summary="Renew an access token",
        tag="auth",
        response=TokenOut,
        auth=False,
        problems=(401,),
        description=(
            "Send a valid (unexpired, unrevoked) access token as `Authorization: Bearer …` "
            "and get a new one with a fresh lifetime. A session ends 12 hours after its "
            "password login; a password, role or activity change ends it at once."
        ),
    )
    def refresh(call: Call) -> TokenOut:
        token = gateway.auth.refresh(bearer_token())
        return TokenOut(access_token=token.token, expires_in=token.expires_in)

    @api.route("GET", "/api/v1/me", summary="The logged-in person", tag="auth", response=MeOut)
    def me(call: Call) -> MeOut:
        assert call.caller is not None
        return me_out(call.caller.record)
