"""A service whose database does not answer says UNAVAILABLE (the gateway's 503, "try
again later"), not INTERNAL (500): found by the fault suite's database cut (issue 19)."""

from __future__ import annotations

import socket
from pathlib import Path
from typing import Any

import grpc
import pytest
from sqlalchemy import text

from secretariat.infohub.v1 import infohub_pb2, infohub_pb2_grpc
from secretariat_shared.clock import SystemClock
from secretariat_shared.db import Database
from secretariat_shared.grpc_server import DATABASE_UNAVAILABLE
from secretariat_shared.i18n import negotiate, translate
from secretariat_shared.service import Servicer
from secretariat_shared.testing import GrpcServerFactory, person

pytestmark = pytest.mark.integration


class _Inbox(infohub_pb2_grpc.InboxServicer):
    """An inbox that reads its database on every call."""

    def __init__(self, db: Database) -> None:
        self.db = db

    def ListInbox(self, request: Any, context: Any) -> infohub_pb2.ListInboxResponse:
        with self.db.reading() as session:
            session.execute(text("SELECT 1"))
        return infohub_pb2.ListInboxResponse()


def _unreachable(kind: str, tmp_path: Path) -> str:
    if kind == "sqlite":
        return f"sqlite:///{tmp_path / 'no-such-folder' / 'inbox.db'}"
    with socket.socket() as sock:  # a port nobody listens on
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    return f"postgresql+psycopg://postgres@127.0.0.1:{port}/inbox?connect_timeout=5"


@pytest.mark.parametrize("kind", ["sqlite", "postgresql"])
def test_a_call_when_the_database_does_not_answer_is_unavailable(
    kind: str, tmp_path: Path, grpc_server: GrpcServerFactory
) -> None:
    db = Database(_unreachable(kind, tmp_path))
    server = grpc_server(
        servicers=[Servicer.of(infohub_pb2, infohub_pb2_grpc, "Inbox", _Inbox(db))],
        clock=SystemClock(),
    )
    stub = infohub_pb2_grpc.InboxStub(server.channel)
    metadata = (*server.metadata(person("hr.clerk", "HR")), ("accept-language", "zh-CN"))
    try:
        with pytest.raises(grpc.RpcError) as raised:
            stub.ListInbox(infohub_pb2.ListInboxRequest(), metadata=metadata, timeout=20)
    finally:
        db.dispose()
    assert raised.value.code() == grpc.StatusCode.UNAVAILABLE
    assert raised.value.details() == translate(DATABASE_UNAVAILABLE, negotiate("zh-CN"))
    assert raised.value.details() != DATABASE_UNAVAILABLE
