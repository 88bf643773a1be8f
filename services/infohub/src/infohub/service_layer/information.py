"""Use cases of the information flow (SPEC I-01..I-06)."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from prometheus_client import Counter, Gauge

from infohub.adapters.information_repository import InformationRepository
from infohub.adapters.mail_repository import PreferencesRepository
from infohub.domain import information as rules
from infohub.domain.bulletin import (
    WorkingDays,
    bulletin_date_for,
    cutoff_of,
    due_time,
    entries_to_json,
    entry_of,
    publish_time,
)
from infohub.domain.effectiveness import ActionFact, DeliveryFact, DepartmentRates, rates
from infohub.domain.information import (
    Action,
    Attachment,
    Figure,
    InfoItem,
    Lead,
    TrendPoint,
)
from infohub.domain.notices import InboxItem
from infohub.domain.preferences import DIGEST, IMMEDIATE, Preferences
from infohub.domain.similarity import near_duplicates, simhash
from infohub.service_layer.inbox import Inbox
from secretariat.infohub.v1 import events_pb2
from secretariat_shared.access import not_found
from secretariat_shared.clock import Clock
from secretariat_shared.db import Database
from secretariat_shared.directory import Directory
from secretariat_shared.errors import (
    Conflict,
    FieldError,
    NotFound,
    PermissionDenied,
    ValidationFailed,
)
from secretariat_shared.identity import Identity
from secretariat_shared.roles import Role
from secretariat_shared.timers import TimerFiring, TimerStore
from secretariat_shared.uow import UnitOfWork

LEADER_ROLES = (Role.LEADER, Role.SUPERVISING_LEADER)
READ_WITHIN = timedelta(hours=2)  # I-05
REMIND_BEFORE = timedelta(hours=24)  # I-05
SCREEN_WINDOW = timedelta(days=30)  # I-03: compare with the last month's items

BULLETINS = Counter(
    "secretariat_info_bulletins_total", "Daily Information Bulletins published (I-02)"
)
BULLETINS_LATE = Counter(
    "secretariat_info_bulletin_late_total",
    "Bulletins published after 09:00 on their working day: SLA breaches (I-02)",
)
BULLETIN_DELAY = Gauge(
    "secretariat_info_bulletin_last_delay_seconds",
    "Seconds the last bulletin was published after 09:00; negative when early (I-02)",
)
READ_OVERDUE = Counter(
    "secretariat_info_read_overdue_total",
    "Recipients still unread 2 hours after an important item's delivery (I-05)",
)
TIMER_FIRINGS = Counter(
    "secretariat_info_timer_firings_total", "Information-flow timers fired, by kind", ["kind"]
)
ACTIONS_ESCALATED = Counter(
    "secretariat_info_actions_escalated_total", "Actions not accepted by their deadline (I-05)"
)


def can_read(caller: Identity, item: InfoItem, received: bool) -> bool:
    """Who may read an item. Information items carry no security class, so
    ``secretariat_shared.access.may_read`` has nothing to decide; the rule is:
    the secretariat and leaders, its recipients, its action's owner and whoever
    submitted it."""
    if caller.has_role(Role.SECRETARIAT, *LEADER_ROLES) or received:
        return True
    if item.action is not None and item.action.owner == caller.username:
        return True
    return bool(item.created_by) and item.created_by == caller.username


class InformationHub:
    def __init__(
        self,
        uow_factory: Callable[[], UnitOfWork],
        db: Database,
        clock: Clock,
        directory: Callable[[], Directory],
        calendar: WorkingDays,
        timers: TimerStore,
        inbox: Inbox,
        timezone: str = "Asia/Shanghai",
    ) -> None:
        self._uow = uow_factory
        self._db = db
        self._clock = clock
        self._directory = directory
        self._calendar = calendar
        self._timers = timers
        self._inbox = inbox
        self._zone = ZoneInfo(timezone)

    # -- intake (I-01, I-04) -------------------------------------------------

    def submit(
        self,
        caller: Identity,
        channel: str,
        source: str,
        anonymous: bool,
        title: str,
        lead: Lead,
        body: str,
        figures: list[Figure],
        trend: list[TrendPoint],
        attachments: list[Attachment],
        project: str,
    ) -> InfoItem:
        rules.check_intake(channel, source, anonymous, lead, figures, project)
        if not title.strip():
            raise ValidationFailed(FieldError("title", "required"))
        now = self._clock.now()
        item = InfoItem(
            id=str(uuid.uuid4()),
            channel=channel,
            source=source,
            submitter="" if anonymous else caller.username,
            anonymous=anonymous,
            submitted_at=now,
            title=title.strip(),
            lead=lead,
            body=body,
            figures=figures,
            trend=trend,
            attachments=attachments,
            project=project,
            department_code="" if anonymous else caller.department_code,
            created_by="" if anonymous else caller.username,
        )
        fingerprint = simhash(item.text)
        with self._uow() as uow:
            repo = InformationRepository(uow.session)
            if source == "project_daily_report" and caller.username not in repo.officers(
                project.strip()
            ):
                raise PermissionDenied(
                    f"only the named information officers of project {project!r} submit its "
                    "daily reports"
                )
            item.similar_item_ids = near_duplicates(
                fingerprint, repo.fingerprints(now - SCREEN_WINDOW, item.id)
            )
            repo.add(item, fingerprint)
            uow.audit(
                caller.username if not anonymous else "anonymous",
                "submit_info",
                "info_item",
                item.id,
                None,
                {"channel": channel, "source": source},
            )
            uow.commit()
        return item

    def _load(self, uow: UnitOfWork, caller: Identity, item_id: str) -> InfoItem:
        item = InformationRepository(uow.session).get(item_id, for_update=True)
        if item is None or not can_read(caller, item, self._received(uow, item_id, caller)):
            raise not_found("information item", item_id)
        return item

    def _received(self, uow: UnitOfWork, item_id: str, caller: Identity) -> bool:
        repo = InformationRepository(uow.session)
        return any(d["recipient"] == caller.username for d in repo.deliveries(item_id))

    def on_inbox_read(self, uow: UnitOfWork, notice: InboxItem) -> None:
        """Reading the inbox notice of an important item is reading the item (I-05)."""
        if notice.kind == "info_important" and notice.subject_ref.startswith("info/items/"):
            item_id = notice.subject_ref.removeprefix("info/items/")
            InformationRepository(uow.session).mark_read(
                item_id, notice.recipient, notice.read_at or self._clock.now()
            )

    def _require_secretariat(self, caller: Identity) -> None:
        if not caller.has_role(Role.SECRETARIAT):
            raise PermissionDenied("only the secretariat editor may do this")

    def list_items(
        self, caller: Identity, status: str, channel: str, page: int, page_size: int
    ) -> tuple[list[InfoItem], int]:
        with self._db.reading() as session:
            repo = InformationRepository(session)
            visible = (
                None
                if caller.has_role(Role.SECRETARIAT, *LEADER_ROLES)
                else repo.ids_visible_to(caller.username)
            )
            return repo.listing(status, channel, visible, page, page_size)

    def get(self, caller: Identity, item_id: str) -> InfoItem:
        """One item; the first read by a recipient is its read receipt (I-05)."""
        with self._uow() as uow:
            item = self._load(uow, caller, item_id)
            if InformationRepository(uow.session).mark_read(
                item_id, caller.username, self._clock.now()
            ):
                uow.audit(caller.username, "read_info", "info_item", item_id)
            uow.commit()
            return item

    # -- triage and the three reviews (I-02, I-03) ---------------------------

    def triage(self, caller: Identity, item_id: str, importance: str, urgency: str) -> InfoItem:
        self._require_secretariat(caller)
        with self._uow() as uow:
            item = self._load(uow, caller, item_id)
            before = {"importance": item.importance, "urgency": item.urgency}
            rules.triage(item, importance, urgency)
            InformationRepository(uow.session).save(item)
            uow.audit(
                caller.username,
                "triage_info",
                "info_item",
                item_id,
                before,
                {"importance": importance, "urgency": urgency},
            )
            uow.commit()
            return item

    def review(
        self,
        caller: Identity,
        item_id: str,
        stage: str,
        decision: str,
        merge_into: str,
        note: str,
        core_points: str,
    ) -> InfoItem:
        self._require_secretariat(caller)
        with self._uow() as uow:
            repo = InformationRepository(uow.session)
            item = self._load(uow, caller, item_id)
            if merge_into and (merge_into == item_id or repo.get(merge_into) is None):
                raise ValidationFailed(FieldError("merge_into", "no such other item"))
            now = self._clock.now()
            rules.review(item, stage, caller.username, now, decision, note, core_points, merge_into)
            if item.status == "distilled":
                if item.importance == "important":
                    self._deliver_to_leaders(uow, item, now)
                else:
                    self._queue_for_bulletin(uow, item, now)
            repo.save(item)
            uow.audit(
                caller.username,
                f"review_{stage}",
                "info_item",
                item_id,
                None,
                {"decision": item.reviews[-1].decision, "status": item.status},
            )
            uow.commit()
            return item

    def _leaders(self) -> list[str]:
        directory = self._directory()
        found: dict[str, None] = {}
        for role in LEADER_ROLES:
            found.update(dict.fromkeys(directory.role_holders(role)))
        return list(found)

    def _recipients(self, item: InfoItem) -> list[str]:
        """I-02: the leaders; with them the head and supervising leader of the
        department the item comes from, who act on it."""
        people = self._leaders()
        if item.department_code:
            dept = self._directory().department(item.department_code)
            if dept is not None:
                people += [dept.supervising_leader_username, dept.head_username]
        return [p for p in dict.fromkeys(people) if p and p != item.created_by]

    def _deliver_to_leaders(self, uow: UnitOfWork, item: InfoItem, now: datetime) -> None:
        assert rules.all_reviews_done(item)
        repo = InformationRepository(uow.session)
        directory = self._directory()
        for recipient in self._recipients(item):
            person = directory.person(recipient)
            repo.deliver(item.id, recipient, person.department_code if person else "", now)
            self._inbox.notify(
                uow,
                recipient,
                "info_important",
                f"重要信息：{item.title}",
                f"{item.lead.sentence()}\n{item.core_points}\n请于2小时内阅知。",
                f"info/items/{item.id}",
            )
        item.status, item.delivered_at = "delivered", now
        self._timers.schedule(
            uow.session,
            "infohub.read_check",
            f"info-read-check:{item.id}",
            now + READ_WITHIN,
            {"item_id": item.id},
        )

    def _queue_for_bulletin(self, uow: UnitOfWork, item: InfoItem, now: datetime) -> None:
        issue = bulletin_date_for(self._calendar, now, self._zone)
        item.status, item.bulletin_date = "queued", issue.isoformat()
        self._schedule_bulletin(uow, issue)

    def _schedule_bulletin(self, uow: UnitOfWork, issue: date) -> None:
        self._timers.schedule(
            uow.session,
            "infohub.bulletin",
            f"info-bulletin:{issue.isoformat()}",
            publish_time(issue, self._zone).astimezone(UTC),
            {"date": issue.isoformat()},
        )

    def ensure_next_bulletin(self) -> None:
        """A bulletin every working day, empty or not (I-02): the next one is always due."""
        with self._uow() as uow:
            self._schedule_bulletin(
                uow, bulletin_date_for(self._calendar, self._clock.now(), self._zone)
            )
            uow.commit()

    def adopt(self, caller: Identity, item_id: str) -> InfoItem:
        """I-01: an adopted suggestion is an event performance counts (P-03, P-09)."""
        self._require_secretariat(caller)
        with self._uow() as uow:
            item = self._load(uow, caller, item_id)
            if item.source != "suggestion":
                raise ValidationFailed(FieldError("id", "only suggestions are adopted"))
            if item.adopted:
                raise Conflict(f"suggestion {item_id} is already adopted")
            item.adopted = True
            InformationRepository(uow.session).save(item)
            event = events_pb2.SuggestionAdopted(
                item_id=item.id,
                submitter=item.submitter,
                department_code=item.department_code,
                title=item.title,
            )
            event.adopted_at.FromDatetime(self._clock.now().astimezone(UTC))
            uow.emit("infohub.suggestion.adopted", item.id, event)
            uow.audit(caller.username, "adopt_suggestion", "info_item", item_id)
            uow.commit()
            return item

    # -- the bulletin (I-02) --------------------------------------------------

    def on_bulletin_due(self, uow: UnitOfWork, firing: TimerFiring) -> None:
        TIMER_FIRINGS.labels(firing.kind).inc()
        issue = date.fromisoformat(str(firing.payload["date"]))
        repo = InformationRepository(uow.session)
        if repo.bulletin(issue.isoformat()) is not None:
            return
        items = sorted(repo.queued_for(issue.isoformat()), key=lambda i: i.urgency != "urgent")
        now = self._clock.now()
        due = due_time(issue, self._zone).astimezone(UTC)
        late = now > due
        repo.add_bulletin(
            issue.isoformat(),
            now,
            due,
            cutoff_of(self._calendar, issue, self._zone),
            late,
            {"entries": entries_to_json([entry_of(i) for i in items])},
        )
        for item in items:
            item.status, item.delivered_at = "published", now
            repo.save(item)
            if item.created_by:
                self._inbox.notify(
                    uow,
                    item.created_by,
                    "info_item_published",
                    f"信息已刊发：{item.title}",
                    f"您报送的信息《{item.title}》已刊入 {issue.isoformat()} 每日信息专报。",
                    f"info/bulletins/{issue.isoformat()}",
                )
        for leader in self._leaders():
            self._inbox.notify(
                uow,
                leader,
                "info_bulletin",
                f"每日信息专报 {issue.isoformat()}",
                f"本期共 {len(items)} 条信息。",
                f"info/bulletins/{issue.isoformat()}",
            )
        BULLETINS.inc()
        BULLETIN_DELAY.set((now - due).total_seconds())
        if late:
            BULLETINS_LATE.inc()
        # the next one from now, not from the issue date: no burst of catch-up issues
        self._schedule_bulletin(uow, bulletin_date_for(self._calendar, now, self._zone))
        event = events_pb2.BulletinPublished(date=issue.isoformat(), late=late, entries=len(items))
        event.published_at.FromDatetime(now.astimezone(UTC))
        uow.emit("infohub.bulletin.published", issue.isoformat(), event)

    def bulletin(self, issue: str) -> tuple[dict[str, Any], list[dict[str, Any]]]:
        try:
            date.fromisoformat(issue)
        except ValueError:
            raise ValidationFailed(FieldError("date", "must be YYYY-MM-DD")) from None
        with self._db.reading() as session:
            row = InformationRepository(session).bulletin(issue)
            if row is None:
                raise NotFound(f"no bulletin published for {issue}")
            return dict(row), list(row["data"]["entries"])

    # -- receipts, follow-ups and actions (I-05) ------------------------------

    def on_read_check(self, uow: UnitOfWork, firing: TimerFiring) -> None:
        """2 hours after delivery: unread recipients are listed for a phone call."""
        TIMER_FIRINGS.labels(firing.kind).inc()
        item_id = str(firing.payload["item_id"])
        repo = InformationRepository(uow.session)
        item = repo.get(item_id)
        if item is None:
            return
        unread = [d["recipient"] for d in repo.deliveries(item_id) if d["read_at"] is None]
        if not unread:
            return
        directory = self._directory()
        now = self._clock.now()
        for recipient in unread:
            person = directory.person(recipient)
            repo.list_follow_up(
                item_id,
                recipient,
                person.name if person else recipient,
                person.phone if person else "",
                now,
            )
        READ_OVERDUE.inc(len(unread))
        for clerk in directory.role_holders(Role.SECRETARIAT):
            self._inbox.notify(
                uow,
                clerk,
                "info_read_follow_up",
                f"电话督办：{item.title}",
                f"以下领导2小时内未阅：{'、'.join(unread)}，请电话提醒。",
                f"info/items/{item_id}/receipts",
            )
        uow.emit(
            "infohub.read.overdue",
            item_id,
            events_pb2.ReadOverdue(item_id=item_id, recipients=unread),
        )

    def receipts(
        self, caller: Identity, item_id: str
    ) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
        with self._uow() as uow:
            item = self._load(uow, caller, item_id)
            if (
                not caller.has_role(Role.SECRETARIAT, *LEADER_ROLES)
                and item.created_by != caller.username
            ):
                raise not_found("information item", item_id)
            repo = InformationRepository(uow.session)
            return [dict(d) for d in repo.deliveries(item_id)], [
                dict(f) for f in repo.follow_ups(item_id)
            ]

    def mark_called(self, caller: Identity, item_id: str, username: str) -> None:
        self._require_secretariat(caller)
        with self._uow() as uow:
            self._load(uow, caller, item_id)
            repo = InformationRepository(uow.session)
            if not any(f["recipient"] == username for f in repo.follow_ups(item_id)):
                raise NotFound(f"no follow-up for {username} on item {item_id}")
            if not repo.tick_call(item_id, username, caller.username, self._clock.now()):
                raise Conflict(f"the call to {username} is already ticked")
            uow.audit(
                caller.username,
                "follow_up_called",
                "info_item",
                item_id,
                None,
                {"recipient": username},
            )
            uow.commit()

    def set_action(
        self, caller: Identity, item_id: str, owner: str, deadline: datetime, criterion: str
    ) -> InfoItem:
        self._require_secretariat(caller)
        now = self._clock.now()
        if deadline <= now:
            raise ValidationFailed(FieldError("deadline", "must be in the future"))
        if not criterion.strip():
            raise ValidationFailed(FieldError("acceptance_criterion", "required"))
        person = self._directory().person(owner)
        if person is None:
            raise ValidationFailed(FieldError("owner", f"no such person {owner!r}"))
        with self._uow() as uow:
            item = self._load(uow, caller, item_id)
            if item.action is not None and item.action.status != "required":
                raise Conflict("the action has started; it can no longer change")
            item.action = Action(owner, deadline, criterion.strip(), person.department_code)
            InformationRepository(uow.session).save(item)
            key = f"info-action:{item_id}"
            reminder = max(deadline - REMIND_BEFORE, now)
            self._timers.schedule(
                uow.session,
                "infohub.action_reminder",
                f"{key}:remind",
                reminder,
                {"item_id": item_id},
            )
            self._timers.schedule(
                uow.session,
                "infohub.action_escalation",
                f"{key}:escalate",
                deadline,
                {"item_id": item_id},
            )
            self._inbox.notify(
                uow,
                owner,
                "info_action_assigned",
                f"待办：{item.title}",
                f"验收标准：{criterion.strip()}",
                f"info/items/{item_id}",
                deadline,
            )
            uow.audit(
                caller.username,
                "set_action",
                "info_item",
                item_id,
                None,
                {"owner": owner, "deadline": deadline},
            )
            uow.commit()
            return item

    def start_action(self, caller: Identity, item_id: str) -> InfoItem:
        with self._uow() as uow:
            item = InformationRepository(uow.session).get(item_id, for_update=True)
            if (
                item is None
                or item.action is None
                or (
                    item.action.owner != caller.username
                    and not can_read(caller, item, self._received(uow, item_id, caller))
                )
            ):
                raise NotFound(f"action of item {item_id} not found")
            if item.action.owner != caller.username:
                raise PermissionDenied("only the owner starts the action")
            if item.action.status != "required":
                raise Conflict(f"the action is already {item.action.status}")
            item.action.status, item.action.started_at = "started", self._clock.now()
            InformationRepository(uow.session).save(item)
            uow.audit(caller.username, "start_action", "info_item", item_id)
            uow.commit()
            return item

    def accept_action(self, caller: Identity, item_id: str) -> InfoItem:
        """Only the owner's superior or the item's creator accepts (I-05)."""
        with self._uow() as uow:
            repo = InformationRepository(uow.session)
            item = repo.get(item_id, for_update=True)
            if item is None or item.action is None:
                raise NotFound(f"action of item {item_id} not found")
            owner = self._directory().person(item.action.owner)
            allowed = {item.created_by, owner.superior_username if owner else ""} - {""}
            if caller.username not in allowed:
                if not can_read(caller, item, self._received(uow, item_id, caller)):
                    raise NotFound(f"action of item {item_id} not found")
                raise PermissionDenied(
                    "only the owner's superior or the item's creator accepts the action"
                )
            if item.action.status != "started":
                raise Conflict(
                    f"the action is {item.action.status}; only a started one is accepted"
                )
            now = self._clock.now()
            item.action.status, item.action.accepted_at = "accepted", now
            item.action.accepted_by = caller.username
            repo.save(item)
            for suffix in ("remind", "escalate"):
                self._timers.cancel(uow.session, f"info-action:{item_id}:{suffix}", now)
            uow.audit(caller.username, "accept_action", "info_item", item_id)
            uow.commit()
            return item

    def on_action_reminder(self, uow: UnitOfWork, firing: TimerFiring) -> None:
        TIMER_FIRINGS.labels(firing.kind).inc()
        item = InformationRepository(uow.session).get(str(firing.payload["item_id"]))
        if item is None or item.action is None or item.action.status == "accepted":
            return
        self._inbox.notify(
            uow,
            item.action.owner,
            "info_action_reminder",
            f"催办：{item.title}",
            f"验收标准：{item.action.acceptance_criterion}",
            f"info/items/{item.id}",
            item.action.deadline,
        )

    def on_action_escalation(self, uow: UnitOfWork, firing: TimerFiring) -> None:
        TIMER_FIRINGS.labels(firing.kind).inc()
        item = InformationRepository(uow.session).get(str(firing.payload["item_id"]))
        if item is None or item.action is None or item.action.status == "accepted":
            return
        ACTIONS_ESCALATED.inc()
        owner = self._directory().person(item.action.owner)
        event = events_pb2.ActionEscalated(
            item_id=item.id,
            owner=item.action.owner,
            superior=owner.superior_username if owner else "",
        )
        event.deadline.FromDatetime(item.action.deadline.astimezone(UTC))
        uow.emit("infohub.action.escalated", item.id, event)
        for who in dict.fromkeys([item.action.owner, owner.superior_username if owner else ""]):
            if who:
                self._inbox.notify(
                    uow,
                    who,
                    "info_action_escalated",
                    f"逾期未验收：{item.title}",
                    f"责任人 {item.action.owner} 的事项已到期未通过验收。",
                    f"info/items/{item.id}",
                    item.action.deadline,
                )

    def chart(self, caller: Identity, item_id: str) -> list[tuple[str, float]]:
        with self._uow() as uow:
            item = self._load(uow, caller, item_id)
        if not item.trend:
            raise NotFound(f"item {item_id} has no trend series")
        return [(p.label, p.value) for p in item.trend]

    # -- effectiveness (I-06) -------------------------------------------------

    def effectiveness(self, caller: Identity, month: str) -> list[DepartmentRates]:
        if not caller.has_role(Role.SECRETARIAT, *LEADER_ROLES):
            raise PermissionDenied("effectiveness is for the secretariat and leaders")
        return self.rates_of(month)

    def current_month(self) -> str:
        return self._clock.now().astimezone(self._zone).strftime("%Y-%m")

    def rates_of(self, month: str) -> list[DepartmentRates]:
        """I-06 for the month ``YYYY-MM`` (local): deliveries of the month and the
        actions of the items delivered (or submitted) in it."""
        try:
            first = date.fromisoformat(f"{month}-01")
        except ValueError:
            raise ValidationFailed(FieldError("month", "must be YYYY-MM")) from None
        following = (first + timedelta(days=32)).replace(day=1)
        start = datetime.combine(first, datetime.min.time(), tzinfo=self._zone)
        end = datetime.combine(following, datetime.min.time(), tzinfo=self._zone)
        with self._db.reading() as session:
            repo = InformationRepository(session)
            deliveries = [
                DeliveryFact(d["item_id"], d["department_code"], d["read_at"] is not None)
                for d in repo.deliveries_between(start, end)
            ]
            actions = [
                ActionFact(
                    i.id,
                    i.action.department_code,
                    i.action.status != "required",
                    i.action.status == "accepted",
                )
                for i in repo.with_actions()
                if i.action is not None and start <= (i.delivered_at or i.submitted_at) < end
            ]
        return rates(deliveries, actions)

    # -- project information officers (I-01) ----------------------------------

    def project_officers(self, project: str) -> list[str]:
        with self._db.reading() as session:
            return InformationRepository(session).officers(project.strip())

    def set_project_officers(
        self, caller: Identity, project: str, officers: list[str]
    ) -> list[str]:
        self._require_secretariat(caller)
        project = project.strip()
        if not project:
            raise ValidationFailed(FieldError("project", "required"))
        directory = self._directory()
        unknown = [u for u in officers if directory.person(u) is None]
        if unknown:
            raise ValidationFailed(FieldError("officers", f"no such people: {unknown}"))
        named = list(dict.fromkeys(officers))
        with self._uow() as uow:
            repo = InformationRepository(uow.session)
            before = repo.officers(project)
            repo.set_officers(project, named)
            uow.audit(caller.username, "set_project_officers", "project", project, before, named)
            uow.commit()
        return named

    # -- preferences -----------------------------------------------------------

    def preferences(self, caller: Identity) -> Preferences:
        with self._db.reading() as session:
            return PreferencesRepository(session).get(caller.username)

    def set_preferences(
        self, caller: Identity, email: str, default_delivery: str, kinds: dict[str, str]
    ) -> Preferences:
        email = email.strip()
        if email and ("@" not in email or " " in email):
            raise ValidationFailed(FieldError("email", "not an e-mail address"))
        bad = [k for k, v in kinds.items() if v not in (IMMEDIATE, DIGEST)]
        if bad:
            raise ValidationFailed(FieldError("kinds", f"immediate or digest: {bad}"))
        prefs = Preferences(caller.username, email, default_delivery or IMMEDIATE, kinds)
        with self._uow() as uow:
            PreferencesRepository(uow.session).put(prefs)
            uow.audit(caller.username, "set_notification_preferences", "person", caller.username)
            uow.commit()
        return prefs
