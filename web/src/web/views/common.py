"""What every page's form handling shares."""

from __future__ import annotations

import uuid
from typing import Any

from flask import flash, request
from flask_babel import gettext

from web.gateway import Problem


def form_errors(problem: Problem) -> dict[str, str]:
    """Field → message, for showing each error beside its field; the rest under ``_form``."""
    errors = dict(problem.errors)
    if not errors or problem.status != 422:
        errors["_form"] = problem.detail or problem.title or gettext("The request failed.")
    return errors


def idempotency() -> dict[str, str]:
    """The form's own key, so a double submit registers once (the gateway honours it)."""
    key = request.form.get("idempotency_key") or str(uuid.uuid4())
    return {"Idempotency-Key": key}


def done(message: str) -> None:
    flash(message, "success")


def integer(value: str | None) -> Any:
    """An integer when the text is one; the text otherwise (the API names the error)."""
    text = (value or "").strip()
    try:
        return int(text)
    except ValueError:
        return text or None
