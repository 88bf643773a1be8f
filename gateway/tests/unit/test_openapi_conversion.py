"""/docs renders an OpenAPI 3.0 rendition of the 3.1 document (Swagger UI 4 reads only 3.0)."""

from __future__ import annotations

import json

import pytest

from gateway.api.openapi import _schema_30

pytestmark = pytest.mark.unit


def test_nullable_unions_become_nullable_flags() -> None:
    schema = {"anyOf": [{"type": "string"}, {"type": "null"}], "default": None}
    assert _schema_30(schema) == {"type": "string", "nullable": True, "default": None}


def test_nullable_reference_is_wrapped_in_all_of() -> None:
    schema = {"anyOf": [{"$ref": "#/components/schemas/A"}, {"type": "null"}]}
    assert _schema_30(schema) == {"allOf": [{"$ref": "#/components/schemas/A"}], "nullable": True}


def test_31_only_keywords_are_rewritten() -> None:
    schema = {
        "type": "object",
        "properties": {
            "token_type": {"const": "Bearer", "type": "string"},
            "n": {"type": "number", "exclusiveMinimum": 0, "examples": [3]},
        },
    }
    converted = json.dumps(_schema_30(schema))
    assert '"const"' not in converted
    assert '"examples"' not in converted
    assert '"exclusiveMinimum": true' in converted
