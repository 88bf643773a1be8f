"""Loading and saving approvals, templates and absences."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import (
    Select,
    String,
    and_,
    bindparam,
    delete,
    exists,
    func,
    insert,
    literal,
    or_,
    select,
    update,
)
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session
from sqlalchemy.sql.elements import ColumnElement

from documents.adapters.approval_tables import (
    approval_absences,
    approval_participants,
    approval_steps,
    approval_templates,
    approval_waiting,
    approvals,
)
from documents.domain.approvals.access import (
    PERSONAL_READER_ROLES,
    PERSONAL_TEMPLATES,
    oversees,
)
from documents.domain.approvals.model import (
    Absence,
    Action,
    Approval,
    ApprovalStatus,
    ApprovalStep,
    Decision,
    HistoryEntry,
    Seat,
    StepState,
)
from documents.domain.approvals.sla import StepTiming
from documents.domain.approvals.templates import (
    ApproverRule,
    Condition,
    ConditionOp,
    RuleKind,
    StepMode,
    Template,
    TemplateStep,
)
from secretariat_shared.access import SecurityClass, Viewer, reach
from secretariat_shared.access_sql import reach_condition
from secretariat_shared.db import UtcDateTime


def _iso(value: datetime | None) -> str | None:
    return None if value is None else value.astimezone(UTC).isoformat()


def _dt_required(value: str) -> datetime:
    return datetime.fromisoformat(value).astimezone(UTC)


# -- JSON codecs ---------------------------------------------------------------


def rules_to_json(rules: tuple[ApproverRule, ...]) -> list[dict[str, str]]:
    return [{"kind": r.kind.value, "role": r.role, "username": r.username} for r in rules]


def rules_from_json(data: list[dict[str, str]]) -> tuple[ApproverRule, ...]:
    return tuple(
        ApproverRule(RuleKind(r["kind"]), r.get("role", ""), r.get("username", "")) for r in data
    )


def template_steps_to_json(steps: tuple[TemplateStep, ...]) -> list[dict[str, Any]]:
    return [
        {
            "name": s.name,
            "mode": s.mode.value,
            "approvers": rules_to_json(s.approvers),
            "conditions": [
                {"field": c.field, "op": c.op.value, "value": c.value} for c in s.conditions
            ],
        }
        for s in steps
    ]


def template_steps_from_json(data: list[dict[str, Any]]) -> tuple[TemplateStep, ...]:
    return tuple(
        TemplateStep(
            name=s["name"],
            mode=StepMode(s["mode"]),
            approvers=rules_from_json(s["approvers"]),
            conditions=tuple(
                Condition(c["field"], ConditionOp(c["op"]), c.get("value"))
                for c in s.get("conditions", [])
            ),
        )
        for s in data
    )


def _seats_to_json(seats: list[Seat]) -> list[dict[str, Any]]:
    return [
        {
            "holder": s.holder,
            "deciders": list(s.deciders),
            "approved_by": s.approved_by,
            "rule": s.rule,
        }
        for s in seats
    ]


def _decisions_to_json(decisions: list[Decision]) -> list[dict[str, Any]]:
    return [
        {
            "actor": d.actor,
            "action": d.action.value,
            "at": _iso(d.at),
            "comment": d.comment,
            "on_behalf_of": d.on_behalf_of,
            "delegate_to": d.delegate_to,
        }
        for d in decisions
    ]


def _history_to_json(history: list[HistoryEntry]) -> list[dict[str, Any]]:
    return [
        {
            "at": _iso(h.at),
            "actor": h.actor,
            "action": h.action,
            "comment": h.comment,
            "step_index": h.step_index,
            "on_behalf_of": h.on_behalf_of,
        }
        for h in history
    ]


def _step_row(approval_id: str, step: ApprovalStep) -> dict[str, Any]:
    return {
        "approval_id": approval_id,
        "idx": step.index,
        "revision": step.revision,
        "name": step.name,
        "mode": step.mode.value,
        "rules": rules_to_json(step.rules),
        "state": step.state.value,
        "seats": _seats_to_json(step.seats),
        "decisions": _decisions_to_json(step.decisions),
        "opened_at": step.opened_at,
        "due_at": step.due_at,
        "escalate_at": step.escalate_at,
        "closed_at": step.closed_at,
        "reminded": step.reminded,
        "escalated": step.escalated,
    }


def _step_from_row(row: Any) -> ApprovalStep:
    return ApprovalStep(
        index=row["idx"],
        revision=row["revision"],
        name=row["name"],
        mode=StepMode(row["mode"]),
        rules=rules_from_json(row["rules"]),
        state=StepState(row["state"]),
        seats=[
            Seat(s["holder"], list(s["deciders"]), s.get("approved_by", ""), s.get("rule", -1))
            for s in row["seats"]
        ],
        opened_at=row["opened_at"],
        due_at=row["due_at"],
        escalate_at=row["escalate_at"],
        closed_at=row["closed_at"],
        decisions=[
            Decision(
                actor=d["actor"],
                action=Action(d["action"]),
                at=_dt_required(d["at"]),
                comment=d.get("comment", ""),
                on_behalf_of=d.get("on_behalf_of", ""),
                delegate_to=d.get("delegate_to", ""),
            )
            for d in row["decisions"]
        ],
        reminded=bool(row["reminded"]),
        escalated=bool(row["escalated"]),
    )


def _template_from_row(row: Any) -> Template:
    return Template(
        key=row["key"],
        version=row["version"],
        name=row["name"],
        description=row["description"],
        form_schema=row["form_schema"],
        steps=template_steps_from_json(row["steps"]),
        created_at=row["created_at"],
        created_by=row["created_by"],
    )


@dataclass(frozen=True)
class ApprovalFilter:
    status: str = ""
    template: str = ""
    requester: str = ""
    source_service: str = ""
    source_ref: str = ""


def listed_for(viewer: Viewer) -> ColumnElement[bool]:
    """SPEC X-03 in SQL, as :func:`documents.domain.approvals.access.can_view`
    decides one approval: its participants, and for personal requests HR and
    the confidential class's audience of the requester's department."""
    participant = exists().where(
        approval_participants.c.approval_id == approvals.c.id,
        approval_participants.c.username == viewer.username,
    )
    personal = approvals.c.template_key.in_(sorted(PERSONAL_TEMPLATES))
    if PERSONAL_READER_ROLES.intersection(viewer.roles):
        return or_(participant, personal)
    confidential = reach_condition(
        reach(viewer), literal(SecurityClass.CONFIDENTIAL.value), approvals.c.department_code
    )
    return or_(participant, and_(personal, confidential))


_AT = bindparam("at", type_=UtcDateTime())
_STAND_IN = (
    select(approval_absences.c.delegate_username)
    .where(
        approval_absences.c.username == bindparam("username", type_=String()),
        approval_absences.c.starts_at <= _AT,
        approval_absences.c.ends_at > _AT,
    )
    .order_by(approval_absences.c.created_at.desc(), approval_absences.c.id.desc())
    .limit(1)
)


_ADD_PARTICIPANTS = {
    "postgresql": postgresql.insert(approval_participants).on_conflict_do_nothing(),
    "sqlite": sqlite.insert(approval_participants).on_conflict_do_nothing(),
}


def _add_participants(dialect: str) -> Any:
    return _ADD_PARTICIPANTS[dialect]


_ID = bindparam("approval_id", type_=String())
_GET = select(approvals).where(approvals.c.id == _ID)
_GET_FOR_UPDATE = _GET.with_for_update()
_STEPS_OF = (
    select(approval_steps)
    .where(approval_steps.c.approval_id == _ID)
    .order_by(approval_steps.c.approval_id, approval_steps.c.idx)
)
_SAVE = (
    update(approvals)
    .where(approvals.c.id == _ID)
    .values(
        {
            name: bindparam(name, type_=approvals.c[name].type)
            for name in (
                "subject",
                "payload",
                "status",
                "revision",
                "history",
                "seal_id",
                "updated_at",
                "completed_at",
            )
        }
    )
)
_DELETE_STEPS = delete(approval_steps).where(approval_steps.c.approval_id == _ID)
_DELETE_WAITING = delete(approval_waiting).where(approval_waiting.c.approval_id == _ID)


class ApprovalRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    # -- approvals ----------------------------------------------------------

    def add(self, approval: Approval, now: datetime) -> None:
        self.session.execute(
            insert(approvals).values(
                id=approval.id,
                template_key=approval.template,
                template_version=approval.template_version,
                subject=approval.subject,
                payload=approval.payload,
                content=approval.content,
                urgent=approval.urgent,
                status=approval.status.value,
                requester=approval.requester,
                department_code=approval.department_code,
                source_service=approval.source_service,
                source_ref=approval.source_ref,
                revision=approval.revision,
                history=_history_to_json(approval.history),
                seal_id=approval.seal_id,
                created_at=approval.created_at,
                updated_at=now,
                completed_at=approval.completed_at,
            )
        )
        self._save_children(approval, now, new=True)

    def save(self, approval: Approval, now: datetime) -> None:
        self.session.execute(
            _SAVE,
            {
                "approval_id": approval.id,
                "subject": approval.subject,
                "payload": approval.payload,
                "status": approval.status.value,
                "revision": approval.revision,
                "history": _history_to_json(approval.history),
                "seal_id": approval.seal_id,
                "updated_at": now,
                "completed_at": approval.completed_at,
            },
        )
        self._save_children(approval, now, new=False)

    def _save_children(self, approval: Approval, now: datetime, new: bool) -> None:
        if not new:
            self.session.execute(_DELETE_STEPS, {"approval_id": approval.id})
        if approval.steps:
            self.session.execute(
                insert(approval_steps), [_step_row(approval.id, s) for s in approval.steps]
            )
        if not new:
            self.session.execute(_DELETE_WAITING, {"approval_id": approval.id})
        current = approval.current_step()
        if current is not None and current.waiting_on():
            since = current.opened_at or now
            self.session.execute(
                insert(approval_waiting),
                [
                    {"approval_id": approval.id, "username": n, "since": since}
                    for n in current.waiting_on()
                ],
            )
        people = sorted(approval.participants())
        if people:
            # Participants only grow: the ones already kept are skipped by the
            # database, so saving reads nothing (and may go in a pipeline).
            self.session.execute(
                _add_participants(self.session.get_bind().dialect.name),
                [{"approval_id": approval.id, "username": n} for n in people],
            )

    def open_steps_overlapping(self, start: datetime, end: datetime) -> list[str]:
        """Ids of approvals whose open step's clocks (due or escalation) run over [start, end)."""
        rows = self.session.execute(
            select(approval_steps.c.approval_id)
            .where(
                approval_steps.c.state == StepState.OPEN.value,
                approval_steps.c.opened_at < end,
                or_(approval_steps.c.due_at >= start, approval_steps.c.escalate_at >= start),
            )
            .order_by(approval_steps.c.approval_id)
        )
        return list(dict.fromkeys(row[0] for row in rows))

    def get(
        self, approval_id: str, for_update: bool = False, nowait: bool = False
    ) -> Approval | None:
        """``for_update`` locks the row (PostgreSQL); ``nowait`` fails at once if it is locked."""
        stmt = _GET_FOR_UPDATE if for_update else _GET
        if nowait:
            stmt = _GET.with_for_update(nowait=True)
        row = self.session.execute(stmt, {"approval_id": approval_id}).mappings().first()
        if row is None:
            return None
        return self._hydrate([row])[0]

    def by_source(self, source_service: str, source_ref: str) -> Approval | None:
        """The approval a service started for its ``source_ref``, the earliest if several."""
        row = (
            self.session.execute(
                select(approvals)
                .where(
                    approvals.c.source_service == source_service,
                    approvals.c.source_ref == source_ref,
                )
                .order_by(approvals.c.created_at, approvals.c.id)
                .limit(1)
            )
            .mappings()
            .first()
        )
        return None if row is None else self._hydrate([row])[0]

    def _hydrate(self, rows: list[Any]) -> list[Approval]:
        if not rows:
            return []
        ids = [r["id"] for r in rows]
        steps: dict[str, list[ApprovalStep]] = {i: [] for i in ids}
        found = (
            self.session.execute(_STEPS_OF, {"approval_id": ids[0]})
            if len(ids) == 1
            else self.session.execute(
                select(approval_steps)
                .where(approval_steps.c.approval_id.in_(ids))
                .order_by(approval_steps.c.approval_id, approval_steps.c.idx)
            )
        )
        for s in found.mappings().all():
            steps[s["approval_id"]].append(_step_from_row(s))
        return [
            Approval(
                id=r["id"],
                template=r["template_key"],
                template_version=r["template_version"],
                subject=r["subject"],
                payload=dict(r["payload"]),
                urgent=bool(r["urgent"]),
                requester=r["requester"],
                department_code=r["department_code"],
                created_at=r["created_at"],
                status=ApprovalStatus(r["status"]),
                steps=steps[r["id"]],
                history=[
                    HistoryEntry(
                        at=_dt_required(h["at"]),
                        actor=h["actor"],
                        action=h["action"],
                        comment=h.get("comment", ""),
                        step_index=h.get("step_index", -1),
                        on_behalf_of=h.get("on_behalf_of", ""),
                    )
                    for h in r["history"]
                ],
                content=r["content"],
                source_service=r["source_service"],
                source_ref=r["source_ref"],
                completed_at=r["completed_at"],
                seal_id=r["seal_id"],
                revision=r["revision"],
            )
            for r in rows
        ]

    def _page(
        self, stmt: Select[Any], count: Select[Any], page: int, size: int
    ) -> tuple[list[Approval], int]:
        total = int(self.session.execute(count).scalar_one())
        rows = self.session.execute(stmt.limit(size).offset((page - 1) * size)).mappings().all()
        return self._hydrate(list(rows)), total

    def pending_for(self, username: str, page: int, size: int) -> tuple[list[Approval], int]:
        """Approvals whose open step waits for ``username``, oldest wait first."""
        where = and_(
            approval_waiting.c.username == username,
            approvals.c.id == approval_waiting.c.approval_id,
        )
        stmt = (
            select(approvals)
            .select_from(
                approvals.join(approval_waiting, approvals.c.id == approval_waiting.c.approval_id)
            )
            .where(where)
            .order_by(approval_waiting.c.since, approvals.c.id)
        )
        count = (
            select(func.count())
            .select_from(approval_waiting)
            .where(approval_waiting.c.username == username)
        )
        return self._page(stmt, count, page, size)

    def search(
        self, flt: ApprovalFilter, viewer: Viewer, page: int, size: int
    ) -> tuple[list[Approval], int]:
        """What ``viewer`` lists (X-03): the approvals they may read, and every
        approval for overseers (the caller redacts what they may not read)."""
        conditions: list[ColumnElement[bool]] = []
        if not oversees(viewer):
            conditions.append(listed_for(viewer))
        if flt.status:
            conditions.append(approvals.c.status == flt.status)
        if flt.template:
            conditions.append(approvals.c.template_key == flt.template)
        if flt.requester:
            conditions.append(approvals.c.requester == flt.requester)
        if flt.source_service:
            conditions.append(approvals.c.source_service == flt.source_service)
        if flt.source_ref:
            conditions.append(approvals.c.source_ref == flt.source_ref)
        stmt = (
            select(approvals)
            .where(*conditions)
            .order_by(approvals.c.created_at.desc(), approvals.c.id)
        )
        count = select(func.count()).select_from(approvals).where(*conditions)
        return self._page(stmt, count, page, size)

    def sla_steps(self, start: datetime, end: datetime) -> list[StepTiming]:
        """Opened steps that were open at some moment of [start, end)."""
        stmt = (
            select(
                approval_steps.c.opened_at,
                approval_steps.c.due_at,
                approval_steps.c.closed_at,
                approvals.c.urgent,
            )
            .join(approvals, approvals.c.id == approval_steps.c.approval_id)
            .where(
                approval_steps.c.opened_at.is_not(None),
                approval_steps.c.due_at.is_not(None),
                approval_steps.c.opened_at < end,
                or_(approval_steps.c.closed_at.is_(None), approval_steps.c.closed_at >= start),
            )
        )
        return [
            StepTiming(opened_at=o, due_at=d, closed_at=c, urgent=bool(u))
            for o, d, c, u in self.session.execute(stmt)
        ]

    # -- templates ----------------------------------------------------------

    def seed_templates(self, templates: tuple[Template, ...], now: datetime) -> None:
        """Insert each built-in at its version unless that (key, version) already has a row."""
        dialect = self.session.get_bind().dialect.name
        module: Any = postgresql if dialect == "postgresql" else sqlite
        rows = [
            {
                "key": t.key,
                "version": t.version,
                "name": t.name,
                "description": t.description,
                "form_schema": dict(t.form_schema),
                "steps": template_steps_to_json(t.steps),
                "created_at": now,
                "created_by": "system",
            }
            for t in templates
        ]
        self.session.execute(
            module.insert(approval_templates).values(rows).on_conflict_do_nothing()
        )

    def template(self, key: str, version: int = 0) -> Template | None:
        stmt = select(approval_templates).where(approval_templates.c.key == key)
        if version:
            stmt = stmt.where(approval_templates.c.version == version)
        else:
            stmt = stmt.order_by(approval_templates.c.version.desc()).limit(1)
        row = self.session.execute(stmt).mappings().first()
        return None if row is None else _template_from_row(row)

    def current_templates(self) -> list[Template]:
        latest = (
            select(approval_templates.c.key, func.max(approval_templates.c.version).label("v"))
            .group_by(approval_templates.c.key)
            .subquery()
        )
        rows = (
            self.session.execute(
                select(approval_templates)
                .join(
                    latest,
                    and_(
                        latest.c.key == approval_templates.c.key,
                        latest.c.v == approval_templates.c.version,
                    ),
                )
                .order_by(approval_templates.c.key)
            )
            .mappings()
            .all()
        )
        return [_template_from_row(r) for r in rows]

    def next_template_version(self, key: str) -> int:
        current = self.session.execute(
            select(func.max(approval_templates.c.version)).where(approval_templates.c.key == key)
        ).scalar_one()
        return int(current or 0) + 1

    def add_template(self, template: Template) -> None:
        self.session.execute(
            insert(approval_templates).values(
                key=template.key,
                version=template.version,
                name=template.name,
                description=template.description,
                form_schema=dict(template.form_schema),
                steps=template_steps_to_json(template.steps),
                created_at=template.created_at,
                created_by=template.created_by,
            )
        )

    # -- absences -----------------------------------------------------------

    def add_absence(self, absence: Absence) -> None:
        self.session.execute(
            insert(approval_absences).values(
                id=absence.id,
                username=absence.username,
                starts_at=absence.start,
                ends_at=absence.end,
                delegate_username=absence.delegate_username,
                created_at=absence.created_at,
            )
        )

    def stand_in(self, username: str, at: datetime) -> str:
        """The delegate of the latest absence of ``username`` covering ``at``, or ""."""
        delegate = self.session.execute(_STAND_IN, {"username": username, "at": at}).scalar()
        return str(delegate or "")

    def absences_of(self, username: str) -> list[Absence]:
        rows = self.session.execute(
            select(approval_absences)
            .where(approval_absences.c.username == username)
            .order_by(approval_absences.c.starts_at)
        ).mappings()
        return [
            Absence(
                id=r["id"],
                username=r["username"],
                start=r["starts_at"],
                end=r["ends_at"],
                delegate_username=r["delegate_username"],
                created_at=r["created_at"],
            )
            for r in rows
        ]
