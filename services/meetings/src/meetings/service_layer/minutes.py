"""Minutes with their two SLAs (SPEC M-05) and resolution tracking (M-06)."""

from __future__ import annotations

from collections import Counter as Tally
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

from meetings.adapters.meeting_repository import MeetingRepository
from meetings.adapters.minutes_repositories import ActionItemRepository, MinutesRepository
from meetings.domain.minutes import (
    MINUTES_DISTRIBUTION_HOURS,
    ActionItem,
    ActionItemDraft,
    ActionStatus,
    Minutes,
    MinutesSection,
    MinutesState,
    SlaOutcome,
    due_instant,
    for_coordination,
)
from meetings.domain.model import Meeting, Role, Viewer, can_read_item_minutes, can_see
from meetings.service_layer import metrics
from meetings.service_layer.commands import ListActionItems, SubmitMinutes, UpdateActionItem
from meetings.service_layer.common import (
    MANAGER_ROLES,
    SYSTEM,
    WEEKLY_DIGEST,
    Context,
    audit_classified_read,
    is_manager,
    meeting_ref,
    new_id,
    notify,
    ts,
    viewer_of,
    visible_meeting,
)
from meetings.service_layer.conduct import minutes_timer_key
from secretariat.meetings.v1 import events_pb2
from secretariat_shared.errors import (
    FieldError,
    NotFound,
    PermissionDenied,
    PreconditionFailed,
    ValidationFailed,
)
from secretariat_shared.identity import Identity
from secretariat_shared.paging import MAX_PAGE_SIZE
from secretariat_shared.timers import TimerFiring
from secretariat_shared.uow import UnitOfWork

WRITER_ROLES = (Role.RECORDER, Role.HOST, Role.ORGANISER)
DIGEST_WEEKDAY = 0  # Monday
DIGEST_TIME = time(9, 0)


@dataclass(frozen=True)
class SectionView:
    agenda_item_id: str
    title: str
    key_points: list[str]
    closed_door: bool


@dataclass
class MinutesView:
    """Minutes as one reader may see them (closed-door sections withheld, M-04)."""

    meeting: Meeting
    minutes: Minutes | None
    sections: list[SectionView] = field(default_factory=list)
    action_items: list[ActionItemDraft] = field(default_factory=list)
    withheld_sections: int = 0


@dataclass(frozen=True)
class ActionItemView:
    item: ActionItem
    status: ActionStatus
    meeting_topic: str


def can_see_item(viewer: Viewer, item: ActionItem, meeting: Meeting | None) -> bool:
    """An action item is visible to its owner, and to those who may read its part of
    the minutes (X-03 for the meeting, M-04 for closed-door items)."""
    if viewer.is_service or viewer.username == item.owner:
        return True
    if meeting is None:
        return False
    agenda_item = meeting.agenda_item(item.agenda_item_id) if item.agenda_item_id else None
    return can_read_item_minutes(viewer, meeting, agenda_item)


class MinutesDesk:
    def __init__(self, ctx: Context) -> None:
        self._ctx = ctx

    # -- writing and approving (M-05) --------------------------------------------

    def _may_write(self, actor: Identity, meeting: Meeting) -> bool:
        return actor.is_service or bool(meeting.roles_of(actor.username).intersection(WRITER_ROLES))

    def submit(self, actor: Identity, cmd: SubmitMinutes) -> MinutesView:
        """The recorder hands in the draft: key points per agenda item and action items."""
        with self._ctx.db.reading() as session:
            meeting = visible_meeting(
                MeetingRepository(session).get(cmd.meeting_id), actor, cmd.meeting_id
            )
        if not self._may_write(actor, meeting):
            raise PermissionDenied("the recorder, the host or the organiser writes the minutes")
        sections, drafts = self._validated(actor, meeting, cmd)
        with self._ctx.uow() as uow:
            repo = MinutesRepository(uow.session)
            minutes = repo.get(meeting.id, lock=True)
            if minutes is None:
                raise PreconditionFailed("minutes are written once the meeting has ended")
            if minutes.state is MinutesState.APPROVED:
                raise PreconditionFailed("the minutes are approved and distributed already")
            now = self._ctx.clock.now()
            first = minutes.first_submitted_at is None
            outcome = minutes.submit(actor.username, sections, drafts, now)
            repo.save(minutes)
            self._ctx.timers.cancel(
                uow.session, minutes_timer_key(meeting.id, "minutes-draft"), now
            )
            hours = self._hours_since_end(meeting, now)
            uow.emit(
                "meetings.minutes.submitted",
                meeting.id,
                events_pb2.MinutesSubmitted(
                    meeting=meeting_ref(meeting),
                    submitted_by=actor.username,
                    first_submission=first,
                    met_deadline=minutes.draft_outcome is SlaOutcome.MET,
                    hours_after_end=round(hours, 3),
                ),
            )
            notify(
                uow,
                [meeting.host],
                "meeting_minutes_review",
                f"请审核会议纪要：{meeting.topic}",
                f"{actor.username} 已提交纪要初稿，审核通过后将分发给全体参会人员"
                f"（应于 {self._ctx.local(minutes.distribution_due_at)} 前分发）。",
                meeting.id,
                minutes.distribution_due_at,
            )
            uow.audit(
                actor.username,
                "submit_minutes",
                "meeting",
                meeting.id,
                None,
                {"sections": len(sections), "action_items": len(drafts), "first": first},
            )
            uow.commit()
        if outcome is not None:
            metrics.MINUTES_DRAFT.labels(outcome.value).inc()
        if first:
            metrics.MINUTES_DRAFT_HOURS.observe(hours)
        return self._view(actor, meeting, minutes)

    def _validated(
        self, actor: Identity, meeting: Meeting, cmd: SubmitMinutes
    ) -> tuple[list[MinutesSection], list[ActionItemDraft]]:
        problems: list[FieldError] = []
        sections: list[MinutesSection] = []
        for index, section in enumerate(cmd.sections):
            where = f"sections[{index}]"
            points = [p.strip() for p in section.key_points if p.strip()]
            if not points:
                problems.append(FieldError(f"{where}.key_points", "give at least one key point"))
            item = None
            if section.agenda_item_id:
                item = meeting.agenda_item(section.agenda_item_id)
                if item is None:
                    problems.append(
                        FieldError(f"{where}.agenda_item_id", "is not an item of this meeting")
                    )
            if item is not None and not can_read_item_minutes(viewer_of(actor), meeting, item):
                problems.append(
                    FieldError(
                        f"{where}.agenda_item_id", "only its attendees write closed-door minutes"
                    )
                )
            sections.append(MinutesSection(section.agenda_item_id, points))
        if not sections:
            problems.append(FieldError("sections", "give the key points (M-05)"))
        meeting_day = meeting.start_at.astimezone(self._ctx.zone).date()
        drafts: list[ActionItemDraft] = []
        for index, action in enumerate(cmd.action_items):
            where = f"action_items[{index}]"
            title = action.title.strip()
            if not title:
                problems.append(FieldError(f"{where}.title", "is required"))
            elif len(title) > 500:
                problems.append(FieldError(f"{where}.title", "must be at most 500 characters"))
            owner = action.owner.strip()
            if not owner:
                problems.append(FieldError(f"{where}.owner", "is required (M-05)"))
            elif self._ctx.directory.person(owner) is None:
                problems.append(FieldError(f"{where}.owner", f"unknown person {owner!r}"))
            due: date | None = None
            try:
                due = date.fromisoformat(action.due_date)
            except ValueError:
                problems.append(FieldError(f"{where}.due_date", "must be a date YYYY-MM-DD (M-05)"))
            if due is not None and due < meeting_day:
                problems.append(FieldError(f"{where}.due_date", "must not be before the meeting"))
            if action.agenda_item_id and meeting.agenda_item(action.agenda_item_id) is None:
                problems.append(
                    FieldError(f"{where}.agenda_item_id", "is not an item of this meeting")
                )
            if due is not None:
                drafts.append(ActionItemDraft(title, owner, due, action.agenda_item_id))
        if problems:
            raise ValidationFailed(problems)
        return sections, drafts

    def approve(self, actor: Identity, meeting_id: str) -> MinutesView:
        """SPEC M-05: the host approves; the minutes are distributed at once and their
        action items start being tracked (M-06)."""
        with self._ctx.db.reading() as session:
            draft = MinutesRepository(session).get(meeting_id)
        owners = {a.owner for a in draft.action_items} if draft else set()
        departments = {
            o: (p.department_code if (p := self._ctx.directory.person(o)) else "") for o in owners
        }
        with self._ctx.uow() as uow:
            meeting = visible_meeting(uow.meetings.get(meeting_id, lock=True), actor, meeting_id)
            if actor.username != meeting.host and not actor.is_service:
                raise PermissionDenied("the host approves the minutes (M-05)")
            repo = MinutesRepository(uow.session)
            minutes = repo.get(meeting_id, lock=True)
            if minutes is None or minutes.state is not MinutesState.SUBMITTED:
                state = minutes.state.value if minutes else "not started"
                raise PreconditionFailed(
                    f"there is no submitted draft to approve (minutes: {state})"
                )
            now = self._ctx.clock.now()
            outcome = minutes.approve_and_distribute(actor.username, now)
            repo.save(minutes)
            for key in ("minutes-distribution", "minutes-draft"):
                self._ctx.timers.cancel(uow.session, minutes_timer_key(meeting.id, key), now)
            items = self._create_action_items(uow, meeting, minutes, departments, now)
            hours = self._working_hours_since_end(meeting, now)
            recipients = meeting.people()
            uow.emit(
                "meetings.minutes.distributed",
                meeting.id,
                events_pb2.MinutesDistributed(
                    meeting=meeting_ref(meeting),
                    approved_by=actor.username,
                    met_deadline=minutes.distribution_outcome is SlaOutcome.MET,
                    recipients=recipients,
                    hours_after_end=round(hours, 3),
                    action_items=len(items),
                ),
            )
            open_points = [
                point
                for section in minutes.sections
                if not self._closed(meeting, section.agenda_item_id)
                for point in section.key_points
            ]
            notify(
                uow,
                recipients,
                "meeting_minutes_distributed",
                f"会议纪要：{meeting.topic}",
                "\n".join(f"• {p}" for p in open_points) or "纪要已发布。",
                meeting.id,
            )
            uow.audit(
                actor.username,
                "approve_minutes",
                "meeting",
                meeting.id,
                {"state": "submitted"},
                {"state": "approved", "action_items": [i.id for i in items]},
            )
            uow.commit()
        if outcome is not None:
            metrics.MINUTES_DISTRIBUTION.labels(outcome.value).inc()
        metrics.MINUTES_DISTRIBUTION_HOURS.observe(hours)
        return self._view(actor, meeting, minutes)

    @staticmethod
    def _closed(meeting: Meeting, agenda_item_id: str) -> bool:
        item = meeting.agenda_item(agenda_item_id) if agenda_item_id else None
        return item is not None and item.closed_door

    def _create_action_items(
        self,
        uow: UnitOfWork,
        meeting: Meeting,
        minutes: Minutes,
        departments: dict[str, str],
        now: datetime,
    ) -> list[ActionItem]:
        repo = ActionItemRepository(uow.session)
        created = []
        for draft in minutes.action_items:
            department = departments.get(draft.owner)
            if department is None:
                person = self._ctx.directory.person(draft.owner)
                department = person.department_code if person else ""
            item = ActionItem(
                id=new_id(),
                meeting_id=meeting.id,
                title=draft.title,
                owner=draft.owner,
                owner_department=department,
                meeting_department=meeting.department_code,
                due_date=draft.due_date,
                due_at=due_instant(draft.due_date, self._ctx.zone),
                agenda_item_id=draft.agenda_item_id,
                closed_door=self._closed(meeting, draft.agenda_item_id),
                created_at=now,
            )
            repo.add(item, now)
            created.append(item)
            event = events_pb2.ActionItemCreated(
                action_item_id=item.id,
                meeting=meeting_ref(meeting),
                title=item.title,
                owner=item.owner,
                owner_department=item.owner_department,
                due_date=item.due_date.isoformat(),
                cross_department=item.cross_department,
            )
            ts(item.due_at, event.due_at)
            uow.emit("meetings.action_item.created", item.id, event)
            notify(
                uow,
                [item.owner],
                "meeting_action_item_assigned",
                f"会议决定事项：{item.title}",
                f"来自会议「{meeting.topic}」，请于 {item.due_date.isoformat()} 前完成。",
                meeting.id,
                item.due_at,
            )
        return created

    def _hours_since_end(self, meeting: Meeting, now: datetime) -> float:
        ended = meeting.ended_at or meeting.end_at
        return max((now - ended).total_seconds() / 3600, 0.0)

    def _working_hours_since_end(self, meeting: Meeting, now: datetime) -> float:
        """X-02: the 24-hour distribution clock counts working-day hours only."""
        ended = meeting.ended_at or meeting.end_at
        if now <= ended:
            return 0.0
        return float(self._ctx.calendar.working_hours_between(ended, now))

    # -- reading --------------------------------------------------------------------

    def get(self, actor: Identity, meeting_id: str) -> MinutesView:
        with self._ctx.db.reading() as session:
            meeting = visible_meeting(MeetingRepository(session).get(meeting_id), actor, meeting_id)
            minutes = MinutesRepository(session).get(meeting_id)
        audit_classified_read(self._ctx, actor, meeting, "minutes")
        return self._view(actor, meeting, minutes)

    def _view(self, actor: Identity, meeting: Meeting, minutes: Minutes | None) -> MinutesView:
        """Drafts are for those who write and approve them; distributed minutes for everyone
        who may see the meeting, closed-door sections only for their attendees (M-04)."""
        view = MinutesView(meeting, minutes)
        if minutes is None:
            return view
        viewer = viewer_of(actor)
        if minutes.state is not MinutesState.APPROVED and not (
            self._may_write(actor, meeting) or actor.has_role(*MANAGER_ROLES)
        ):
            view.withheld_sections = len(minutes.sections)
            return view
        for section in minutes.sections:
            item = meeting.agenda_item(section.agenda_item_id) if section.agenda_item_id else None
            if not can_read_item_minutes(viewer, meeting, item):
                view.withheld_sections += 1
                continue
            view.sections.append(
                SectionView(
                    agenda_item_id=section.agenda_item_id,
                    title=item.title if item else "",
                    key_points=list(section.key_points),
                    closed_door=bool(item and item.closed_door),
                )
            )
        for draft in minutes.action_items:
            item = meeting.agenda_item(draft.agenda_item_id) if draft.agenda_item_id else None
            if draft.owner == actor.username or can_read_item_minutes(viewer, meeting, item):
                view.action_items.append(draft)
        return view

    # -- SLA timers (M-05, X-05) ----------------------------------------------------

    def on_draft_due(self, uow: UnitOfWork, firing: TimerFiring) -> None:
        """No draft 2 hours after the end: the SLA is breached, the recorder and host told."""
        repo = MinutesRepository(uow.session)
        minutes = repo.get(str(firing.payload["meeting_id"]), lock=True)
        if minutes is None or minutes.draft_outcome is not None:
            return
        meeting = MeetingRepository(uow.session).get(minutes.meeting_id)
        if meeting is None:
            return
        minutes.draft_outcome = SlaOutcome.BREACHED
        repo.save(minutes)
        notified = notify(
            uow,
            [meeting.recorder, meeting.host],
            "meeting_minutes_draft_overdue",
            f"会议纪要初稿逾期：{meeting.topic}",
            f"纪要初稿应于 {self._ctx.local(minutes.draft_due_at)} 前提交（会后2小时，M-05）。",
            meeting.id,
            minutes.draft_due_at,
        )
        event = events_pb2.MinutesDraftOverdue(meeting=meeting_ref(meeting), notified=notified)
        ts(minutes.draft_due_at, event.due_at)
        uow.emit("meetings.minutes.draft_overdue", meeting.id, event)
        uow.audit(SYSTEM, "minutes_draft_overdue", "meeting", meeting.id, None, None)
        metrics.MINUTES_DRAFT.labels(SlaOutcome.BREACHED.value).inc()

    def on_distribution_due(self, uow: UnitOfWork, firing: TimerFiring) -> None:
        """Not distributed within 24 working-day hours of the end: breached."""
        repo = MinutesRepository(uow.session)
        minutes = repo.get(str(firing.payload["meeting_id"]), lock=True)
        if minutes is None or minutes.distribution_outcome is not None:
            return
        meeting = MeetingRepository(uow.session).get(minutes.meeting_id)
        if meeting is None:
            return
        minutes.distribution_outcome = SlaOutcome.BREACHED
        repo.save(minutes)
        notify(
            uow,
            [meeting.host, meeting.organiser],
            "meeting_minutes_distribution_overdue",
            f"会议纪要未按时分发：{meeting.topic}",
            f"纪要应于 {self._ctx.local(minutes.distribution_due_at)} 前审核分发"
            f"（{MINUTES_DISTRIBUTION_HOURS:.0f}个工作小时，M-05）。",
            meeting.id,
            minutes.distribution_due_at,
        )
        event = events_pb2.MinutesDistributionOverdue(meeting=meeting_ref(meeting))
        ts(minutes.distribution_due_at, event.due_at)
        uow.emit("meetings.minutes.distribution_overdue", meeting.id, event)
        uow.audit(SYSTEM, "minutes_distribution_overdue", "meeting", meeting.id, None, None)
        metrics.MINUTES_DISTRIBUTION.labels(SlaOutcome.BREACHED.value).inc()

    # -- tracking (M-06) --------------------------------------------------------------

    def action_items(
        self, actor: Identity, query: ListActionItems
    ) -> tuple[list[ActionItemView], int]:
        problems = []
        statuses = {s.value for s in ActionStatus}
        if query.status and query.status not in statuses:
            problems.append(FieldError("status", f"must be one of {', '.join(sorted(statuses))}"))
        if query.page < 1:
            problems.append(FieldError("page", "must be 1 or more"))
        if not 1 <= query.page_size <= MAX_PAGE_SIZE:
            problems.append(FieldError("page_size", f"must be between 1 and {MAX_PAGE_SIZE}"))
        if problems:
            raise ValidationFailed(problems)
        owner = query.owner
        if not (owner or query.meeting_id or query.department_code):
            owner = actor.username
        with self._ctx.db.reading() as session:
            items = ActionItemRepository(session).find(
                owner=owner, meeting_id=query.meeting_id, department_code=query.department_code
            )
            found = MeetingRepository(session).many(i.meeting_id for i in items)
        views = self._visible(actor, items, found)
        if query.status:
            views = [v for v in views if v.status.value == query.status]
        start = (query.page - 1) * query.page_size
        return views[start : start + query.page_size], len(views)

    def _visible(
        self, actor: Identity, items: list[ActionItem], meetings: dict[str, Meeting]
    ) -> list[ActionItemView]:
        viewer = viewer_of(actor)
        now = self._ctx.clock.now()
        views = []
        for item in items:
            meeting = meetings.get(item.meeting_id)
            if not can_see_item(viewer, item, meeting):
                continue
            topic = meeting.topic if meeting is not None and can_see(viewer, meeting) else ""
            views.append(ActionItemView(item, item.status(now), topic))
        return views

    def update_action_item(self, actor: Identity, cmd: UpdateActionItem) -> ActionItemView:
        problems = []
        if cmd.status == ActionStatus.DELAYED.value:
            problems.append(
                FieldError(
                    "status", "delayed follows from the due date; set in_progress or completed"
                )
            )
        elif cmd.status is not None and cmd.status not in (
            ActionStatus.IN_PROGRESS.value,
            ActionStatus.COMPLETED.value,
        ):
            problems.append(FieldError("status", "must be in_progress or completed"))
        if cmd.progress_note is not None and len(cmd.progress_note) > 4000:
            problems.append(FieldError("progress_note", "must be at most 4000 characters"))
        if cmd.status is None and cmd.progress_note is None:
            problems.append(FieldError("status", "give a status or a progress note"))
        if problems:
            raise ValidationFailed(problems)
        viewer = viewer_of(actor)
        with self._ctx.uow() as uow:
            repo = ActionItemRepository(uow.session)
            item = repo.get(cmd.id, lock=True)
            meeting = uow.meetings.get(item.meeting_id) if item else None
            if item is None or not can_see_item(viewer, item, meeting):
                raise NotFound(f"action item {cmd.id} not found")
            if actor.username != item.owner and not (meeting and is_manager(actor, meeting)):
                raise PermissionDenied(
                    "its owner, the meeting's organiser or host, or the secretariat updates an item"
                )
            now = self._ctx.clock.now()
            before = {"status": item.status(now).value, "progress_note": item.progress_note}
            completed_now = False
            if cmd.status == ActionStatus.COMPLETED.value and item.completed_at is None:
                item.completed_at = now
                completed_now = True
            elif cmd.status == ActionStatus.IN_PROGRESS.value:
                item.completed_at = None
            if cmd.progress_note is not None:
                item.progress_note = cmd.progress_note.strip()
            repo.save(item, now)
            status = item.status(now)
            on_time = item.completed_at is not None and item.completed_at < item.due_at
            uow.emit(
                "meetings.action_item.updated",
                item.id,
                events_pb2.ActionItemUpdated(
                    action_item_id=item.id,
                    meeting_id=item.meeting_id,
                    owner=item.owner,
                    owner_department=item.owner_department,
                    meeting_department=item.meeting_department,
                    status=status.value,
                    updated_by=actor.username,
                    completed_on_time=on_time,
                    cross_department=item.cross_department,
                ),
            )
            uow.audit(
                actor.username,
                "update_action_item",
                "action_item",
                item.id,
                before,
                {"status": status.value, "progress_note": item.progress_note},
            )
            uow.commit()
        if completed_now:
            metrics.ACTION_ITEMS_COMPLETED.labels("true" if on_time else "false").inc()
        topic = meeting.topic if meeting is not None and can_see(viewer, meeting) else ""
        return ActionItemView(item, status, topic)

    def coordination_items(self, actor: Identity, month: str) -> list[ActionItemView]:
        """SPEC M-06: the cross-department items for the month's coordination meeting."""
        zone = self._ctx.zone
        if month:
            try:
                first = date.fromisoformat(f"{month}-01")
            except ValueError as exc:
                raise ValidationFailed(FieldError("month", "must be YYYY-MM")) from exc
        else:
            first = self._ctx.clock.now().astimezone(zone).date().replace(day=1)
        following = (first.replace(day=28) + timedelta(days=4)).replace(day=1)
        month_start = datetime.combine(first, time(0), tzinfo=zone)
        month_end = datetime.combine(following, time(0), tzinfo=zone)
        with self._ctx.db.reading() as session:
            items = ActionItemRepository(session).cross_department()
            found = MeetingRepository(session).many(i.meeting_id for i in items)
        return self._visible(actor, for_coordination(items, month_start, month_end), found)

    # -- weekly digest (M-06) ---------------------------------------------------------

    def next_digest_at(self, now: datetime) -> datetime:
        local = now.astimezone(self._ctx.zone)
        days = (DIGEST_WEEKDAY - local.weekday()) % 7
        candidate = datetime.combine(
            local.date() + timedelta(days=days), DIGEST_TIME, tzinfo=self._ctx.zone
        )
        if candidate <= local:
            candidate += timedelta(days=7)
        return candidate

    def _schedule_digest(self, uow: UnitOfWork, at: datetime) -> None:
        week = at.astimezone(self._ctx.zone).date().isoformat()
        self._ctx.timers.schedule(
            uow.session, WEEKLY_DIGEST, f"action-items:digest:{week}", at, {"week_of": week}
        )

    def ensure_weekly_digest(self) -> None:
        """Make sure next Monday's digest is scheduled (idempotent; run at start-up)."""
        with self._ctx.uow() as uow:
            self._schedule_digest(uow, self.next_digest_at(self._ctx.clock.now()))
            uow.commit()

    def on_weekly_digest(self, uow: UnitOfWork, firing: TimerFiring) -> None:
        """SPEC M-06: every Monday, each owner hears of their open items and the week's
        counts go out as an event (per department, for performance); then next week's."""
        now = self._ctx.clock.now()
        items = ActionItemRepository(uow.session).find(
            open_or_completed_since=now - timedelta(days=7)
        )
        per_department: dict[str, Tally[str]] = {}
        per_owner: dict[str, Tally[str]] = {}
        delayed_ids = []
        for item in items:
            status = item.status(now).value
            tally = per_department.setdefault(item.owner_department, Tally())
            tally[status] += 1
            if item.cross_department:
                tally["cross_department"] += 1
            if status != ActionStatus.COMPLETED.value:
                per_owner.setdefault(item.owner, Tally())[status] += 1
            if status == ActionStatus.DELAYED.value:
                delayed_ids.append(item.id)
        totals: Tally[str] = Tally()
        for tally in per_department.values():
            totals.update(tally)
        uow.emit(
            "meetings.action_items.weekly_digest",
            str(firing.payload.get("week_of", "")),
            events_pb2.ActionItemsWeeklyDigest(
                week_of=str(firing.payload.get("week_of", "")),
                in_progress=totals[ActionStatus.IN_PROGRESS.value],
                completed=totals[ActionStatus.COMPLETED.value],
                delayed=totals[ActionStatus.DELAYED.value],
                departments=[
                    events_pb2.DepartmentActionCounts(
                        department_code=code,
                        in_progress=tally[ActionStatus.IN_PROGRESS.value],
                        completed=tally[ActionStatus.COMPLETED.value],
                        delayed=tally[ActionStatus.DELAYED.value],
                        cross_department=tally["cross_department"],
                    )
                    for code, tally in sorted(per_department.items())
                ],
                delayed_item_ids=delayed_ids,
            ),
        )
        for owner, tally in sorted(per_owner.items()):
            in_progress = tally[ActionStatus.IN_PROGRESS.value]
            delayed = tally[ActionStatus.DELAYED.value]
            notify(
                uow,
                [owner],
                "meeting_action_items_digest",
                f"本周会议决定事项：{in_progress} 项进行中，{delayed} 项已延期",
                "请在 /api/v1/action-items 查看并更新进展。",
                "",
                subject_ref="meetings/action-items",
            )
        self._schedule_digest(uow, self.next_digest_at(now))
