"""SLA metrics of the approval engine (SPEC D-10, X-05)."""

from __future__ import annotations

from prometheus_client import Counter, Histogram

STEP_DURATION = Histogram(
    "secretariat_approval_step_duration_hours",
    "Time an approval step stayed open, in SLA hours "
    "(working-day hours for routine 24 h clocks, wall-clock for urgent ones, X-02)",
    ["template", "priority"],
    buckets=(0.25, 0.5, 1, 2, 4, 8, 16, 24, 36, 48, 72, 120),
)
STEP_OUTCOMES = Counter(
    "secretariat_approval_steps_total",
    "Approval steps closed, by template, priority and SLA outcome (met|breached) (D-10)",
    ["template", "priority", "outcome"],
)
APPROVALS_STARTED = Counter(
    "secretariat_approvals_started_total",
    "Approvals started, by template and priority (D-06, D-07)",
    ["template", "priority"],
)
APPROVALS_FINISHED = Counter(
    "secretariat_approvals_finished_total",
    "Approvals finished, by template and outcome (approved|rejected|withdrawn)",
    ["template", "outcome"],
)
REMINDERS = Counter(
    "secretariat_approval_reminders_total",
    "Approval steps that reached their due time while open (D-08 reminder fired)",
    ["template", "priority"],
)
ESCALATIONS = Counter(
    "secretariat_approval_escalations_total",
    "Approval steps escalated to the approvers' superiors 48 hours after opening (D-08)",
    ["template", "priority"],
)
