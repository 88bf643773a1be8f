"""Composition root of the information hub (for now: the notification inbox).

The service kit builds the platform (database, relay, consumer, gRPC
server); this module adds the inbox, its event handlers and its API.
"""

from __future__ import annotations

from pathlib import Path

from infohub.adapters.orm import platform
from infohub.entrypoints.grpc_servicer import InboxServicer
from infohub.service_layer.channels import LogChannel
from infohub.service_layer.inbox import Inbox
from secretariat.infohub.v1 import infohub_pb2, infohub_pb2_grpc
from secretariat_shared.bus import BusTopology
from secretariat_shared.clock import Clock
from secretariat_shared.service import ServiceApp, ServiceKit, Servicer, Subscription, Wiring
from secretariat_shared.settings import ServiceSettings

SERVICE = "infohub"
MIGRATIONS = Path(__file__).resolve().parents[2] / "migrations"

InfohubApp = ServiceApp


def build(
    settings: ServiceSettings, clock: Clock, topology: BusTopology | None = None
) -> InfohubApp:
    kit = ServiceKit(SERVICE, settings, clock, platform, topology=topology)
    inbox = Inbox(kit.uow, kit.db, clock, channels=[LogChannel()], timezone=settings.timezone)
    return kit.assemble(
        Wiring(
            servicers=[
                Servicer.of(infohub_pb2, infohub_pb2_grpc, "Inbox", InboxServicer(inbox)),
            ],
            subscriptions=[
                Subscription(
                    "documents.step.assigned",
                    "inbox.document_step_assigned",
                    inbox.on_document_step_assigned,
                ),
                Subscription(
                    "documents.step.overdue",
                    "inbox.document_step_overdue",
                    inbox.on_document_step_overdue,
                ),
                Subscription(
                    "*.notification.requested",
                    "inbox.notification_requested",
                    inbox.on_notification_requested,
                ),
            ],
        )
    )
