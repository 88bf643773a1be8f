"""The archives service's Prometheus metrics (ENGINEERING rule 9)."""

from __future__ import annotations

from prometheus_client import Counter, Gauge, Histogram

RECORDS_CREATED = Counter(
    "secretariat_archives_records_created_total",
    "Archive records created, by origin (A-01)",
    ["origin"],
)
COPY_INTEGRITY_FAILURES = Counter(
    "secretariat_archives_copy_integrity_failures_total",
    "Reads of an electronic copy that failed decryption or its SHA-256 check (A-01)",
)
SEARCH_SECONDS = Histogram(
    "secretariat_archives_search_seconds",
    "Time to answer a record search (A-02)",
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5),
)
LOAN_TIMERS = Counter(
    "secretariat_archives_loan_timers_total",
    "Loan timers fired, by kind: due_reminder|overdue (A-03, X-05)",
    ["kind"],
)
LOANS_RETURNED = Counter(
    "secretariat_archives_loans_returned_total",
    "Loans returned, by outcome: met (on time) | breached (after the due date) (A-03, X-05)",
    ["outcome"],
)
CLIMATE_READINGS = Counter(
    "secretariat_archives_climate_readings_total",
    "Storeroom climate readings ingested (A-04)",
)
CLIMATE_ALERTS = Counter(
    "secretariat_archives_climate_alerts_total",
    "Storeroom climate alerts raised, by storeroom and cause (A-04)",
    ["storeroom", "cause"],
)
CLIMATE_ALERT_OPEN = Gauge(
    "secretariat_archives_climate_alert_open",
    "1 while the storeroom has an open climate alert, else 0 (A-04)",
    ["storeroom"],
)
CLIMATE_TEMPERATURE = Gauge(
    "secretariat_archives_climate_temperature_celsius",
    "Latest temperature reading per storeroom, °C (A-04)",
    ["storeroom"],
)
CLIMATE_HUMIDITY = Gauge(
    "secretariat_archives_climate_humidity_percent",
    "Latest relative humidity reading per storeroom, % (A-04)",
    ["storeroom"],
)
DESTROYED_COPIES = Counter(
    "secretariat_archives_destroyed_records_total",
    "Records destroyed after an approved destruction (A-06)",
)

# Every kind and outcome exported from the start, so a fresh installation's panels read 0.
for _kind in ("due_reminder", "overdue"):
    LOAN_TIMERS.labels(_kind)
for _outcome in ("met", "breached"):
    LOANS_RETURNED.labels(_outcome)
