"""``google.api.http`` path templates: the fields they bind, the same path as a
Werkzeug rule (what an HTTP front matches) and as an OpenAPI path.

Supported: literal segments, ``{field}`` binding a top-level request field
(optionally ``{field=*}``), and a literal suffix after a variable in the
same segment (``/api/v1/meetings/{id}.ics``).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

_VARIABLE = re.compile(r"\{([A-Za-z_][A-Za-z0-9_]*)(?:=\*)?\}")


class UnsupportedTemplate(ValueError):
    pass


@dataclass(frozen=True)
class PathTemplate:
    text: str
    fields: tuple[str, ...]
    rule: str
    openapi_path: str


def parse_template(text: str) -> PathTemplate:
    if not text.startswith("/api/"):
        raise UnsupportedTemplate(f"HTTP paths of services live under /api/: {text}")
    if "{" in _VARIABLE.sub("", text) or "}" in _VARIABLE.sub("", text):
        raise UnsupportedTemplate(f"unsupported path template: {text}")
    fields = tuple(_VARIABLE.findall(text))
    if len(set(fields)) != len(fields):
        raise UnsupportedTemplate(f"a field is bound twice in {text}")
    rule = _VARIABLE.sub(lambda m: f"<{m.group(1)}>", text)
    openapi_path = _VARIABLE.sub(lambda m: "{" + m.group(1) + "}", text)
    return PathTemplate(text=text, fields=fields, rule=rule, openapi_path=openapi_path)
