"""Metrics of the meetings service: the SLAs SPEC M-05 names and the warnings of
M-02/X-07 (X-05: every SLA outcome and timer firing is a metric)."""

from __future__ import annotations

from prometheus_client import Counter, Histogram

_SLA_HOURS = (0.25, 0.5, 1, 1.5, 2, 3, 4, 8, 16, 24, 36, 48, 72)

MEETINGS_SCHEDULED = Counter(
    "secretariat_meetings_scheduled_total",
    "Meetings scheduled (M-01), by type",
    ["type"],
)
BOOKING_CONFLICTS = Counter(
    "secretariat_meetings_booking_conflicts_total",
    "Room bookings refused because the room (with its 15-minute buffer) was taken (M-01)",
)
PREPARATION_WARNINGS = Counter(
    "secretariat_meetings_preparation_warnings_total",
    "Meetings prepared fewer than 3 days ahead (X-07), by reason",
    ["reason"],
)
MILESTONES_OVERDUE = Counter(
    "secretariat_meetings_milestones_overdue_total",
    "Preparation milestones whose due time passed while open (M-02)",
    ["milestone"],
)
NOTICES_PUBLISHED = Counter(
    "secretariat_meetings_notices_published_total",
    "Meeting notices sent (M-02): at_milestone = by the T-3d timer, "
    "short_notice = at scheduling because T-3d had passed",
    ["when"],
)
ROOMS_RELEASED = Counter(
    "secretariat_meetings_rooms_released_total",
    "Booked rooms released because nobody checked in 15 minutes after the start",
)
SPEAKER_OVERRUNS = Counter(
    "secretariat_meetings_speaker_overruns_total",
    "Speaking turns that ran over their limit (M-04)",
)
MINUTES_DRAFT = Counter(
    "secretariat_meetings_minutes_draft_total",
    "Minutes drafts by SLA outcome: met = within 2 hours of the meeting's end (M-05)",
    ["outcome"],
)
MINUTES_DRAFT_HOURS = Histogram(
    "secretariat_meetings_minutes_draft_hours",
    "Hours from a meeting's end to its first minutes draft (M-05)",
    buckets=_SLA_HOURS,
)
MINUTES_DISTRIBUTION = Counter(
    "secretariat_meetings_minutes_distribution_total",
    "Minutes distributions by SLA outcome: met = within 24 working-day hours (M-05, X-02)",
    ["outcome"],
)
MINUTES_DISTRIBUTION_HOURS = Histogram(
    "secretariat_meetings_minutes_distribution_hours",
    "Working-day hours from a meeting's end to the distribution of its minutes (M-05)",
    buckets=_SLA_HOURS,
)
ACTION_ITEMS_COMPLETED = Counter(
    "secretariat_meetings_action_items_completed_total",
    "Action items completed (M-06), by whether they were done by their due time",
    ["on_time"],
)
SURVEYS_CLOSED = Counter(
    "secretariat_meetings_surveys_closed_total",
    "Satisfaction surveys closed (M-07), by whether the meeting reached the target of 85",
    ["target"],
)
SURVEY_TOTALS = Counter(
    "secretariat_meetings_survey_totals_total",
    "Survey totals computed (M-07), by SLA outcome: met = within 24 hours of the end",
    ["outcome"],
)
SATISFACTION = Histogram(
    "secretariat_meetings_satisfaction",
    "Satisfaction (0-100) of each meeting whose survey closed with answers (M-07)",
    buckets=(50, 60, 70, 75, 80, 85, 90, 95, 100),
)

for _outcome in ("met", "breached"):
    MINUTES_DRAFT.labels(_outcome)
    MINUTES_DISTRIBUTION.labels(_outcome)
    SURVEY_TOTALS.labels(_outcome)
