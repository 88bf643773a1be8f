"""我的待办: everything waiting for one person, across services, most urgent first."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from web.gateway import Gateway, Problem

OPEN_REPAIR = ("reported", "reopened")


@dataclass
class Todo:
    kind: str  # labels.TODO_KINDS
    title: str
    url: str
    due_at: str | None = None
    overdue: bool = False
    urgent: bool = False
    detail: str = ""
    created_at: str | None = None
    people: list[str] = field(default_factory=list)
    subject_ref: str = ""

    def sort_key(self) -> tuple[int, int, str, str]:
        """Overdue first, then urgent, then the nearest due time; undated last."""
        return (
            0 if self.overdue else 1,
            0 if self.urgent else 1,
            self.due_at or "9999",
            self.created_at or "",
        )


def _parse(value: str | None) -> datetime | None:
    if not value:
        return None
    try:
        moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def _late(due: str | None, now: datetime) -> bool:
    moment = _parse(due)
    return bool(moment and moment < now)


def normal_ref(subject_ref: str) -> str:
    """``facilities/repairs/ID`` and ``repairs/ID`` name the same thing."""
    return subject_ref.removeprefix("facilities/")


def subject_url(subject_ref: str) -> str | None:
    """Where the workbench shows the thing an inbox item is about."""
    ref = normal_ref(subject_ref)
    if ref.startswith("cycle:"):
        return "/performance/cycles/" + ref.removeprefix("cycle:")
    if ref.startswith("info/items/"):
        return "/info/items/" + ref.removeprefix("info/items/").split("/")[0]
    if ref.startswith("archives/loans/"):
        return "/archives/loans"
    if ref.startswith("mentorships/"):
        return "/career/mentoring"
    if ref.startswith("career/applications/"):
        return "/career/applications/" + ref.removeprefix("career/applications/")
    kind, _, ident = ref.partition("/")
    routes = {
        "documents": "/documents/",
        "approvals": "/approvals/",
        "meetings": "/meetings/",
        "repairs": "/facilities/repairs/",
        "requisitions": "/facilities/requisitions/",
    }
    return routes[kind] + ident if kind in routes and ident else None


def _safe(fetch: Any) -> list[dict[str, Any]]:
    """A service that is down or forbids the list leaves the rest of the page working."""
    try:
        return list(fetch())
    except Problem:
        return []


def collect(gateway: Gateway, me: dict[str, Any], now: datetime | None = None) -> list[Todo]:
    now = now or datetime.now(UTC)
    username = str(me.get("username", ""))
    roles = set(me.get("roles") or [])
    todos: list[Todo] = []

    approvals = _safe(lambda: gateway.items("/api/v1/approvals/inbox", limit=300))
    for approval in approvals:
        step = approval.get("current_step") or {}
        todos.append(
            Todo(
                kind="approval",
                title=approval.get("subject", ""),
                url=f"/approvals/{approval['id']}",
                due_at=step.get("due_at"),
                overdue=_late(step.get("due_at"), now),
                urgent=bool(approval.get("urgent")),
                detail=str(approval.get("template", "")),
                created_at=approval.get("created_at"),
                people=[approval.get("requester", "")],
                subject_ref=f"approvals/{approval['id']}",
            )
        )

    for item in _safe(lambda: gateway.items("/api/v1/inbox", limit=300, unread_only="true")):
        ref = str(item.get("subject_ref") or "")
        is_step = str(item.get("kind", "")).startswith("document_step")
        todos.append(
            Todo(
                kind="document" if is_step else "notice",
                title=item.get("title", ""),
                url=f"/inbox/{item['id']}/open",
                due_at=item.get("due_at"),
                overdue=_late(item.get("due_at"), now)
                or item.get("kind") == "document_step_overdue",
                detail=item.get("body", ""),
                created_at=item.get("created_at"),
                subject_ref=ref,
            )
        )

    for action in _safe(lambda: gateway.items("/api/v1/action-items", limit=200)):
        if action.get("status") == "completed":
            continue
        todos.append(
            Todo(
                kind="action_item",
                title=action.get("title", ""),
                url=f"/meetings/{action['meeting_id']}#action-{action['id']}",
                due_at=action.get("due_at") or action.get("due_date"),
                overdue=action.get("status") == "delayed",
                detail=action.get("meeting_topic", ""),
            )
        )

    soon = (now + timedelta(days=14)).isoformat()
    meetings = _safe(
        lambda: gateway.items(
            "/api/v1/meetings", limit=20, mine="true", **{"from": now.isoformat(), "to": soon}
        )
    )
    for meeting in meetings:
        if meeting.get("state") != "scheduled":
            continue
        checklist = _safe(
            lambda m=meeting: gateway.get(f"/api/v1/meetings/{m['id']}/checklist")["milestones"]
        )
        for milestone in checklist:
            if milestone.get("state") != "open" or milestone.get("owner") != username:
                continue
            todos.append(
                Todo(
                    kind="milestone",
                    title=milestone.get("title", ""),
                    url=f"/meetings/{meeting['id']}#checklist",
                    due_at=milestone.get("due_at"),
                    overdue=bool(milestone.get("overdue")),
                    detail=meeting.get("topic", ""),
                )
            )

    for repair in _safe(lambda: gateway.unpaged("/api/v1/repairs")):
        state = repair.get("state")
        if state in OPEN_REPAIR and roles & {"it_support", "admin"}:
            due = repair.get("response_due_at")
        elif state == "responded" and repair.get("assignee") == username:
            due = repair.get("resolve_due_at")
        elif state == "resolved" and repair.get("requester") == username:
            due = None
        else:
            continue
        todos.append(
            Todo(
                kind="repair",
                title=repair.get("title", ""),
                url=f"/facilities/repairs/{repair['id']}",
                due_at=due,
                overdue=_late(due, now),
                urgent=repair.get("severity") == "major",
                detail=repair.get("location", ""),
                created_at=repair.get("reported_at"),
                people=[repair.get("requester", "")],
                subject_ref=f"repairs/{repair['id']}",
            )
        )

    todos.extend(_newer_services(gateway, username, roles, now))

    # A notice about something already on the list (an approval or a repair to act on)
    # would say the same thing twice.
    covered = {normal_ref(t.subject_ref) for t in todos if t.subject_ref and t.kind != "notice"}
    todos = [t for t in todos if not (t.kind == "notice" and normal_ref(t.subject_ref) in covered)]

    todos.sort(key=Todo.sort_key)
    return todos


def _newer_services(gateway: Gateway, username: str, roles: set[str], now: datetime) -> list[Todo]:
    """Archive loans to collect or return, information to triage or act on, and the 360
    ratings of open cycles (SPEC A-03, I-02, I-05, P-05)."""
    from flask_babel import gettext

    found: list[Todo] = []
    for loan in _safe(lambda: gateway.items("/api/v1/archives/loans", limit=100)):
        state = loan.get("state")
        if state not in ("approved", "out"):
            continue
        due = f"{loan['due_date']}T10:00:00+00:00" if loan.get("due_date") else None
        found.append(
            Todo(
                kind="loan",
                title=(
                    gettext("Return archive record %(number)s")
                    if state == "out"
                    else gettext("Collect archive record %(number)s")
                )
                % {"number": loan.get("record_number", "")},
                url=f"/archives/records/{loan.get('record_id', '')}",
                due_at=due if state == "out" else None,
                overdue=bool(loan.get("overdue")) or (state == "out" and _late(due, now)),
                detail=str(loan.get("purpose", "")),
                created_at=loan.get("applied_at"),
                subject_ref=f"archives/loans/{loan.get('id', '')}",
            )
        )
    editor = bool(roles & {"secretariat", "admin"})
    for item in _safe(lambda: gateway.items("/api/v1/info/items", limit=200)):
        action = item.get("action") or {}
        if editor and item.get("status") == "submitted":
            found.append(
                Todo(
                    kind="info",
                    title=gettext("Triage: %(title)s") % {"title": item.get("title", "")},
                    url=f"/info/items/{item['id']}",
                    created_at=item.get("submitted_at"),
                    subject_ref=f"info/items/{item['id']}",
                )
            )
        elif action.get("owner") == username and not action.get("started_at"):
            deadline = action.get("deadline")
            found.append(
                Todo(
                    kind="info",
                    title=gettext("Start the action: %(title)s") % {"title": item.get("title", "")},
                    url=f"/info/items/{item['id']}",
                    due_at=deadline,
                    overdue=_late(deadline, now),
                    detail=str(action.get("acceptance_criterion", "")),
                    subject_ref=f"info/items/{item['id']}",
                )
            )
    cycle_ids = []
    for notice in _safe(lambda: gateway.items("/api/v1/inbox", limit=300)):
        ref = str(notice.get("subject_ref") or "")
        if ref.startswith("cycle:") and ref[6:] not in cycle_ids:
            cycle_ids.append(ref[6:])
    for cycle_id in cycle_ids[:5]:
        cycle = next(
            iter(_safe(lambda c=cycle_id: [gateway.get(f"/api/v1/performance/cycles/{c}")])), None
        )
        closes = (cycle or {}).get("ratings_close_at")
        if not cycle or cycle.get("state") != "open" or (closes and _late(closes, now)):
            continue
        found.append(
            Todo(
                kind="rating",
                title=gettext("360 ratings of %(period)s") % {"period": cycle.get("period", "")},
                url=f"/performance/cycles/{cycle_id}",
                due_at=closes,
                subject_ref=f"cycle:{cycle_id}",
            )
        )
    return found
