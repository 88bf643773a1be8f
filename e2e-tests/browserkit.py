"""Playwright for Python driving Debian's Chromium (never a downloaded browser)."""

from __future__ import annotations

import os
from pathlib import Path

from playwright.sync_api import Page

from e2ekit import password_of

CHROMIUM = os.environ.get("SECRETARIAT_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
ARTIFACTS = Path(__file__).resolve().parent / "artifacts"


def shot(page: Page, name: str) -> Path:
    """Save a full-page screenshot as a test artefact (e2e-tests/artifacts/)."""
    ARTIFACTS.mkdir(exist_ok=True)
    path = ARTIFACTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    return path


def sign_in(page: Page, web_url: str, username: str, password: str | None = None) -> None:
    page.goto(f"{web_url}/login")
    page.fill("#f-username", username)
    page.fill("#f-password", password or password_of(username))
    page.click("main form button[type=submit]")
    page.wait_for_selector("#logout")
