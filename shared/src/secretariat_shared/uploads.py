"""The file of an upload: a raw request body or a multipart/form-data part.

The gateway hands an RPC whose HTTP body is a `google.api.HttpBody` the
request body as it came, with its content type; reading a form is the
service's business.
"""

from __future__ import annotations

import re

_BOUNDARY = re.compile(r'boundary="?([^";]+)"?', re.IGNORECASE)
_NAME = re.compile(rb'\bname="([^"]*)"', re.IGNORECASE)
_FILENAME = re.compile(rb"\bfilename\*?=", re.IGNORECASE)


def _parts(data: bytes, boundary: bytes) -> list[tuple[bytes, bytes]]:
    """(headers, body) of each part, bodies byte for byte."""
    parts = []
    for chunk in data.split(b"--" + boundary)[1:]:
        if chunk.startswith(b"--"):
            break
        chunk = chunk.removeprefix(b"\r\n")
        headers, separator, body = chunk.partition(b"\r\n\r\n")
        if not separator:
            continue
        parts.append((headers, body.removesuffix(b"\r\n")))
    return parts


def uploaded_file(content_type: str, data: bytes, field: str = "file") -> bytes:
    """The uploaded file: the part named ``field`` (else the first file part) of a
    multipart/form-data body, or the body itself for any other content type."""
    if not content_type.lower().startswith("multipart/form-data"):
        return data
    match = _BOUNDARY.search(content_type)
    if match is None:
        return b""
    parts = _parts(data, match.group(1).encode())
    for headers, body in parts:
        name = _NAME.search(headers)
        if name is not None and name.group(1).decode(errors="replace") == field:
            return body
    for headers, body in parts:
        if _FILENAME.search(headers):
            return body
    return b""
