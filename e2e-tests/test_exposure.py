"""Issue 13: a process listening for gRPC on loopback only still served its
metrics on every interface. Every port of the running system answers on
loopback and refuses connections from the machine's other addresses."""

from __future__ import annotations

import socket

import pytest

from run_system import System

pytestmark = pytest.mark.e2e


def other_address() -> str | None:
    """An address of this machine that is not loopback, if it has one."""
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        try:
            s.connect(("192.0.2.1", 9))  # UDP: nothing is sent
        except OSError:
            return None
        address = str(s.getsockname()[0])
    return None if address.startswith("127.") else address


def test_metrics_ports_bind_like_the_grpc_ports(system: System) -> None:
    address = other_address()
    if address is None:
        pytest.skip("this machine has no address besides loopback")
    for port in system.ports.metrics.values():
        socket.create_connection(("127.0.0.1", port), timeout=5).close()
        with pytest.raises(ConnectionRefusedError):
            socket.create_connection((address, port), timeout=5).close()
