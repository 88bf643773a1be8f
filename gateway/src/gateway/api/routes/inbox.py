"""The caller's notification inbox, routed to the infohub service (SPEC X-06)."""

from __future__ import annotations

from gateway.adapters.proto_json import message_to_dict
from gateway.api.registry import Api, Call
from gateway.api.schemas.inbox import InboxItemOut, InboxList, InboxQuery
from gateway.bootstrap import Gateway
from secretariat.infohub.v1 import infohub_pb2, infohub_pb2_grpc

SERVICE_PROBLEMS = (404, 409, 503, 504)


def register_inbox_routes(api: Api, gateway: Gateway) -> None:
    def call(method: str, request: object, who: Call) -> object:
        assert who.caller is not None
        return gateway.services.call(
            gateway.infohub, infohub_pb2_grpc.InboxStub, method, request, who.caller.identity
        )

    @api.route(
        "GET",
        "/api/v1/inbox",
        summary="My inbox",
        tag="inbox",
        query=InboxQuery,
        response=InboxList,
        problems=SERVICE_PROBLEMS,
    )
    def list_inbox(who: Call) -> InboxList:
        query: InboxQuery = who.query
        request = infohub_pb2.ListInboxRequest(
            unread_only=query.unread_only, page=query.page or 0, page_size=query.page_size or 0
        )
        return InboxList.model_validate(
            message_to_dict(call("ListInbox", request, who))  # type: ignore[arg-type]
        )

    @api.route(
        "POST",
        "/api/v1/inbox/<id>/read",
        summary="Mark an inbox item read",
        tag="inbox",
        response=InboxItemOut,
        problems=SERVICE_PROBLEMS,
    )
    def mark_read(who: Call) -> InboxItemOut:
        request = infohub_pb2.MarkReadRequest(id=who.path["id"])
        return InboxItemOut.model_validate(
            message_to_dict(call("MarkRead", request, who))  # type: ignore[arg-type]
        )
