"""Issue 13: a service's metrics port listened on every interface even when its
gRPC port was bound to loopback; ``start_metrics`` now binds where it is told."""

from __future__ import annotations

import socket
import urllib.request

import pytest

from secretariat_shared.observability import start_metrics

pytestmark = pytest.mark.unit


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def other_address() -> str | None:
    """An address of this machine that is not loopback, if it has one."""
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        try:
            s.connect(("192.0.2.1", 9))  # no packet is sent for UDP connect
        except OSError:
            return None
        address = str(s.getsockname()[0])
    return None if address.startswith("127.") else address


def test_metrics_bound_to_loopback_are_not_reachable_from_other_interfaces() -> None:
    port = free_port()
    start_metrics(port, "127.0.0.1")
    with urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics", timeout=5) as reply:
        assert reply.status == 200
    address = other_address()
    if address is None:
        pytest.skip("this machine has no address besides loopback")
    with pytest.raises(ConnectionRefusedError):
        socket.create_connection((address, port), timeout=2).close()
