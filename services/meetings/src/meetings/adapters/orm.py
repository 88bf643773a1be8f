"""The meetings service's own tables (its database, nobody else's)."""

from __future__ import annotations

from sqlalchemy import (
    JSON,
    Boolean,
    Column,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    UniqueConstraint,
)

from secretariat_shared.db import UtcDateTime
from secretariat_shared.tables import PlatformTables

metadata = MetaData()
platform = PlatformTables(metadata)

rooms = Table(
    "rooms",
    metadata,
    Column("id", String(36), primary_key=True),
    Column("name", String(200), nullable=False, unique=True),
    Column("location", String(300), nullable=False, default=""),
    Column("capacity", Integer, nullable=False),
    Column("equipment", JSON, nullable=False),
    Column("video_capable", Boolean, nullable=False, default=False),
    Column("created_by", String(100), nullable=False),
    Column("created_at", UtcDateTime(), nullable=False),
)

meetings = Table(
    "meetings",
    metadata,
    Column("id", String(36), primary_key=True),
    Column("topic", String(200), nullable=False),
    Column("goals", Text, nullable=False, default=""),
    Column("type", String(20), nullable=False),
    Column("security_class", String(20), nullable=False),
    Column("department_code", String(20), nullable=False, default=""),
    Column("organiser", String(100), nullable=False),
    Column("start_at", UtcDateTime(), nullable=False),
    Column("end_at", UtcDateTime(), nullable=False),
    Column("duration_minutes", Integer, nullable=False),
    Column("room_id", String(36), ForeignKey("rooms.id"), nullable=True),
    Column("video_link", String(500), nullable=False, default=""),
    Column("important", Boolean, nullable=False, default=False),
    Column("host", String(100), nullable=False),
    Column("recorder", String(100), nullable=False, default=""),
    Column("technician", String(100), nullable=False, default=""),
    Column("state", String(20), nullable=False),
    Column("sequence", Integer, nullable=False, default=0),
    Column("room_released", Boolean, nullable=False, default=False),
    Column("checked_in_at", UtcDateTime(), nullable=True),
    Column("ended_at", UtcDateTime(), nullable=True),
    Column("cancelled_at", UtcDateTime(), nullable=True),
    Column("cancel_reason", Text, nullable=False, default=""),
    Column("survey_closes_at", UtcDateTime(), nullable=True),
    Column("survey_closed", Boolean, nullable=False, default=False),
    Column("survey_totals_at", UtcDateTime(), nullable=True),
    Column("created_at", UtcDateTime(), nullable=False),
    Column("updated_at", UtcDateTime(), nullable=False),
    Index("ix_meetings_start", "start_at"),
    Index("ix_meetings_room_start", "room_id", "start_at"),
)

# Everyone named on a meeting, once per role: the X-03 "named people" and
# the source of each person's calendar and conflict checks.
meeting_people = Table(
    "meeting_people",
    metadata,
    Column("meeting_id", String(36), ForeignKey("meetings.id"), primary_key=True),
    Column("username", String(100), primary_key=True),
    Column("role", String(20), primary_key=True),
    Column("conflicts", JSON, nullable=False),
    Index("ix_meeting_people_username", "username"),
)

agenda_items = Table(
    "agenda_items",
    metadata,
    Column("id", String(36), primary_key=True),
    Column("meeting_id", String(36), ForeignKey("meetings.id"), nullable=False),
    Column("position", Integer, nullable=False),
    Column("title", String(300), nullable=False),
    Column("presenter", String(100), nullable=False, default=""),
    Column("minutes_allotted", Integer, nullable=False, default=0),
    Column("closed_door", Boolean, nullable=False, default=False),
    Column("attendees", JSON, nullable=False),
    Index("ix_agenda_items_meeting", "meeting_id", "position"),
)

# SPEC M-01: a booking holds its room from 15 minutes before the start to the
# end. Bookings of one room are checked and written while the room's row is
# locked (SELECT … FOR UPDATE; SQLite's write transactions are serial), so
# of two overlapping bookings made at once exactly one is written.
room_bookings = Table(
    "room_bookings",
    metadata,
    Column("id", String(36), primary_key=True),
    Column("room_id", String(36), ForeignKey("rooms.id"), nullable=False),
    Column("meeting_id", String(36), ForeignKey("meetings.id"), nullable=False),
    Column("occupied_from", UtcDateTime(), nullable=False),
    Column("occupied_to", UtcDateTime(), nullable=False),
    Column("state", String(20), nullable=False),
    Column("created_at", UtcDateTime(), nullable=False),
    Index("ix_room_bookings_room", "room_id", "state", "occupied_from"),
    Index("ix_room_bookings_meeting", "meeting_id"),
)

milestones = Table(
    "milestones",
    metadata,
    Column("id", String(36), primary_key=True),
    Column("meeting_id", String(36), ForeignKey("meetings.id"), nullable=False),
    Column("key", String(50), nullable=False),
    Column("position", Integer, nullable=False),
    Column("title", String(200), nullable=False),
    Column("owner", String(100), nullable=False),
    Column("due_at", UtcDateTime(), nullable=False),
    Column("state", String(20), nullable=False),
    Column("overdue", Boolean, nullable=False, default=False),
    Column("done_at", UtcDateTime(), nullable=True),
    Column("done_by", String(100), nullable=False, default=""),
    Index("ix_milestones_meeting", "meeting_id", "position"),
)

meeting_elements = Table(
    "meeting_elements",
    metadata,
    Column("meeting_id", String(36), ForeignKey("meetings.id"), primary_key=True),
    Column("key", String(50), primary_key=True),
    Column("position", Integer, nullable=False),
    Column("label", String(200), nullable=False),
    Column("category", String(20), nullable=False),
    Column("confirmed", Boolean, nullable=False, default=False),
    Column("confirmed_by", String(100), nullable=False, default=""),
    Column("confirmed_at", UtcDateTime(), nullable=True),
    Column("note", Text, nullable=False, default=""),
)

speaking_turns = Table(
    "speaking_turns",
    metadata,
    Column("id", String(36), primary_key=True),
    Column("meeting_id", String(36), ForeignKey("meetings.id"), nullable=False),
    Column("speaker", String(100), nullable=False),
    Column("agenda_item_id", String(36), nullable=False, default=""),
    Column("started_at", UtcDateTime(), nullable=False),
    Column("stopped_at", UtcDateTime(), nullable=True),
    Column("limit_seconds", Integer, nullable=False),
    Column("overrun", Boolean, nullable=False, default=False),
    Index("ix_speaking_turns_meeting", "meeting_id", "started_at"),
)

minutes = Table(
    "minutes",
    metadata,
    Column("meeting_id", String(36), ForeignKey("meetings.id"), primary_key=True),
    Column("state", String(20), nullable=False),
    Column("sections", JSON, nullable=False),
    Column("action_items", JSON, nullable=False),
    Column("submitted_by", String(100), nullable=False, default=""),
    Column("first_submitted_at", UtcDateTime(), nullable=True),
    Column("submitted_at", UtcDateTime(), nullable=True),
    Column("approved_by", String(100), nullable=False, default=""),
    Column("approved_at", UtcDateTime(), nullable=True),
    Column("distributed_at", UtcDateTime(), nullable=True),
    Column("draft_due_at", UtcDateTime(), nullable=False),
    Column("distribution_due_at", UtcDateTime(), nullable=False),
    Column("draft_outcome", String(20), nullable=True),
    Column("distribution_outcome", String(20), nullable=True),
)

action_items = Table(
    "action_items",
    metadata,
    Column("id", String(36), primary_key=True),
    Column("meeting_id", String(36), ForeignKey("meetings.id"), nullable=False),
    Column("agenda_item_id", String(36), nullable=False, default=""),
    Column("title", String(500), nullable=False),
    Column("owner", String(100), nullable=False),
    Column("owner_department", String(20), nullable=False, default=""),
    Column("meeting_department", String(20), nullable=False, default=""),
    Column("closed_door", Boolean, nullable=False, default=False),
    Column("due_date", String(10), nullable=False),
    Column("due_at", UtcDateTime(), nullable=False),
    Column("completed_at", UtcDateTime(), nullable=True),
    Column("progress_note", Text, nullable=False, default=""),
    Column("created_at", UtcDateTime(), nullable=False),
    Column("updated_at", UtcDateTime(), nullable=False),
    Index("ix_action_items_owner", "owner", "due_at"),
    Index("ix_action_items_meeting", "meeting_id"),
    Index("ix_action_items_due", "due_at"),
)

# SPEC M-07: anonymous answers. No name and no time is stored with an answer;
# one answer per person and meeting is enforced by the unique keyed hash of
# (meeting, person) (domain.effectiveness.respondent_key).
survey_answers = Table(
    "survey_answers",
    metadata,
    Column("id", String(36), primary_key=True),
    Column("meeting_id", String(36), ForeignKey("meetings.id"), nullable=False),
    Column("respondent_key", String(64), nullable=False),
    Column("agenda", Integer, nullable=False),
    Column("materials", Integer, nullable=False),
    Column("logistics", Integer, nullable=False),
    Column("comment", Text, nullable=False, default=""),
    UniqueConstraint("meeting_id", "respondent_key", name="uq_survey_answers_respondent"),
)
