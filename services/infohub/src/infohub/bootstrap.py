"""Composition root of the information hub: the notification inbox (X-06) and
the information flow (SPEC I-01..I-06).

The service kit builds the platform (database, relay, consumer, gRPC
server); this module adds the inbox, the information flow, the mail sender,
their event and timer handlers and their API.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from zoneinfo import ZoneInfo

from infohub.adapters.audit_trail import InfohubAuditTrail
from infohub.adapters.orm import platform
from infohub.entrypoints.grpc_servicer import InboxServicer
from infohub.entrypoints.information_servicer import InformationServicer
from infohub.entrypoints.metrics import EffectivenessCollector
from infohub.service_layer.channels import LogChannel
from infohub.service_layer.inbox import Inbox
from infohub.service_layer.information import InformationHub
from infohub.service_layer.mail import MailQueue, MailSender, MailTransport, SmtpTransport
from secretariat.infohub.v1 import (
    infohub_pb2,
    infohub_pb2_grpc,
    information_pb2,
    information_pb2_grpc,
)
from secretariat_shared.bus import BusTopology
from secretariat_shared.calendar import BusinessCalendar
from secretariat_shared.clock import Clock
from secretariat_shared.directory import Directory
from secretariat_shared.service import ServiceApp, ServiceKit, Servicer, Subscription, Wiring
from secretariat_shared.settings import ServiceSettings, setting

SERVICE = "infohub"
CONSUMER_BATCH = 50
"""Notices applied per transaction. Every registration and decision raises
one or more, one transaction each cost ~1–1.4 ms of CPU per registration
(bench, issue 20); a batch waits at most the consumer's 50 ms linger, and a
failing notice is retried alone (secretariat_shared.consumer)."""
MIGRATIONS = Path(__file__).resolve().parents[2] / "migrations"

InfohubApp = ServiceApp


@dataclass(frozen=True)
class InfohubSettings(ServiceSettings):
    """The platform's settings and the SMTP server notices are e-mailed through."""

    smtp_host: str = setting("SMTP server for e-mailed notices; empty: inbox only", "")
    smtp_port: int = setting("SMTP server port", 25)
    smtp_from: str = setting("sender address of notices", "secretariat@localhost")
    smtp_user: str = setting("SMTP login; empty: no login", "")
    smtp_password: str = setting("SMTP password", "")
    smtp_starttls: bool = setting("upgrade the SMTP connection with STARTTLS", False)


def mail_transport_of(settings: ServiceSettings) -> MailTransport | None:
    if not isinstance(settings, InfohubSettings) or not settings.smtp_host:
        return None
    return SmtpTransport(
        settings.smtp_host,
        settings.smtp_port,
        settings.smtp_from,
        settings.smtp_user,
        settings.smtp_password,
        settings.smtp_starttls,
    )


def build(
    settings: ServiceSettings,
    clock: Clock,
    topology: BusTopology | None = None,
    *,
    directory: Directory | None = None,
    calendar: BusinessCalendar | None = None,
    mail_transport: MailTransport | None = None,
) -> InfohubApp:
    kit = ServiceKit(SERVICE, settings, clock, platform, topology=topology)
    directory_of: Callable[[], Directory] = (
        (lambda: directory) if directory is not None else kit.directory
    )

    def directory_email(username: str) -> str:
        """The directory's e-mail of ``username``; none where no directory is wired."""
        if directory is None and not settings.directory_address:
            return ""
        person = directory_of().person(username)
        return person.email if person else ""

    mail = MailQueue(ZoneInfo(settings.timezone), directory_email)
    inbox = Inbox(
        kit.uow, kit.db, clock, channels=[LogChannel()], timezone=settings.timezone, mail=mail
    )
    hub = InformationHub(
        kit.uow,
        kit.db,
        clock,
        directory_of,
        calendar or kit.business_calendar(),
        kit.timers,
        inbox,
        settings.timezone,
    )
    inbox.on_read.append(hub.on_inbox_read)
    sender = MailSender(kit.db, clock, mail_transport or mail_transport_of(settings))
    return kit.assemble(
        Wiring(
            servicers=[
                Servicer.of(infohub_pb2, infohub_pb2_grpc, "Inbox", InboxServicer(inbox)),
                Servicer.of(
                    information_pb2,
                    information_pb2_grpc,
                    "Information",
                    InformationServicer(hub, InfohubAuditTrail(kit.db)),
                ),
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
            timer_handlers={
                "infohub.read_check": hub.on_read_check,
                "infohub.bulletin": hub.on_bulletin_due,
                "infohub.action_reminder": hub.on_action_reminder,
                "infohub.action_escalation": hub.on_action_escalation,
            },
            workers=[sender],
            consumer_batch_size=CONSUMER_BATCH,
            collectors=[EffectivenessCollector(hub)],
            on_serve=[hub.ensure_next_bulletin],
        )
    )
