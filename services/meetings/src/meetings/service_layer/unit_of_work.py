"""The meetings service's unit of work: the shared one plus its repositories."""

from __future__ import annotations

from meetings.adapters.meeting_repository import MeetingRepository
from meetings.adapters.minutes_repositories import ActionItemRepository, MinutesRepository
from meetings.adapters.rooms_repositories import BookingRepository, RoomRepository
from meetings.adapters.speaking_repository import SpeakingRepository
from meetings.adapters.survey_repository import SurveyRepository
from secretariat_shared.uow import UnitOfWork


class MeetingsUnitOfWork(UnitOfWork):
    @property
    def rooms(self) -> RoomRepository:
        return RoomRepository(self.session)

    @property
    def bookings(self) -> BookingRepository:
        return BookingRepository(self.session)

    @property
    def meetings(self) -> MeetingRepository:
        return MeetingRepository(self.session)

    @property
    def speaking(self) -> SpeakingRepository:
        return SpeakingRepository(self.session)

    @property
    def minutes(self) -> MinutesRepository:
        return MinutesRepository(self.session)

    @property
    def action_items(self) -> ActionItemRepository:
        return ActionItemRepository(self.session)

    @property
    def surveys(self) -> SurveyRepository:
        return SurveyRepository(self.session)
