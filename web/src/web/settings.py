"""The workbench's configuration, read from the environment."""

from __future__ import annotations

import os
import secrets
from dataclasses import dataclass


@dataclass(frozen=True)
class WebSettings:
    gateway_url: str
    secret_key: str
    secure_cookies: bool = True
    session_minutes: int = 480
    timezone: str = "Asia/Shanghai"

    @classmethod
    def from_env(cls) -> WebSettings:
        """SECRETARIAT_WEB_GATEWAY_URL is required; a missing secret key gets a random one
        (sessions then end when the process restarts)."""
        url = os.environ.get("SECRETARIAT_WEB_GATEWAY_URL", "").rstrip("/")
        if not url:
            raise SystemExit("SECRETARIAT_WEB_GATEWAY_URL is not set (the gateway's base URL)")
        return cls(
            gateway_url=url,
            secret_key=os.environ.get("SECRETARIAT_WEB_SECRET_KEY") or secrets.token_urlsafe(32),
            secure_cookies=os.environ.get("SECRETARIAT_WEB_SECURE_COOKIES", "1") != "0",
            session_minutes=int(os.environ.get("SECRETARIAT_WEB_SESSION_MINUTES", "480")),
            timezone=os.environ.get("SECRETARIAT_WEB_TIMEZONE") or "Asia/Shanghai",
        )
