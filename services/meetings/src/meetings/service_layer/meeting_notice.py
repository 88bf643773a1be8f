"""The meeting notice (SPEC M-01, M-02): what it says, who gets it and when it goes out.

The notice goes out when its T-3d milestone falls due (a timer, X-05), not
when the meeting is scheduled; a meeting scheduled after that time sends it
at once (and warns, X-07).
"""

from __future__ import annotations

from datetime import datetime

from meetings.adapters.rooms_repositories import RoomRepository
from meetings.domain.checklist import NOTICE_MILESTONE
from meetings.domain.model import Meeting, MilestoneState
from meetings.service_layer import metrics
from meetings.service_layer.common import SYSTEM, Context, meeting_ref, notify
from secretariat.meetings.v1 import events_pb2
from secretariat_shared.uow import UnitOfWork


def notice_sent(meeting: Meeting) -> bool:
    """Whether the people invited have had the meeting's notice (M-02)."""
    milestone = next((m for m in meeting.milestones if m.key == NOTICE_MILESTONE), None)
    return milestone is None or milestone.state is not MilestoneState.OPEN


def notice_body(ctx: Context, meeting: Meeting, room_name: str) -> str:
    lines = [f"时间 Time: {ctx.span(meeting.start_at, meeting.end_at)}"]
    if room_name:
        lines.append(f"会议室 Room: {room_name}")
    if meeting.video_link:
        lines.append(f"视频会议 Video: {meeting.video_link}")
    lines.append(f"主持 Host: {meeting.host}")
    if meeting.goals:
        lines.append(f"目标 Goals: {meeting.goals}")
    for number, item in enumerate(meeting.agenda, start=1):
        lines.append(
            f"{number}. {item.title}" + (f"（{item.presenter}）" if item.presenter else "")
        )
    return "\n".join(lines)


def send_notices(
    ctx: Context,
    uow: UnitOfWork,
    meeting: Meeting,
    recipients: list[str],
    kind: str,
    label: str,
    sender: str,
) -> None:
    """SPEC M-01/X-06: everyone invited hears of it; a person with a clash is told so."""
    room_name = ""
    if meeting.room_id:
        room = RoomRepository(uow.session).get(meeting.room_id)
        room_name = room.name if room else ""
    body = notice_body(ctx, meeting, room_name)
    title = f"{label}：{meeting.topic}"
    plain = [r for r in recipients if r != sender and r not in meeting.conflicts]
    notify(uow, plain, kind, title, body, meeting.id, meeting.start_at)
    for username, conflicts in meeting.conflicts.items():
        if username not in recipients or username == sender:
            continue
        clash = "；".join(
            f"会议 {c.meeting_id}（{ctx.span(c.start_at, c.end_at)}）" for c in conflicts
        )
        notify(
            uow,
            [username],
            kind,
            title,
            body + f"\n注意 Conflict: 您在该时段已有其他会议 {clash}",
            meeting.id,
            meeting.start_at,
        )


def publish_notice(
    ctx: Context, uow: UnitOfWork, meeting: Meeting, now: datetime, when: str
) -> bool:
    """SPEC M-02: send the notice to everyone invited and tick its milestone off.

    ``when`` is ``at_milestone`` (the timer) or ``short_notice`` (scheduled
    or moved after T-3d). Returns False when it went out already. The caller
    saves the meeting.
    """
    milestone = next((m for m in meeting.milestones if m.key == NOTICE_MILESTONE), None)
    if milestone is None or milestone.state is not MilestoneState.OPEN:
        return False
    milestone.state = MilestoneState.DONE
    milestone.done_at = now
    milestone.done_by = SYSTEM
    milestone.overdue = False
    send_notices(
        ctx, uow, meeting, meeting.people(), "meeting_notice", "会议通知", meeting.organiser
    )
    uow.emit(
        "meetings.milestone.completed",
        meeting.id,
        events_pb2.MilestoneCompleted(
            meeting=meeting_ref(meeting),
            milestone_id=milestone.id,
            key=milestone.key,
            done_by=SYSTEM,
            met_deadline=True,
        ),
    )
    uow.audit(
        SYSTEM,
        "publish_notice",
        "meeting",
        meeting.id,
        {"milestone": milestone.key, "state": "open"},
        {"milestone": milestone.key, "state": "done", "recipients": meeting.people()},
    )
    metrics.NOTICES_PUBLISHED.labels(when).inc()
    return True
