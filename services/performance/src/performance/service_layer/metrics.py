"""The performance service's SLA and intake metrics (SPEC X-05, rule 9)."""

from __future__ import annotations

from prometheus_client import Counter

SLA_OUTCOMES = Counter(
    "secretariat_performance_sla_total",
    "Performance deadlines by outcome: bulletin publication (P-06), interview (P-08),"
    " appeal decision (P-10), improvement check-in (P-07)",
    ["sla", "outcome"],
)
FACTS_INGESTED = Counter(
    "secretariat_performance_facts_total",
    "Facts kept from other services' events, by kind (P-02)",
    ["kind"],
)
RESULTS_RECOMPUTED = Counter(
    "secretariat_performance_results_recomputed_total",
    "Published results recomputed, by cause (late fact, appeal)",
    ["cause"],
)
