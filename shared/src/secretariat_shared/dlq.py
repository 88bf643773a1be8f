"""``secretariat-dlq``: look at, replay or drop a service's dead letters (ENGINEERING rule 5).

A consumer moves a message whose handler kept failing to the service's
dead-letter queue ``<prefix><service>.events.dead`` with the headers
``x-attempts``, ``x-last-error`` and ``x-failed-handler``
(:mod:`secretariat_shared.consumer`). Once the cause is fixed, ``replay``
puts the message back on the service's own queue with a fresh attempt
count; the consumer's ``processed_events`` make a replayed event take
effect once even if some of its handlers had already applied it. ``drop``
removes a message that must never apply.

    secretariat-dlq list   --service infohub
    secretariat-dlq show   --service infohub EVENT_ID
    secretariat-dlq replay --service infohub EVENT_ID... | --all
    secretariat-dlq drop   --service infohub EVENT_ID... | --all

The bus is ``SECRETARIAT_AMQP_URL`` (the service's own setting; ``--bus-url``
overrides it), the queue prefix ``--prefix`` (empty by default, as in every
service). Reading never loses a message: the ones not replayed or dropped
are left unacknowledged, and the broker puts them back when the channel
closes. Runbook: docs/runbooks/events-dead-lettered.md.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any, TextIO

from google.protobuf import json_format

from secretariat_shared.bus import PERSISTENT, BusTopology, Producer, connect
from secretariat_shared.consumer import (
    HEADER_ATTEMPTS,
    HEADER_DEAD_LETTERED_FROM,
    HEADER_FAILED_HANDLER,
    HEADER_LAST_ERROR,
)
from secretariat_shared.events import ReceivedEvent

HEADER_REPLAYED = "x-replayed"
_DEAD_LETTER_HEADERS = (
    HEADER_ATTEMPTS,
    HEADER_LAST_ERROR,
    HEADER_FAILED_HANDLER,
    HEADER_DEAD_LETTERED_FROM,
)


@dataclass(frozen=True)
class DeadLetter:
    """One message of a dead-letter queue, as an operator needs to judge it."""

    event_id: str
    event_type: str
    source: str
    subject: str
    attempts: int
    failed_handler: str
    last_error: str
    headers: dict[str, Any]
    envelope: dict[str, Any]

    @classmethod
    def from_message(cls, message: Any) -> DeadLetter:
        headers = dict(message.headers or {})
        try:
            event = ReceivedEvent.from_bytes(message.body)
            event_id, event_type, source, subject = (
                event.id,
                event.type,
                event.source,
                event.subject,
            )
            envelope = json_format.MessageToDict(event.envelope)
        except Exception as exc:  # an undecodable body is exactly what may be dead-lettered
            event_id = str((message.properties or {}).get("message_id") or "")
            event_type, source, subject = "", "", ""
            envelope = {"undecodable": repr(exc)}
        return cls(
            event_id=event_id,
            event_type=event_type,
            source=source,
            subject=subject,
            attempts=int(headers.get(HEADER_ATTEMPTS, 0) or 0),
            failed_handler=str(headers.get(HEADER_FAILED_HANDLER, "")),
            last_error=str(headers.get(HEADER_LAST_ERROR, "")),
            headers=headers,
            envelope=envelope,
        )


class DeadLetters:
    """The dead-letter queue of one service on one bus."""

    def __init__(self, bus_url: str, service: str, topology: BusTopology | None = None) -> None:
        self._bus_url = bus_url
        self._service = service
        self._topology = topology or BusTopology()

    @property
    def queue_name(self) -> str:
        return self._topology.dead_letter_queue_name(self._service)

    @contextmanager
    def _messages(self) -> Iterator[tuple[Any, list[Any]]]:
        """Every message of the queue, unacknowledged; unsettled ones return on close."""
        connection = connect(self._bus_url)
        try:
            channel = connection.channel()
            queue = self._topology.dead_letter_queue(self._service)(channel)
            queue.declare()
            messages = []
            while (message := queue.get(no_ack=False)) is not None:
                messages.append(message)
            yield connection, messages
        finally:
            connection.release()

    def entries(self) -> list[DeadLetter]:
        with self._messages() as (_, messages):
            return [DeadLetter.from_message(m) for m in messages]

    def show(self, event_id: str) -> DeadLetter | None:
        return next((d for d in self.entries() if d.event_id == event_id), None)

    def replay(self, event_ids: Iterable[str] | None) -> list[str]:
        """Put the chosen messages (``None``: all) back on the service's queue; their ids."""
        wanted = None if event_ids is None else set(event_ids)
        replayed: list[str] = []
        with self._messages() as (_, messages):
            outbound = connect(self._bus_url)
            try:
                producer = Producer(outbound.channel())
                for message in messages:
                    letter = DeadLetter.from_message(message)
                    if wanted is not None and letter.event_id not in wanted:
                        continue
                    headers = {
                        k: v for k, v in letter.headers.items() if k not in _DEAD_LETTER_HEADERS
                    }
                    headers[HEADER_REPLAYED] = int(headers.get(HEADER_REPLAYED, 0) or 0) + 1
                    producer.publish(
                        message.body,
                        exchange="",
                        routing_key=self._topology.queue_name(self._service),
                        delivery_mode=PERSISTENT,
                        content_type=message.content_type,
                        content_encoding=message.content_encoding,
                        headers=headers,
                        message_id=(message.properties or {}).get("message_id"),
                        retry=False,
                    )
                    message.ack()
                    replayed.append(letter.event_id)
            finally:
                outbound.release()
        return replayed

    def drop(self, event_ids: Iterable[str] | None) -> list[str]:
        """Remove the chosen messages (``None``: all) for good; their ids."""
        wanted = None if event_ids is None else set(event_ids)
        dropped: list[str] = []
        with self._messages() as (_, messages):
            for message in messages:
                letter = DeadLetter.from_message(message)
                if wanted is None or letter.event_id in wanted:
                    message.ack()
                    dropped.append(letter.event_id)
        return dropped


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="secretariat-dlq", description="A service's dead-lettered events."
    )
    parser.add_argument("--bus-url", default=os.environ.get("SECRETARIAT_AMQP_URL", ""))
    parser.add_argument("--prefix", default="", help="queue name prefix (empty in production)")
    commands = parser.add_subparsers(dest="command", required=True)
    for name, help_text in (
        ("list", "one line per dead letter: event id, type, attempts, handler, error"),
        ("show", "one dead letter in full: headers and the event as JSON"),
        ("replay", "put dead letters back on the service's queue"),
        ("drop", "remove dead letters for good"),
    ):
        command = commands.add_parser(name, help=help_text)
        command.add_argument("--service", required=True, help="the consuming service")
        if name == "show":
            command.add_argument("event_id")
        elif name in ("replay", "drop"):
            command.add_argument("event_ids", nargs="*", metavar="EVENT_ID")
            command.add_argument("--all", action="store_true", help="every dead letter")
    return parser


def main(argv: Sequence[str] | None = None, out: TextIO | None = None) -> int:
    out = out or sys.stdout
    args = _parser().parse_args(argv)
    if not args.bus_url:
        print("no bus: set SECRETARIAT_AMQP_URL or pass --bus-url", file=sys.stderr)
        return 2
    letters = DeadLetters(args.bus_url, args.service, BusTopology(prefix=args.prefix))
    if args.command == "list":
        found = letters.entries()
        for d in found:
            error = d.last_error.replace("\n", " ")[:120]
            print(
                f"{d.event_id}\t{d.event_type}\tattempts={d.attempts}\t{d.failed_handler}\t{error}",
                file=out,
            )
        print(f"{len(found)} dead letter(s) in {letters.queue_name}", file=out)
        return 0
    if args.command == "show":
        letter = letters.show(args.event_id)
        if letter is None:
            print(f"no dead letter {args.event_id} in {letters.queue_name}", file=sys.stderr)
            return 1
        print(json.dumps(letter.__dict__, ensure_ascii=False, indent=2, default=str), file=out)
        return 0
    if not args.all and not args.event_ids:
        print(f"{args.command}: name EVENT_IDs or pass --all", file=sys.stderr)
        return 2
    chosen = None if args.all else args.event_ids
    done = letters.replay(chosen) if args.command == "replay" else letters.drop(chosen)
    missing = sorted(set(args.event_ids) - set(done))
    verb = "replayed" if args.command == "replay" else "dropped"
    print(f"{verb} {len(done)}: {' '.join(done)}", file=out)
    if missing:
        print(f"not found in {letters.queue_name}: {' '.join(missing)}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
