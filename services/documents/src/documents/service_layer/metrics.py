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
