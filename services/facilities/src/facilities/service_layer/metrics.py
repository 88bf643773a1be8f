"""SLA and activity metrics named by SPEC F-01..F-10 (X-05: every SLA outcome is a metric)."""

from __future__ import annotations

from prometheus_client import Counter, Histogram

REPAIR_RESPONSE = Counter(
    "secretariat_facilities_repair_response_total",
    "Repair tickets by response SLA outcome (met|breached within 2 hours, F-06)",
    ["outcome"],
)
REPAIR_RESPONSE_MINUTES = Histogram(
    "secretariat_facilities_repair_response_minutes",
    "Minutes from a fault's report to the response (F-06)",
    buckets=(5, 15, 30, 60, 90, 120, 180, 240, 480, 1440),
)
REPAIR_RESOLUTION = Counter(
    "secretariat_facilities_repair_resolution_total",
    "Major faults by resolution SLA outcome (met|breached within 24 working hours, F-06)",
    ["outcome"],
)
REPAIR_RESOLUTION_HOURS = Histogram(
    "secretariat_facilities_repair_resolution_hours",
    "Working-day hours from a major fault's report (or reopening) to its resolution (F-06, X-02)",
    buckets=(1, 2, 4, 8, 12, 16, 24, 36, 48, 72),
)
INCIDENT_PLAN = Counter(
    "secretariat_facilities_incident_plan_total",
    "Incidents by emergency-plan SLA outcome (met|breached within 10 minutes, F-10)",
    ["outcome"],
)
INCIDENT_RESTORE = Counter(
    "secretariat_facilities_incident_restore_total",
    "Incidents by key-equipment restoration SLA outcome (met|breached within 30 minutes, F-10)",
    ["outcome"],
)
INCIDENT_MINUTES = Histogram(
    "secretariat_facilities_incident_minutes",
    "Minutes from an incident's report to its plan start (stage=plan) and restoration (stage=restore)",
    ["stage"],
    buckets=(1, 2, 5, 10, 15, 20, 30, 45, 60, 120),
)
INSPECTION_ROUNDS = Counter(
    "secretariat_facilities_inspection_rounds_total",
    "Daily zone rounds by outcome (met = walked on time, breached = late or missed, F-07)",
    ["outcome"],
)
RECTIFICATIONS = Counter(
    "secretariat_facilities_rectifications_total",
    "Safety rectification items by outcome (met = closed by the due date, breached, F-08)",
    ["outcome"],
)
DELIVERIES = Counter(
    "secretariat_facilities_deliveries_total",
    "Purchase orders by delivery outcome (met = received in full by the delivery date, F-02)",
    ["outcome"],
)
REQUISITIONS = Counter(
    "secretariat_facilities_requisitions_total",
    "Supply requisitions by event (submitted|approved|rejected|withdrawn|collected, F-01, F-05)",
    ["event"],
)
ISSUE_COST = Counter(
    "secretariat_facilities_issue_cost_fen_total",
    "FIFO cost of goods issued, in fen (F-03)",
)
REPLENISHMENTS = Counter(
    "secretariat_facilities_replenishments_raised_total",
    "Replenishment requests raised by falling below the minimum-stock line (F-04)",
)

# Both outcomes exported from the start, so a fresh installation's SLA panels read 0.
for _outcome in ("met", "breached"):
    for _counter in (
        REPAIR_RESPONSE,
        REPAIR_RESOLUTION,
        INCIDENT_PLAN,
        INCIDENT_RESTORE,
        INSPECTION_ROUNDS,
        RECTIFICATIONS,
        DELIVERIES,
    ):
        _counter.labels(_outcome)
