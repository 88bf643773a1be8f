"""Reading an uploaded sealed file and JSON values off the wire (SPEC D-09, issue 10)."""

from __future__ import annotations

import json

from google.protobuf import struct_pb2

from documents.entrypoints.json_values import struct_of, struct_to_json, value_of, value_to_json
from documents.entrypoints.uploads import uploaded_file

FILE = b'{"a": "\xe8\xae\xa2"}\r\n--not-the-boundary\r\n\r\n'


def form(*parts: tuple[str, bytes], boundary: str = "XyZ") -> tuple[str, bytes]:
    body = b""
    for disposition, data in parts:
        body += f"--{boundary}\r\nContent-Disposition: form-data; {disposition}\r\n\r\n".encode()
        body += data + b"\r\n"
    return f'multipart/form-data; boundary="{boundary}"', body + f"--{boundary}--\r\n".encode()


def test_d09_a_raw_body_is_the_file_byte_for_byte() -> None:
    assert uploaded_file("application/json", FILE) == FILE
    assert uploaded_file("", FILE) == FILE


def test_d09_the_file_field_of_a_form_is_the_file_byte_for_byte() -> None:
    content_type, body = form(
        ('name="note"', b"hello"), ('name="file"; filename="sealed.json"', FILE)
    )
    assert uploaded_file(content_type, body) == FILE


def test_d09_otherwise_the_first_file_of_a_form() -> None:
    content_type, body = form(('name="note"', b"hello"), ('name="doc"; filename="x.json"', FILE))
    assert uploaded_file(content_type, body) == FILE
    content_type, body = form(('name="note"', b"hello"))
    assert uploaded_file(content_type, body) == b""


def test_whole_numbers_come_back_as_integers_and_fractions_stay() -> None:
    payload = {"n": 10, "x": 2.5, "list": [1, {"deep": 3}], "none": None, "ok": True}
    text = struct_to_json(struct_of(payload))
    assert json.loads(text) == payload
    assert '"n": 10,' in text or text.endswith('"n": 10}')
    assert '"deep": 3}' in text
    assert value_to_json(value_of(50_000)) == "50000"
    assert value_to_json(value_of(["a", 1])) == '["a", 1]'
    assert value_to_json(struct_pb2.Value()) == "null"
