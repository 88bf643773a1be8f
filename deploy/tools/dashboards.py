"""Write (or check) the Grafana dashboards the charts ship as ConfigMaps.

One SLA overview (umbrella chart) and one dashboard per deployable (its
chart's ``dashboards/``), built here from short panel definitions so that
every dashboard has the same data source variable, layout and conventions.
The metric names they query are checked against what the services export
(``e2e-tests/test_metrics_contract.py``) and against the source
(``deploy/tests/test_deploy_metrics.py``).

    python deploy/tools/dashboards.py          # write
    python deploy/tools/dashboards.py --check  # exit 1 when a file is stale
"""

from __future__ import annotations

import json
import re
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

import promql_names

HELM = Path(__file__).resolve().parents[1] / "helm"
DATASOURCE = {"type": "prometheus", "uid": "${datasource}"}
WIDTH = 24

# Every selector of every panel is narrowed to one installation: the
# Kubernetes namespace and the platform (secretariat.io/platform, the release
# name or global.instance, a target label of the ServiceMonitors), so two
# installations scraped by one Prometheus never add up. A Prometheus without
# these labels leaves both variables empty, which matches series without them.
SCOPE = 'namespace="$namespace",secretariat_io_platform="$release"'
SCOPE_VARIABLES = [
    {
        "name": "namespace",
        "label": "Namespace",
        "type": "query",
        "datasource": DATASOURCE,
        "query": {
            "query": 'label_values(up{app_kubernetes_io_part_of="secretariat"}, namespace)',
            "refId": "namespace",
        },
        "definition": 'label_values(up{app_kubernetes_io_part_of="secretariat"}, namespace)',
        "current": {},
        "hide": 0,
        "refresh": 2,
        "sort": 1,
        "includeAll": False,
        "multi": False,
    },
    {
        "name": "release",
        "label": "Release",
        "type": "query",
        "datasource": DATASOURCE,
        "query": {
            "query": 'label_values(up{app_kubernetes_io_part_of="secretariat",'
            'namespace="$namespace"}, secretariat_io_platform)',
            "refId": "release",
        },
        "definition": 'label_values(up{app_kubernetes_io_part_of="secretariat",'
        'namespace="$namespace"}, secretariat_io_platform)',
        "current": {},
        "hide": 0,
        "refresh": 2,
        "sort": 1,
        "includeAll": False,
        "multi": False,
    },
]
# A quoted string (left alone), or a name with its matchers, which may quote braces.
_TOKEN = re.compile(
    r'"(?:[^"\\]|\\.)*"|(?<![\w:$])([a-zA-Z_:][a-zA-Z0-9_:]*)(\{(?:[^}"]|"(?:[^"\\]|\\.)*")*\})?'
)


def scoped(expr: str) -> str:
    """``expr`` with every metric selector narrowed to the chosen namespace and release."""
    names = promql_names.metric_names(expr)

    def narrow(match: re.Match[str]) -> str:
        name, matchers = match.group(1), match.group(2)
        if name is None or name not in names:
            return match.group(0)
        if not matchers:
            return f"{name}{{{SCOPE}}}"
        inner = matchers[1:-1].strip()
        if inner.endswith(SCOPE):
            return match.group(0)
        return f"{name}{{{inner + ',' if inner else ''}{SCOPE}}}"

    return _TOKEN.sub(narrow, expr)


# SPEC D-10 per calendar month: the documents service counts the running month's steps
# (closed late or open past due = overdue) from its database, every replica alike, hence max.
def month_share(flow: str) -> str:
    return (
        f'sum(max by (flow, overdue) (secretariat_sla_month_steps{{flow="{flow}",overdue="true"}}))'
        f' / sum(max by (flow, overdue) (secretariat_sla_month_steps{{flow="{flow}"}}))'
    )


D10_SHARE = month_share("documents")
APPROVALS_D10_SHARE = month_share("approvals")
MEETING_SATISFACTION = (
    "sum(increase(secretariat_meetings_satisfaction_sum[30d]))"
    " / sum(increase(secretariat_meetings_satisfaction_count[30d]))"
)


def breached_share(metric: str, window: str = "30d") -> str:
    """Share of outcome="breached" among a met|breached counter's increase over the window;
    0, not "No data", before the first outcome (the services initialise both outcomes)."""
    return (
        f'(sum(increase({metric}{{outcome="breached"}}[{window}])) or vector(0))'
        f" / clamp_min(sum(increase({metric}[{window}])), 1)"
    )


@dataclass
class Target:
    expr: str
    legend: str = ""


@dataclass
class Panel:
    title: str
    targets: list[Target]
    kind: str = "timeseries"
    unit: str = "short"
    width: int = 12
    height: int = 8
    description: str = ""
    thresholds: list[tuple[float | None, str]] = field(default_factory=list)
    max: float | None = None


@dataclass
class Row:
    title: str


Item = Panel | Row


def platform_panels(service: str) -> list[Item]:
    """What every gRPC service shares: calls, errors, outbox, timers, consumer."""
    sel = f'service="{service}"'
    return [
        Row("Platform: gRPC, outbox, timers, events"),
        Panel(
            "gRPC calls by code",
            [
                Target(
                    f"sum by (code) (rate(secretariat_grpc_server_handled_total{{{sel}}}[$__rate_interval]))",
                    "{{code}}",
                )
            ],
            unit="reqps",
            width=8,
        ),
        Panel(
            "gRPC latency p95 by method",
            [
                Target(
                    "histogram_quantile(0.95, sum by (le, method) "
                    f"(rate(secretariat_grpc_server_handling_seconds_bucket{{{sel}}}[$__rate_interval])))",
                    "{{method}}",
                )
            ],
            unit="s",
            width=8,
        ),
        Panel(
            "Outbox lag",
            [
                Target(f"max(secretariat_outbox_lag_seconds{{{sel}}})", "oldest unpublished"),
                Target(f"max(secretariat_outbox_unsent{{{sel}}})", "unsent rows"),
            ],
            unit="s",
            width=8,
            description="Age of the oldest event not yet on the bus (alert above 60 s for 5 min).",
        ),
        Panel(
            "Timers fired by kind",
            [
                Target(
                    f"sum by (kind) (increase(secretariat_timers_fired_total{{{sel}}}[$__rate_interval]))",
                    "{{kind}}",
                ),
                Target(
                    f"sum by (kind) (increase(secretariat_timer_failures_total{{{sel}}}[$__rate_interval]))",
                    "failed {{kind}}",
                ),
            ],
            width=8,
        ),
        Panel(
            "Timers due and firing lag p95",
            [
                Target(f"max(secretariat_timers_due{{{sel}}})", "due, unfired"),
                Target(
                    "histogram_quantile(0.95, sum by (le) "
                    f"(rate(secretariat_timer_lag_seconds_bucket{{{sel}}}[$__rate_interval])))",
                    "lag p95 (s)",
                ),
            ],
            width=8,
            description="SPEC X-05: every deadline fires once, on time.",
        ),
        Panel(
            "Events consumed, failed, dead-lettered",
            [
                Target(
                    f"sum by (event_type) (rate(secretariat_events_consumed_total{{{sel}}}[$__rate_interval]))",
                    "{{event_type}}",
                ),
                Target(
                    f"sum(rate(secretariat_consumer_failures_total{{{sel}}}[$__rate_interval]))",
                    "handler failures",
                ),
                Target(
                    f"sum(rate(secretariat_events_dead_lettered_total{{{sel}}}[$__rate_interval]))",
                    "dead-lettered",
                ),
            ],
            unit="ops",
            width=8,
        ),
    ]


def documents_panels() -> list[Item]:
    return [
        Row("SPEC D-10: documents flow within 24 h (routine) and 2 h (urgent)"),
        Panel(
            "Overdue share, this calendar month",
            [Target(D10_SHARE, "overdue share")],
            kind="stat",
            unit="percentunit",
            width=6,
            description="Steps closed late or open past due over all steps of the month; "
            "SPEC D-10 allows 5 %.",
            thresholds=[(None, "green"), (0.04, "orange"), (0.05, "red")],
        ),
        Panel(
            "Open steps overdue now",
            [
                Target(
                    'sum(max by (kind, priority) (secretariat_document_steps_open{overdue="true"}))',
                    "overdue",
                )
            ],
            kind="stat",
            width=6,
            thresholds=[(None, "green"), (1, "orange")],
        ),
        Panel(
            "Open steps by kind and priority",
            [
                Target(
                    "max by (kind, priority, overdue) (secretariat_document_steps_open)",
                    "{{kind}} {{priority}} overdue={{overdue}}",
                )
            ],
            width=12,
        ),
        Panel(
            "Steps finished by priority and outcome",
            [
                Target(
                    "sum by (priority, outcome) (increase(secretariat_document_steps_total[1d]))",
                    "{{priority}} {{outcome}}",
                )
            ],
            width=12,
            description="Per day; outcome met or breached against the step's SLA clock (X-02).",
        ),
        Panel(
            "Step duration p95 by priority (SLA hours)",
            [
                Target(
                    "histogram_quantile(0.95, sum by (le, priority) "
                    "(rate(secretariat_document_step_duration_hours_bucket[1d])))",
                    "{{priority}}",
                )
            ],
            unit="h",
            width=12,
            description="Working-day hours for 24 h clocks, wall-clock for 2 h ones (X-02).",
        ),
        Panel(
            "Steps gone overdue",
            [
                Target(
                    "sum by (kind, priority) (increase(secretariat_document_steps_overdue_total[1d]))",
                    "{{kind}} {{priority}}",
                )
            ],
            width=12,
            description="Per day: steps whose deadline timer fired while open (D-05, X-05).",
        ),
        Panel(
            "Document flows this calendar month",
            [
                Target(
                    "max by (outcome) (secretariat_document_flows_month)",
                    "{{outcome}}",
                )
            ],
            width=12,
            description="D-10: registration to the end of circulation within 24 working-day "
            "hours (urgent: first response within 2 hours); breached = ended late or running "
            "past due.",
        ),
        Panel(
            "Documents registered by type",
            [
                Target(
                    "sum by (type_code) (increase(secretariat_documents_registered_total[1d]))",
                    "type {{type_code}}",
                )
            ],
            width=12,
        ),
        Row("SPEC D-06..D-10: approvals"),
        Panel(
            "Approval steps overdue, this calendar month",
            [Target(APPROVALS_D10_SHARE, "overdue share")],
            kind="stat",
            unit="percentunit",
            width=6,
            description="Approval steps closed late or open past due over all of the month; "
            "D-10 allows 5 %.",
            thresholds=[(None, "green"), (0.04, "orange"), (0.05, "red")],
        ),
        Panel(
            "Open approval steps overdue now",
            [
                Target(
                    'sum(max by (template, priority) (secretariat_approval_steps_open{overdue="true"}))',
                    "overdue",
                )
            ],
            kind="stat",
            width=6,
            thresholds=[(None, "green"), (1, "orange")],
        ),
        Panel(
            "Open approval steps by template and priority",
            [
                Target(
                    "max by (template, priority, overdue) (secretariat_approval_steps_open)",
                    "{{template}} {{priority}} overdue={{overdue}}",
                )
            ],
            width=12,
        ),
        Panel(
            "Approval steps closed by priority and outcome",
            [
                Target(
                    "sum by (priority, outcome) (increase(secretariat_approval_steps_total[1d]))",
                    "{{priority}} {{outcome}}",
                )
            ],
            width=12,
        ),
        Panel(
            "Approval step duration p95 by priority (SLA hours)",
            [
                Target(
                    "histogram_quantile(0.95, sum by (le, priority) "
                    "(rate(secretariat_approval_step_duration_hours_bucket[1d])))",
                    "{{priority}}",
                )
            ],
            unit="h",
            width=12,
        ),
        Panel(
            "Reminders and escalations (D-08)",
            [
                Target(
                    "sum by (template) (increase(secretariat_approval_reminders_total[1d]))",
                    "reminded {{template}}",
                ),
                Target(
                    "sum by (template) (increase(secretariat_approval_escalations_total[1d]))",
                    "escalated {{template}}",
                ),
            ],
            width=12,
            description="Per day: steps at their due time, and untouched 48 hours after opening.",
        ),
        Panel(
            "Approvals started and finished",
            [
                Target(
                    "sum by (template) (increase(secretariat_approvals_started_total[1d]))",
                    "started {{template}}",
                ),
                Target(
                    "sum by (outcome) (increase(secretariat_approvals_finished_total[1d]))",
                    "{{outcome}}",
                ),
            ],
            width=12,
        ),
        *platform_panels("documents"),
    ]


def meetings_panels() -> list[Item]:
    return [
        Row("SPEC M-05: minutes within 2 h (draft) and 24 working hours (distribution)"),
        Panel(
            "Minutes drafted late, last 30 days",
            [Target(breached_share("secretariat_meetings_minutes_draft_total"), "late share")],
            kind="stat",
            unit="percentunit",
            width=6,
            thresholds=[(None, "green"), (0.05, "orange")],
        ),
        Panel(
            "Minutes distributed late, last 30 days",
            [
                Target(
                    breached_share("secretariat_meetings_minutes_distribution_total"), "late share"
                )
            ],
            kind="stat",
            unit="percentunit",
            width=6,
            thresholds=[(None, "green"), (0.05, "orange")],
        ),
        Panel(
            "Hours to draft and to distribute, p95",
            [
                Target(
                    "histogram_quantile(0.95, sum by (le) "
                    "(rate(secretariat_meetings_minutes_draft_hours_bucket[1d])))",
                    "draft",
                ),
                Target(
                    "histogram_quantile(0.95, sum by (le) "
                    "(rate(secretariat_meetings_minutes_distribution_hours_bucket[1d])))",
                    "distribution (working hours)",
                ),
            ],
            unit="h",
            width=12,
        ),
        Row("SPEC M-06, M-07: resolutions and effectiveness"),
        Panel(
            "Satisfaction, 30-day average",
            [Target(MEETING_SATISFACTION, "satisfaction")],
            kind="stat",
            width=6,
            description="SPEC M-07 target: at least 85.",
            thresholds=[(None, "red"), (85, "green")],
        ),
        Panel(
            "Action items by status",
            [
                Target(
                    "sum by (status) (max by (status, cross_department) "
                    "(secretariat_meetings_action_items))",
                    "{{status}}",
                )
            ],
            width=9,
        ),
        Panel(
            "Preparation: milestones overdue and late scheduling",
            [
                Target('max(secretariat_meetings_milestones_open{overdue="true"})', "open overdue"),
                Target(
                    "sum by (reason) (increase(secretariat_meetings_preparation_warnings_total[1d]))",
                    "warned: {{reason}}",
                ),
            ],
            width=9,
            description="M-02 milestones past due; X-07 meetings scheduled fewer than 3 days ahead.",
        ),
        *platform_panels("meetings"),
    ]


def facilities_panels() -> list[Item]:
    return [
        Row("SPEC F-06, F-10: repairs and incidents"),
        Panel(
            "Repair responses over 2 h, last 30 days",
            [Target(breached_share("secretariat_facilities_repair_response_total"), "late share")],
            kind="stat",
            unit="percentunit",
            width=6,
            thresholds=[(None, "green"), (0.01, "orange")],
        ),
        Panel(
            "Major faults over 24 working hours, last 30 days",
            [
                Target(
                    breached_share("secretariat_facilities_repair_resolution_total"), "late share"
                )
            ],
            kind="stat",
            unit="percentunit",
            width=6,
            thresholds=[(None, "green"), (0.01, "orange")],
        ),
        Panel(
            "Minutes to respond to a repair, p95",
            [
                Target(
                    "histogram_quantile(0.95, sum by (le) "
                    "(rate(secretariat_facilities_repair_response_minutes_bucket[1d])))",
                    "response",
                )
            ],
            unit="m",
            width=6,
        ),
        Panel(
            "Incident plan and restoration, p95 minutes",
            [
                Target(
                    "histogram_quantile(0.95, sum by (le, stage) "
                    "(rate(secretariat_facilities_incident_minutes_bucket[7d])))",
                    "{{stage}}",
                )
            ],
            unit="m",
            width=6,
            description="F-10: plan within 10 minutes, restoration within 30.",
        ),
        Row("Supplies, inspections, safety (F-01..F-08)"),
        Panel(
            "Requisitions by event",
            [
                Target(
                    "sum by (event) (increase(secretariat_facilities_requisitions_total[1d]))",
                    "{{event}}",
                )
            ],
            width=8,
        ),
        Panel(
            "Rounds, rectifications and deliveries late",
            [
                Target(
                    'sum(increase(secretariat_facilities_inspection_rounds_total{outcome="breached"}[1d]))',
                    "rounds late or missed",
                ),
                Target(
                    'sum(increase(secretariat_facilities_rectifications_total{outcome="breached"}[1d]))',
                    "rectifications overdue",
                ),
                Target(
                    'sum(increase(secretariat_facilities_deliveries_total{outcome="breached"}[1d]))',
                    "deliveries late",
                ),
            ],
            width=8,
        ),
        Panel(
            "Issue cost and replenishments",
            [
                Target(
                    "sum(increase(secretariat_facilities_issue_cost_fen_total[1d])) / 100",
                    "issued, yuan per day",
                ),
                Target(
                    "sum(increase(secretariat_facilities_replenishments_raised_total[1d]))",
                    "replenishments raised",
                ),
            ],
            width=8,
        ),
        *platform_panels("facilities"),
    ]


def archives_panels() -> list[Item]:
    return [
        Row("SPEC A-04: storeroom climate, per storeroom"),
        Panel(
            "Temperature by storeroom (band 18–22 °C)",
            [
                Target(
                    "max by (storeroom) (secretariat_archives_climate_temperature_celsius)",
                    "{{storeroom}}",
                )
            ],
            unit="celsius",
            width=8,
            thresholds=[(None, "red"), (18, "green"), (22.01, "red")],
        ),
        Panel(
            "Relative humidity by storeroom (band 45–60 %)",
            [
                Target(
                    "max by (storeroom) (secretariat_archives_climate_humidity_percent)",
                    "{{storeroom}}",
                )
            ],
            unit="percent",
            width=8,
            thresholds=[(None, "red"), (45, "green"), (60.01, "red")],
        ),
        Panel(
            "Open climate alerts by storeroom",
            [
                Target(
                    "max by (storeroom) (secretariat_archives_climate_alert_open)", "{{storeroom}}"
                )
            ],
            width=8,
            description="1 while the storeroom's alert is open; it clears after the readings stay in band for the configured time.",
        ),
        Row("Records, search, loans, destruction (A-01..A-03, A-06)"),
        Panel(
            "Search time p95",
            [
                Target(
                    "histogram_quantile(0.95, sum by (le) "
                    "(rate(secretariat_archives_search_seconds_bucket[$__rate_interval])))",
                    "p95",
                )
            ],
            unit="s",
            width=6,
            thresholds=[(None, "green"), (0.05, "orange")],
        ),
        Panel(
            "Records created by origin",
            [
                Target(
                    "sum by (origin) (increase(secretariat_archives_records_created_total[1d]))",
                    "{{origin}}",
                )
            ],
            width=6,
        ),
        Panel(
            "Loans: reminders, overdue, late returns",
            [
                Target(
                    "sum by (kind) (increase(secretariat_archives_loan_timers_total[1d]))",
                    "{{kind}}",
                ),
                Target(
                    'sum(increase(secretariat_archives_loans_returned_total{outcome="breached"}[1d]))',
                    "returned late",
                ),
            ],
            width=6,
        ),
        Panel(
            "Copy integrity failures and destructions",
            [
                Target(
                    "sum(increase(secretariat_archives_copy_integrity_failures_total[1d]))",
                    "integrity failures",
                ),
                Target(
                    "sum(increase(secretariat_archives_destroyed_records_total[1d]))",
                    "records destroyed",
                ),
            ],
            width=6,
        ),
        *platform_panels("archives"),
    ]


def infohub_panels() -> list[Item]:
    return [
        Row("Inbox (X-06)"),
        Panel(
            "Inbox items created by kind",
            [
                Target(
                    "sum by (kind) (increase(secretariat_inbox_notices_total[$__rate_interval]))",
                    "{{kind}}",
                )
            ],
            width=12,
        ),
        Panel(
            "Event delivery p95 (envelope time to handled)",
            [
                Target(
                    "histogram_quantile(0.95, sum by (le, event_type) "
                    '(rate(secretariat_event_delivery_seconds_bucket{service="infohub"}[$__rate_interval])))',
                    "{{event_type}}",
                )
            ],
            unit="s",
            width=12,
        ),
        Panel(
            "Duplicate deliveries skipped",
            [
                Target(
                    'sum(increase(secretariat_events_duplicates_total{service="infohub"}[$__rate_interval]))',
                    "duplicates",
                )
            ],
            width=12,
        ),
        Row("Information flow (I-01..I-06)"),
        Panel(
            "Effectiveness rates this month by department (I-06)",
            [
                Target(
                    "min by (department, rate) (secretariat_info_effectiveness_rate)",
                    "{{department}} {{rate}}",
                )
            ],
            unit="percentunit",
            width=12,
            description="I-06: awareness = read/delivered, execution = actions started/required, "
            "achievement = accepted/required. Below 0.8 is named low, with its items, at "
            "GET /api/v1/info/effectiveness.",
        ),
        Panel(
            "Bulletins published and late (I-02)",
            [
                Target("sum(increase(secretariat_info_bulletins_total[1d]))", "published"),
                Target("sum(increase(secretariat_info_bulletin_late_total[1d]))", "late"),
            ],
            width=12,
            description="I-02: published before 09:00 on the next working day; later is an SLA "
            "breach (alert SecretariatBulletinLate).",
        ),
        Panel(
            "Unread at 2 hours and actions escalated (I-05)",
            [
                Target("sum(increase(secretariat_info_read_overdue_total[1d]))", "unread at 2 h"),
                Target(
                    "sum(increase(secretariat_info_actions_escalated_total[1d]))",
                    "actions escalated",
                ),
            ],
            width=12,
        ),
        Panel(
            "E-mail sent and failed",
            [
                Target(
                    "sum by (delivery) (increase(secretariat_mail_sent_total[$__rate_interval]))",
                    "{{delivery}}",
                ),
                Target(
                    "sum(increase(secretariat_mail_failures_total[$__rate_interval]))",
                    "failures (retried)",
                ),
            ],
            width=12,
        ),
        *platform_panels("infohub"),
    ]


def performance_panels() -> list[Item]:
    return [
        Row("Performance (P-02, P-06, P-08, P-10)"),
        Panel(
            "SLA outcomes by deadline",
            [
                Target(
                    "sum by (sla, outcome) (increase(secretariat_performance_sla_total[1d]))",
                    "{{sla}} {{outcome}}",
                )
            ],
            width=12,
        ),
        Panel(
            "Facts kept from events by kind",
            [
                Target(
                    "sum by (kind) (rate(secretariat_performance_facts_total[$__rate_interval]))",
                    "{{kind}}",
                )
            ],
            unit="ops",
            width=12,
        ),
        Panel(
            "Results recomputed by cause",
            [
                Target(
                    "sum by (cause) (increase(secretariat_performance_results_recomputed_total[1d]))",
                    "{{cause}}",
                )
            ],
            width=12,
        ),
        *platform_panels("performance"),
    ]


def career_panels() -> list[Item]:
    return [
        Row("SPEC C-05, C-08: mentoring hours and succession"),
        Panel(
            "Key posts without a ready successor",
            [Target("max(secretariat_career_key_posts_unready)", "key posts")],
            kind="stat",
            width=6,
            description="SPEC C-08: key posts with no successor ready now or within a year.",
            thresholds=[(None, "green"), (1, "red")],
        ),
        Panel(
            "Mentoring weeks short of 2 hours, last 30 days",
            [
                Target(
                    "(sum(increase(secretariat_career_reminders_total"
                    '{kind="career.mentoring.week",outcome="breached"}[30d])) or vector(0))'
                    " / clamp_min(sum(increase(secretariat_career_reminders_total"
                    '{kind="career.mentoring.week"}[30d])), 1)',
                    "short share",
                )
            ],
            kind="stat",
            unit="percentunit",
            width=6,
            description="SPEC C-05: every mentoring week logs at least 2 hours.",
            thresholds=[(None, "green"), (0.1, "orange"), (0.25, "red")],
        ),
        Panel(
            "Career timers fired by kind and outcome (X-05)",
            [
                Target(
                    "sum by (kind, outcome) "
                    "(increase(secretariat_career_reminders_total[$__rate_interval]))",
                    "{{kind}} {{outcome}}",
                )
            ],
            width=12,
        ),
        *platform_panels("career"),
    ]


def gateway_panels() -> list[Item]:
    return [
        Row("HTTP API"),
        Panel(
            "Requests by status",
            [
                Target(
                    "sum by (status) (rate(secretariat_http_requests_total[$__rate_interval]))",
                    "{{status}}",
                )
            ],
            unit="reqps",
            width=12,
        ),
        Panel(
            "Server errors",
            [
                Target(
                    'sum(rate(secretariat_http_requests_total{status=~"5.."}[$__rate_interval]))'
                    " / sum(rate(secretariat_http_requests_total[$__rate_interval]))",
                    "5xx share",
                )
            ],
            unit="percentunit",
            width=12,
            thresholds=[(None, "green"), (0.05, "red")],
        ),
        Panel(
            "Latency p95 by route",
            [
                Target(
                    "histogram_quantile(0.95, sum by (le, route) "
                    "(rate(secretariat_http_request_duration_seconds_bucket[$__rate_interval])))",
                    "{{route}}",
                )
            ],
            unit="s",
            width=24,
        ),
        Row("Logins (issue 13)"),
        Panel(
            "Logins refused before the password check, by reason",
            [
                Target(
                    "sum by (reason) (rate(secretariat_logins_throttled_total[$__rate_interval]))",
                    "{{reason}}",
                )
            ],
            unit="reqps",
            width=12,
        ),
        Panel(
            "Wrong passwords",
            [
                Target(
                    "sum(rate(secretariat_logins_failed_total[$__rate_interval]))",
                    "failed logins",
                )
            ],
            unit="reqps",
            width=12,
        ),
        Row("Directory gRPC (X-01)"),
        Panel(
            "Directory calls by code",
            [
                Target(
                    'sum by (code) (rate(secretariat_grpc_server_handled_total{service="directory"}[$__rate_interval]))',
                    "{{code}}",
                )
            ],
            unit="reqps",
            width=12,
        ),
        Panel(
            "Directory latency p95 by method",
            [
                Target(
                    "histogram_quantile(0.95, sum by (le, method) "
                    '(rate(secretariat_grpc_server_handling_seconds_bucket{service="directory"}[$__rate_interval])))',
                    "{{method}}",
                )
            ],
            unit="s",
            width=12,
        ),
    ]


def overview_panels() -> list[Item]:
    return [
        Row("Is everything up?"),
        Panel(
            "Targets up by deployable",
            [Target('sum by (job) (up{app_kubernetes_io_part_of="secretariat"})', "{{job}}")],
            kind="stat",
            width=24,
            height=5,
            thresholds=[(None, "red"), (1, "green")],
        ),
        Row("SPEC D-10: documents"),
        Panel(
            "Overdue share, last 30 days",
            [Target(D10_SHARE, "overdue share")],
            kind="stat",
            unit="percentunit",
            width=8,
            description="Target: at most 5 % of steps per month (SPEC D-10).",
            thresholds=[(None, "green"), (0.04, "orange"), (0.05, "red")],
        ),
        Panel(
            "Steps met and breached today",
            [
                Target(
                    "sum by (outcome) (increase(secretariat_document_steps_total[1d]))",
                    "{{outcome}}",
                )
            ],
            kind="stat",
            width=8,
        ),
        Panel(
            "Open steps overdue now",
            [
                Target(
                    'sum(max by (kind, priority) (secretariat_document_steps_open{overdue="true"}))',
                    "overdue",
                )
            ],
            kind="stat",
            width=8,
            thresholds=[(None, "green"), (1, "orange")],
        ),
        Panel(
            "Approval steps overdue, last 30 days",
            [Target(APPROVALS_D10_SHARE, "overdue share")],
            kind="stat",
            unit="percentunit",
            width=8,
            description="Approval steps under the same D-10 target of at most 5 %.",
            thresholds=[(None, "green"), (0.04, "orange"), (0.05, "red")],
        ),
        Row("SPEC M-05, M-07: meetings"),
        Panel(
            "Minutes drafted late (30 d)",
            [Target(breached_share("secretariat_meetings_minutes_draft_total"), "late share")],
            kind="stat",
            unit="percentunit",
            width=8,
            thresholds=[(None, "green"), (0.05, "orange")],
        ),
        Panel(
            "Minutes distributed late (30 d)",
            [
                Target(
                    breached_share("secretariat_meetings_minutes_distribution_total"), "late share"
                )
            ],
            kind="stat",
            unit="percentunit",
            width=8,
            thresholds=[(None, "green"), (0.05, "orange")],
        ),
        Panel(
            "Meeting satisfaction (30 d)",
            [Target(MEETING_SATISFACTION, "satisfaction")],
            kind="stat",
            width=8,
            description="Target: at least 85 (SPEC M-07).",
            thresholds=[(None, "red"), (85, "green")],
        ),
        Row("SPEC F-06, F-10: facilities"),
        Panel(
            "Repair responses over 2 h (30 d)",
            [Target(breached_share("secretariat_facilities_repair_response_total"), "late share")],
            kind="stat",
            unit="percentunit",
            width=8,
            thresholds=[(None, "green"), (0.01, "orange")],
        ),
        Panel(
            "Major faults over 24 working hours (30 d)",
            [
                Target(
                    breached_share("secretariat_facilities_repair_resolution_total"), "late share"
                )
            ],
            kind="stat",
            unit="percentunit",
            width=8,
            thresholds=[(None, "green"), (0.01, "orange")],
        ),
        Panel(
            "Incident timings missed (30 d)",
            [
                Target(
                    'sum(increase(secretariat_facilities_incident_plan_total{outcome="breached"}[30d]))',
                    "plan later than 10 min",
                ),
                Target(
                    'sum(increase(secretariat_facilities_incident_restore_total{outcome="breached"}[30d]))',
                    "restored later than 30 min",
                ),
            ],
            kind="stat",
            width=8,
            thresholds=[(None, "green"), (1, "red")],
        ),
        Row("SPEC C-05, C-08: career"),
        Panel(
            "Key posts without a ready successor",
            [Target("max(secretariat_career_key_posts_unready)", "key posts")],
            kind="stat",
            width=12,
            description="SPEC C-08: GET /api/v1/career/succession?flagged_only=true lists them.",
            thresholds=[(None, "green"), (1, "red")],
        ),
        Panel(
            "Mentoring weeks short of 2 hours, last 30 days",
            [
                Target(
                    "sum(increase(secretariat_career_reminders_total"
                    '{kind="career.mentoring.week",outcome="breached"}[30d]))',
                    "short weeks",
                )
            ],
            kind="stat",
            width=12,
            thresholds=[(None, "green"), (1, "orange")],
        ),
        Row("Platform: events and deadlines (X-05, X-06)"),
        Panel(
            "Outbox lag by service",
            [Target("max by (service) (secretariat_outbox_lag_seconds)", "{{service}}")],
            unit="s",
            width=8,
            thresholds=[(None, "green"), (60, "orange"), (600, "red")],
        ),
        Panel(
            "Dead-lettered events, last 24 h",
            [
                Target(
                    "sum by (service) (increase(secretariat_events_dead_lettered_total[1d]))",
                    "{{service}}",
                )
            ],
            kind="stat",
            width=8,
            thresholds=[(None, "green"), (1, "red")],
        ),
        Panel(
            "Deadlines due and unfired",
            [Target("max by (service) (secretariat_timers_due)", "{{service}}")],
            width=8,
        ),
    ]


def panel_json(panel: Panel, panel_id: int, x: int, y: int) -> dict[str, Any]:
    steps = [{"color": color, "value": value} for value, color in panel.thresholds] or [
        {"color": "green", "value": None}
    ]
    defaults: dict[str, Any] = {
        "unit": panel.unit,
        "noValue": "0",
        "thresholds": {"mode": "absolute", "steps": steps},
    }
    if panel.max is not None:
        defaults["max"] = panel.max
    body: dict[str, Any] = {
        "id": panel_id,
        "type": panel.kind,
        "title": panel.title,
        "description": panel.description,
        "datasource": DATASOURCE,
        "gridPos": {"h": panel.height, "w": panel.width, "x": x, "y": y},
        "fieldConfig": {"defaults": defaults, "overrides": []},
        "targets": [
            {
                "refId": chr(ord("A") + i),
                "datasource": DATASOURCE,
                "expr": scoped(target.expr),
                "legendFormat": target.legend,
            }
            for i, target in enumerate(panel.targets)
        ],
    }
    if panel.kind == "stat":
        body["options"] = {
            "reduceOptions": {"calcs": ["lastNotNull"], "fields": "", "values": False},
            "colorMode": "background",
            "graphMode": "none",
        }
    else:
        body["options"] = {"legend": {"displayMode": "list", "placement": "bottom"}}
    return body


def dashboard(
    uid: str, title: str, items: list[Item], time_from: str = "now-24h"
) -> dict[str, Any]:
    panels: list[dict[str, Any]] = []
    x = y = 0
    row_height = 0
    for panel_id, item in enumerate(items, start=1):
        if isinstance(item, Row):
            if x:
                y += row_height
                x = 0
            panels.append(
                {
                    "id": panel_id,
                    "type": "row",
                    "title": item.title,
                    "collapsed": False,
                    "gridPos": {"h": 1, "w": WIDTH, "x": 0, "y": y},
                    "panels": [],
                }
            )
            y += 1
            row_height = 0
            continue
        if x + item.width > WIDTH:
            y += row_height
            x = 0
            row_height = 0
        panels.append(panel_json(item, panel_id, x, y))
        x += item.width
        row_height = max(row_height, item.height)
    return {
        "uid": uid,
        "title": title,
        "tags": ["secretariat"],
        "timezone": "browser",
        "editable": True,
        "graphTooltip": 1,
        "schemaVersion": 39,
        "version": 1,
        "refresh": "1m",
        "time": {"from": time_from, "to": "now"},
        "annotations": {"list": []},
        "links": [],
        "templating": {
            "list": [
                {
                    "name": "datasource",
                    "label": "Data source",
                    "type": "datasource",
                    "query": "prometheus",
                    "current": {},
                    "hide": 0,
                    "refresh": 1,
                },
                *SCOPE_VARIABLES,
            ]
        },
        "panels": panels,
    }


def service_stub_boards(listed: set[Path]) -> dict[Path, dict[str, Any]]:
    """A new service's chart gets the platform panels until it has panels of its own
    (``make new-service``: add a ``<name>_panels()`` above and list it here)."""
    boards: dict[Path, dict[str, Any]] = {}
    for chart in sorted(p.parent for p in HELM.glob("*/Chart.yaml")):
        path = chart / "dashboards" / f"{chart.name}.json"
        text = (chart / "Chart.yaml").read_text()
        # The workbench (web) serves no metrics, so it has no dashboard.
        skip = ("secretariat", "gateway", "web")
        if path in listed or chart.name in skip or "type: library" in text:
            continue
        boards[path] = dashboard(
            f"secretariat-{chart.name}",
            f"Secretariat / {chart.name.capitalize()}",
            platform_panels(chart.name),
        )
    return boards


def dashboards() -> dict[Path, dict[str, Any]]:
    listed = _listed_dashboards()
    return {**listed, **service_stub_boards(set(listed))}


def _listed_dashboards() -> dict[Path, dict[str, Any]]:
    return {
        HELM / "secretariat" / "dashboards" / "sla-overview.json": dashboard(
            "secretariat-sla-overview", "Secretariat / SLA overview", overview_panels(), "now-7d"
        ),
        HELM / "gateway" / "dashboards" / "gateway.json": dashboard(
            "secretariat-gateway", "Secretariat / Gateway", gateway_panels()
        ),
        HELM / "documents" / "dashboards" / "documents.json": dashboard(
            "secretariat-documents", "Secretariat / Documents", documents_panels(), "now-7d"
        ),
        HELM / "infohub" / "dashboards" / "infohub.json": dashboard(
            "secretariat-infohub", "Secretariat / Information hub", infohub_panels()
        ),
        HELM / "meetings" / "dashboards" / "meetings.json": dashboard(
            "secretariat-meetings", "Secretariat / Meetings", meetings_panels(), "now-7d"
        ),
        HELM / "facilities" / "dashboards" / "facilities.json": dashboard(
            "secretariat-facilities", "Secretariat / Facilities", facilities_panels(), "now-7d"
        ),
        HELM / "archives" / "dashboards" / "archives.json": dashboard(
            "secretariat-archives", "Secretariat / Archives", archives_panels(), "now-7d"
        ),
        HELM / "career" / "dashboards" / "career.json": dashboard(
            "secretariat-career", "Secretariat / Career", career_panels(), "now-7d"
        ),
        HELM / "performance" / "dashboards" / "performance.json": dashboard(
            "secretariat-performance", "Secretariat / Performance", performance_panels(), "now-7d"
        ),
    }


def render(board: dict[str, Any]) -> str:
    return json.dumps(board, indent=2, ensure_ascii=False) + "\n"


def main(argv: list[str]) -> int:
    check = "--check" in argv[1:]
    stale = []
    for path, board in dashboards().items():
        text = render(board)
        if path.exists() and path.read_text() == text:
            continue
        if check:
            stale.append(str(path))
        else:
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(text)
            print(f"wrote {path}")
    if stale:
        print(
            "stale dashboards (run python deploy/tools/dashboards.py): " + ", ".join(stale),
            file=sys.stderr,
        )
        return 1
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv))
