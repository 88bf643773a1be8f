"""Login and the current user."""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from gateway.api.schemas.common import RequestBody, ResponseBody


class LoginIn(RequestBody):
    username: str = Field(min_length=1, max_length=200, examples=["zhang.wei"])
    password: str = Field(min_length=1, max_length=256, examples=["demo"])


class TokenOut(ResponseBody):
    access_token: str = Field(description="EdDSA-signed JWT; send as `Authorization: Bearer …`")
    token_type: Literal["Bearer"] = "Bearer"  # noqa: S105
    expires_in: int = Field(description="seconds until the token expires")


class MeOut(ResponseBody):
    username: str
    name: str
    department_code: str | None
    roles: list[str]
    headed_departments: list[str] = Field(description="departments this person heads")
    superior_username: str | None
    post: str | None = None
    grade: str | None = None
