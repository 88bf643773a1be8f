"""A form generated from an approval template's JSON Schema (SPEC D-06, issue 18), and the
payload read back from the submitted form."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from flask_babel import gettext
from werkzeug.datastructures import MultiDict

from web.labels import N_

ROWS = 3  # rows offered for a list of objects (e.g. the items of a requisition)

FIELD_LABELS: dict[str, str] = {
    "appraisal_id": N_("Appraisal"),
    "department_code": N_("Department"),
    "period": N_("Period"),
    "reason": N_("Reason"),
    "second_appeal": N_("Second appeal"),
    "record_ids": N_("Records"),
    "record_id": N_("Record"),
    "record_number": N_("Record number"),
    "purpose": N_("Purpose"),
    "due_date": N_("Due date"),
    "security_class": N_("Security class"),
    "counterparty": N_("Counterparty"),
    "amount": N_("Amount (yuan)"),
    "term": N_("Term"),
    "summary": N_("Summary"),
    "title": N_("Title"),
    "document_id": N_("Document"),
    "document_number": N_("Document number"),
    "category": N_("Category"),
    "description": N_("Description"),
    "receipts": N_("Number of receipts"),
    "to_department": N_("To department"),
    "post": N_("Post"),
    "leave_type": N_("Leave type"),
    "start_date": N_("Start date"),
    "end_date": N_("End date"),
    "days": N_("Days"),
    "supplier": N_("Supplier"),
    "items": N_("Items"),
    "name": N_("Name"),
    "quantity": N_("Quantity"),
    "unit": N_("Unit"),
    "item_code": N_("Item code"),
    "destination": N_("Destination"),
    "estimated_cost": N_("Estimated cost (yuan)"),
    "international": N_("International"),
}
ENUM_LABELS: dict[str, str] = {
    "annual": N_("Annual leave"),
    "sick": N_("Sick leave"),
    "personal": N_("Personal leave"),
    "marriage": N_("Marriage leave"),
    "maternity": N_("Maternity leave"),
    "paternity": N_("Paternity leave"),
    "bereavement": N_("Bereavement leave"),
    "public": N_("Public"),
    "internal": N_("Internal"),
    "confidential": N_("Confidential"),
    "secret": N_("Secret"),
}


def field_label(name: str) -> str:
    text = FIELD_LABELS.get(name)
    return gettext(text) if text else name.replace("_", " ").capitalize()


@dataclass
class Field:
    name: str  # the form field's name: "days", "items-0-quantity"
    label: str
    widget: str  # text | number | date | select | checkbox | textarea | lines
    required: bool = False
    options: list[tuple[str, str]] = field(default_factory=list)
    help: str = ""


@dataclass
class Group:
    """A list of objects: a few rows of the same sub-fields."""

    name: str
    label: str
    columns: list[str]
    rows: list[list[Field]]
    required: bool = False


def _widget(spec: dict[str, Any]) -> tuple[str, list[tuple[str, str]]]:
    if "enum" in spec:
        return "select", [
            (str(v), gettext(ENUM_LABELS[str(v)]) if str(v) in ENUM_LABELS else str(v))
            for v in spec["enum"]
        ]
    kind = spec.get("type")
    if kind in ("integer", "number"):
        return "number", []
    if kind == "boolean":
        return "checkbox", []
    if kind == "array":
        return "lines", []
    if kind == "object":
        return "textarea", []
    if spec.get("format") == "date":
        return "date", []
    if spec.get("maxLength", 0) > 200 or (spec.get("minLength") and spec.get("maxLength", 0) > 200):
        return "textarea", []
    return "text", []


def fields_for(schema: dict[str, Any]) -> list[Field | Group]:
    required = set(schema.get("required", []))
    out: list[Field | Group] = []
    for name, spec in (schema.get("properties") or {}).items():
        items = spec.get("items") if isinstance(spec, dict) else None
        if (
            spec.get("type") == "array"
            and isinstance(items, dict)
            and items.get("type") == "object"
        ):
            inner = items.get("properties") or {}
            inner_required = set(items.get("required", []))
            rows = []
            for row in range(ROWS):
                rows.append(
                    [
                        Field(
                            f"{name}-{row}-{sub}",
                            field_label(sub),
                            _widget(sub_spec)[0],
                            required=row == 0 and sub in inner_required,
                            options=_widget(sub_spec)[1],
                        )
                        for sub, sub_spec in inner.items()
                    ]
                )
            out.append(
                Group(
                    name, field_label(name), [field_label(s) for s in inner], rows, name in required
                )
            )
            continue
        widget, options = _widget(spec)
        help_text = gettext("One per line.") if widget == "lines" else ""
        if spec.get("description") == "yuan" and name not in FIELD_LABELS:
            help_text = gettext("In yuan.")
        out.append(Field(name, field_label(name), widget, name in required, options, help_text))
    return out


def _number(text: str, integer: bool) -> Any:
    try:
        return (
            int(text) if integer else (int(text) if re.fullmatch(r"-?\d+", text) else float(text))
        )
    except ValueError:
        return text  # the API names the field and says why


def payload_from(schema: dict[str, Any], form: MultiDict[str, str]) -> dict[str, Any]:
    payload: dict[str, Any] = {}
    for name, spec in (schema.get("properties") or {}).items():
        kind = spec.get("type")
        items = spec.get("items") if isinstance(spec, dict) else None
        if kind == "array" and isinstance(items, dict) and items.get("type") == "object":
            rows = []
            for row in range(ROWS):
                entry: dict[str, Any] = {}
                for sub, sub_spec in (items.get("properties") or {}).items():
                    text = form.get(f"{name}-{row}-{sub}", "").strip()
                    if text:
                        entry[sub] = _coerce(sub_spec, text)
                if entry:
                    rows.append(entry)
            if rows:
                payload[name] = rows
            continue
        if kind == "boolean":
            payload[name] = form.get(name) == "1"
            continue
        text = form.get(name, "").strip()
        if not text:
            continue
        if kind == "array":
            payload[name] = [line.strip() for line in text.splitlines() if line.strip()]
        else:
            payload[name] = _coerce(spec, text)
    return payload


def _coerce(spec: dict[str, Any], text: str) -> Any:
    if spec.get("type") in ("integer", "number"):
        return _number(text, spec.get("type") == "integer")
    return text


_REQUIRED = re.compile(r"'([^']+)' is a required property")


def payload_errors(errors: dict[str, str]) -> dict[str, str]:
    """The API's ``payload.days`` / ``payload.items.0.quantity`` as this form's field names."""
    out: dict[str, str] = {}
    for name, message in errors.items():
        if name == "payload":
            missing = _REQUIRED.findall(message)
            if missing:
                for prop in missing:
                    out[prop] = gettext("Required")
                continue
            out["_form"] = message
        elif name.startswith("payload."):
            parts = name.split(".")[1:]
            out["-".join(parts)] = message
            out.setdefault(parts[0], message)
        else:
            out[name] = message
    return out


def form_values(schema: dict[str, Any], payload: dict[str, Any]) -> dict[str, str]:
    """A payload as this form's field values (to edit a returned request)."""
    values: dict[str, str] = {}
    for name, spec in (schema.get("properties") or {}).items():
        value = payload.get(name)
        if value is None:
            continue
        items = spec.get("items") if isinstance(spec, dict) else None
        if isinstance(value, list) and isinstance(items, dict) and items.get("type") == "object":
            for row, entry in enumerate(value[:ROWS]):
                for sub, sub_value in (entry or {}).items():
                    values[f"{name}-{row}-{sub}"] = str(sub_value)
        elif isinstance(value, list):
            values[name] = "\n".join(str(v) for v in value)
        elif isinstance(value, bool):
            values[name] = "1" if value else ""
        else:
            values[name] = str(value)
    return values
