"""Loading and saving speaking turns (SPEC M-04)."""

from __future__ import annotations

from sqlalchemy.orm import Session

from meetings.adapters.orm import speaking_turns
from meetings.domain.speaking import SpeakingTurn
from secretariat_shared.records import Records


class SpeakingRepository(Records[SpeakingTurn]):
    """Speaking turns, one row each."""

    def __init__(self, session: Session) -> None:
        super().__init__(session, speaking_turns, SpeakingTurn)

    def running(self, meeting_id: str) -> SpeakingTurn | None:
        """The meeting's turn not yet stopped, if any."""
        t = self.table
        found = self.find(t.c.meeting_id == meeting_id, t.c.stopped_at.is_(None), limit=1)
        return found[0] if found else None

    def of_meeting(self, meeting_id: str) -> list[SpeakingTurn]:
        """The meeting's turns in the order they started."""
        t = self.table
        return self.find(t.c.meeting_id == meeting_id, order_by=[t.c.started_at, t.c.id])
