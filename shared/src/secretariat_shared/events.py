"""The event envelope (ENGINEERING rules 4-6).

Payloads are protobuf messages from ``protos/secretariat/<service>/v1/
events.proto``, packed into ``secretariat.common.v1.EventEnvelope``.
"""

from __future__ import annotations

import builtins
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime

from google.protobuf.message import Message
from opentelemetry import propagate

from secretariat.common.v1 import envelope_pb2


def current_traceparent() -> str:
    carrier: dict[str, str] = {}
    propagate.inject(carrier)
    return carrier.get("traceparent", "")


def make_envelope(
    event_type: str,
    source: str,
    subject: str,
    payload: Message,
    time: datetime,
    event_id: str | None = None,
    traceparent: str | None = None,
) -> envelope_pb2.EventEnvelope:
    envelope = envelope_pb2.EventEnvelope(
        id=event_id or str(uuid.uuid4()),
        type=event_type,
        source=source,
        subject=subject,
        traceparent=current_traceparent() if traceparent is None else traceparent,
    )
    envelope.time.FromDatetime(time.astimezone(UTC))
    envelope.payload.Pack(payload)
    return envelope


@dataclass(frozen=True)
class ReceivedEvent:
    """An event as a consumer sees it: envelope fields plus the unpacked payload."""

    id: str
    type: str
    source: str
    subject: str
    time: datetime
    traceparent: str
    envelope: envelope_pb2.EventEnvelope

    def payload_as(self, message_type: builtins.type[Message]) -> Message:
        message = message_type()
        if not self.envelope.payload.Unpack(message):
            raise TypeError(
                f"event {self.id} of type {self.type} does not carry {message_type.__name__}"
            )
        return message

    @classmethod
    def from_bytes(cls, data: bytes) -> ReceivedEvent:
        envelope = envelope_pb2.EventEnvelope()
        envelope.ParseFromString(data)
        return cls(
            id=envelope.id,
            type=envelope.type,
            source=envelope.source,
            subject=envelope.subject,
            time=envelope.time.ToDatetime(tzinfo=UTC),
            traceparent=envelope.traceparent,
            envelope=envelope,
        )
