"""Absences and stand-ins (SPEC D-09): who decides while a person is away."""

from __future__ import annotations

import uuid

from documents.adapters.approval_repository import ApprovalRepository
from documents.domain.approvals.model import Absence, absence_problems
from documents.service_layer.approval_commands import RecordAbsence
from documents.service_layer.approval_flow import ApprovalFlow
from secretariat.documents.v1 import events_pb2
from secretariat_shared.errors import FieldError, PermissionDenied, ValidationFailed
from secretariat_shared.identity import Identity


class ApprovalAbsences(ApprovalFlow):
    def record_absence(self, actor: Identity, cmd: RecordAbsence) -> Absence:
        if actor.is_service:
            raise PermissionDenied("an absence is recorded by the person who will be away")
        now = self._clock.now()
        delegate = cmd.delegate_username.strip()
        errors = [
            FieldError(f, m)
            for f, m in absence_problems(actor.username, cmd.start, cmd.end, delegate, now)
        ]
        if delegate and delegate != actor.username and self._directory.person(delegate) is None:
            errors.append(FieldError("delegate_username", f"unknown person {delegate!r}"))
        if errors or cmd.start is None or cmd.end is None:
            raise ValidationFailed(errors)
        absence = Absence(
            id=str(uuid.uuid4()),
            username=actor.username,
            start=cmd.start,
            end=cmd.end,
            delegate_username=delegate,
            created_at=now,
        )
        with self._uow() as uow:
            ApprovalRepository(uow.session).add_absence(absence)
            event = events_pb2.AbsenceRecorded(
                absence_id=absence.id,
                username=absence.username,
                delegate_username=absence.delegate_username,
            )
            event.start.FromDatetime(absence.start)
            event.end.FromDatetime(absence.end)
            uow.emit("documents.absence.recorded", absence.id, event)
            uow.audit(
                actor.username,
                "record_absence",
                "absence",
                absence.id,
                None,
                {
                    "start": absence.start.isoformat(),
                    "end": absence.end.isoformat(),
                    "delegate_username": absence.delegate_username,
                },
            )
            uow.commit()
        return absence

    def absences(self, actor: Identity) -> list[Absence]:
        with self._db.reading() as session:
            return ApprovalRepository(session).absences_of(actor.username)
