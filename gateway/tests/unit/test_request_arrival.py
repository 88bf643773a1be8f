"""How much of a request the gunicorn worker waits for before a thread takes it
(issue 13: slow clients must not hold threads)."""

from __future__ import annotations

import pytest

from gateway.gunicorn_worker import PREREAD_LIMIT, wanted_bytes

pytestmark = pytest.mark.unit

HEAD = b"POST /api/v1/auth/login HTTP/1.1\r\nHost: x\r\n"


def test_a_head_still_arriving_is_not_handed_to_a_thread() -> None:
    assert wanted_bytes(HEAD) is None


def test_a_small_body_is_awaited_too() -> None:
    request = HEAD + b"Content-Length: 20\r\n\r\n"
    assert wanted_bytes(request) == len(request) + 20


def test_a_request_without_a_body_is_complete_with_its_head() -> None:
    request = b"GET /livez HTTP/1.1\r\nHost: x\r\n\r\n"
    assert wanted_bytes(request) == len(request)


@pytest.mark.parametrize(
    "header",
    [
        b"Transfer-Encoding: chunked\r\n",
        b"Content-Length: 20\r\nExpect: 100-continue\r\n",
        b"Content-Length: %d\r\n" % (PREREAD_LIMIT + 1),
    ],
)
def test_chunked_large_or_expect_continue_bodies_are_left_to_the_thread(header: bytes) -> None:
    request = HEAD + header + b"\r\n"
    assert wanted_bytes(request) == len(request)


def test_a_head_that_never_ends_stops_being_buffered() -> None:
    endless = HEAD + b"X-Pad: " + b"a" * 600_000
    assert wanted_bytes(endless) == len(endless)
