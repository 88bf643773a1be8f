"""Saving and reading effectiveness survey answers (SPEC M-07)."""

from __future__ import annotations

import uuid
from collections.abc import Iterable

from sqlalchemy import insert, select
from sqlalchemy.orm import Session

from meetings.adapters.orm import survey_answers
from meetings.domain.effectiveness import SurveyResponse


class SurveyRepository:
    """Anonymous survey answers (M-07): rows carry a keyed hash, never a name."""

    def __init__(self, session: Session) -> None:
        self.session = session

    def add(self, response: SurveyResponse, respondent_key: str) -> None:
        self.session.execute(
            insert(survey_answers).values(
                id=str(uuid.uuid4()),
                meeting_id=response.meeting_id,
                respondent_key=respondent_key,
                agenda=response.agenda,
                materials=response.materials,
                logistics=response.logistics,
                comment=response.comment,
            )
        )

    def answered(self, meeting_id: str, respondent_key: str) -> bool:
        s = survey_answers
        return (
            self.session.execute(
                select(s.c.id).where(
                    s.c.meeting_id == meeting_id, s.c.respondent_key == respondent_key
                )
            ).first()
            is not None
        )

    def of_meetings(self, meeting_ids: Iterable[str]) -> dict[str, list[SurveyResponse]]:
        ids = list(meeting_ids)
        result: dict[str, list[SurveyResponse]] = {i: [] for i in ids}
        if not ids:
            return result
        s = survey_answers
        for r in self.session.execute(select(s).where(s.c.meeting_id.in_(ids)).order_by(s.c.id)):
            result[r.meeting_id].append(
                SurveyResponse(
                    meeting_id=r.meeting_id,
                    agenda=r.agenda,
                    materials=r.materials,
                    logistics=r.logistics,
                    comment=r.comment,
                )
            )
        return result
