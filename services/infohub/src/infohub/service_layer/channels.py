"""Delivery channels behind one interface (SPEC X-06).

The inbox is always written; mail or IM channels plug in here and are
called after the inbox item committed. A channel failure never loses the
inbox item.
"""

from __future__ import annotations

import logging
from typing import Protocol

from infohub.domain.notices import InboxItem

log = logging.getLogger(__name__)


class DeliveryChannel(Protocol):
    name: str

    def deliver(self, item: InboxItem) -> None: ...


class LogChannel:
    """Writes each notice to the log; the default until mail or IM is configured."""

    name = "log"

    def deliver(self, item: InboxItem) -> None:
        log.info(
            "notice for %s: %s",
            item.recipient,
            item.title,
            extra={"fields": {"recipient": item.recipient, "kind": item.kind}},
        )
