"""SLA metrics named by SPEC D-05 and D-10."""

from __future__ import annotations

from prometheus_client import Counter, Histogram

DOCUMENTS_REGISTERED = Counter(
    "secretariat_documents_registered_total",
    "Documents registered (D-01), by type and priority",
    ["type_code", "priority"],
)
STEP_OUTCOMES = Counter(
    "secretariat_document_steps_total",
    "Document flow steps finished, by kind, priority and SLA outcome (met|breached) (D-10)",
    ["kind", "priority", "outcome"],
)
STEPS_OVERDUE = Counter(
    "secretariat_document_steps_overdue_total",
    "Document flow steps whose deadline passed while still open (D-05, X-05)",
    ["kind", "priority"],
)
STEP_DURATION = Histogram(
    "secretariat_document_step_duration_hours",
    "Time a flow step stayed open, in SLA hours (working-day hours for 24 h clocks, X-02)",
    ["kind", "priority"],
    buckets=(0.25, 0.5, 1, 2, 4, 8, 16, 24, 36, 48, 72, 120),
)
STEPS_ESCALATED = Counter(
    "secretariat_document_steps_escalated_total",
    "Document flow steps untouched 48 working-day hours after opening, escalated to the "
    "owners' superiors (D-05, D-08)",
    ["kind", "priority"],
)
FLOW_OUTCOMES = Counter(
    "secretariat_document_flows_total",
    "Document flows by SLA outcome (D-10): routine registration to the end of circulation "
    "within 24 working-day hours, urgent first response within 2 hours; breached is counted "
    "when the flow's deadline passes",
    ["priority", "outcome"],
)
FLOW_DURATION = Histogram(
    "secretariat_document_flow_duration_hours",
    "Registration to the end of the measured flow, in SLA hours (D-10, X-02)",
    ["priority"],
    buckets=(0.25, 0.5, 1, 2, 4, 8, 16, 24, 36, 48, 72, 120),
)

for _priority in ("routine", "important", "urgent"):
    for _outcome in ("met", "breached"):
        FLOW_OUTCOMES.labels(_priority, _outcome)
