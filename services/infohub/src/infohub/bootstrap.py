"""Composition root of the information hub (for now: the notification inbox)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import grpc

from infohub.adapters.orm import platform
from infohub.entrypoints.grpc_servicer import InboxServicer
from infohub.service_layer.channels import LogChannel
from infohub.service_layer.inbox import Inbox
from secretariat.infohub.v1 import infohub_pb2, infohub_pb2_grpc
from secretariat_shared.bus import BusTopology, EventPublisher
from secretariat_shared.clock import Clock, clock_from_settings
from secretariat_shared.consumer import EventConsumer
from secretariat_shared.db import Database
from secretariat_shared.grpc_server import GrpcService
from secretariat_shared.identity import IdentityVerifier
from secretariat_shared.relay import OutboxRelay
from secretariat_shared.settings import ServiceSettings
from secretariat_shared.uow import UnitOfWork

SERVICE = "infohub"
MIGRATIONS = Path(__file__).resolve().parents[2] / "migrations"


@dataclass
class InfohubApp:
    settings: ServiceSettings
    clock: Clock
    db: Database
    inbox: Inbox
    consumer: EventConsumer
    relay: OutboxRelay
    grpc_service: GrpcService


def build(
    settings: ServiceSettings, clock: Clock | None = None, topology: BusTopology | None = None
) -> InfohubApp:
    clock = clock or clock_from_settings(settings.testing, settings.clock_file)
    topology = topology or BusTopology()
    db = Database(settings.database_url)
    relay = OutboxRelay(
        db,
        platform,
        EventPublisher(settings.amqp_url, topology),
        clock,
        SERVICE,
        idle_interval=settings.relay_interval,
    )

    def uow_factory() -> UnitOfWork:
        return UnitOfWork(db, platform, SERVICE, clock, on_commit=relay.wake)

    inbox = Inbox(uow_factory, db, clock, channels=[LogChannel()], timezone=settings.timezone)
    consumer = EventConsumer(settings.amqp_url, topology, SERVICE, db, platform, uow_factory)
    consumer.subscribe(
        "documents.step.assigned", "inbox.document_step_assigned", inbox.on_document_step_assigned
    )
    consumer.subscribe(
        "documents.step.overdue", "inbox.document_step_overdue", inbox.on_document_step_overdue
    )
    consumer.subscribe(
        "*.notification.requested", "inbox.notification_requested", inbox.on_notification_requested
    )
    servicer = InboxServicer(inbox)

    def add_servicers(server: grpc.Server) -> None:
        infohub_pb2_grpc.add_InboxServicer_to_server(servicer, server)

    grpc_service = GrpcService(
        name=SERVICE,
        verifier=IdentityVerifier(
            settings.identity_public_key, clock, settings.internal_token_secret
        ),
        register=add_servicers,
        service_names=[infohub_pb2.DESCRIPTOR.services_by_name["Inbox"].full_name],
        host=settings.grpc_host,
        port=settings.grpc_port,
        max_workers=settings.worker_threads,
        workers=[relay, consumer],
    )
    return InfohubApp(settings, clock, db, inbox, consumer, relay, grpc_service)
