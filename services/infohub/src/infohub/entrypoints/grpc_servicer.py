"""The Inbox gRPC API (SPEC X-06): each caller sees only their own items."""

from __future__ import annotations

from datetime import UTC

import grpc

from infohub.domain.notices import InboxItem
from infohub.service_layer.inbox import Inbox
from secretariat.infohub.v1 import infohub_pb2, infohub_pb2_grpc
from secretariat_shared.grpc_server import current_identity
from secretariat_shared.paging import page_of


def item_to_proto(item: InboxItem) -> infohub_pb2.InboxItem:
    message = infohub_pb2.InboxItem(
        id=item.id,
        recipient=item.recipient,
        kind=item.kind,
        title=item.title,
        body=item.body,
        subject_ref=item.subject_ref,
        source_event_id=item.source_event_id,
    )
    message.created_at.FromDatetime(item.created_at.astimezone(UTC))
    if item.read_at is not None:
        message.read_at.FromDatetime(item.read_at.astimezone(UTC))
    if item.due_at is not None:
        message.due_at.FromDatetime(item.due_at.astimezone(UTC))
    return message


class InboxServicer(infohub_pb2_grpc.InboxServicer):
    def __init__(self, inbox: Inbox) -> None:
        self._inbox = inbox

    def ListInbox(  # noqa: N802
        self, request: infohub_pb2.ListInboxRequest, context: grpc.ServicerContext
    ) -> infohub_pb2.ListInboxResponse:
        paging = page_of(request.page, request.page_size)
        items, total, unread = self._inbox.list_for(
            current_identity(), request.unread_only, paging.page, paging.page_size
        )
        return infohub_pb2.ListInboxResponse(
            items=[item_to_proto(i) for i in items],
            total=total,
            unread=unread,
            page=paging.page,
            page_size=paging.page_size,
        )

    def MarkRead(  # noqa: N802
        self, request: infohub_pb2.MarkReadRequest, context: grpc.ServicerContext
    ) -> infohub_pb2.InboxItem:
        return item_to_proto(self._inbox.mark_read(current_identity(), request.id))
