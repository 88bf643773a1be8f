"""SLA overview (SPEC D-10): the month's share of overdue approval steps, for heads,
leaders and the secretariat."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

from flask import Blueprint, abort, render_template
from flask_babel import gettext

from web.app import gw, has_role, is_head, workbench
from web.charts import Bar, share_chart
from web.gateway import Problem

bp = Blueprint("sla", __name__, url_prefix="/sla")
MONTHS = 6


def _months(today: date, count: int) -> list[str]:
    year, month = today.year, today.month
    found = []
    for _ in range(count):
        found.append(f"{year:04d}-{month:02d}")
        month -= 1
        if month == 0:
            year, month = year - 1, 12
    return list(reversed(found))


@bp.get("/")
def index() -> str:
    if not (
        is_head() or has_role("secretariat", "leader", "supervising_leader", "office_director")
    ):
        abort(403)
    today = datetime.now(ZoneInfo(workbench().settings.timezone)).date()
    reports: list[dict[str, Any]] = []
    for month in _months(today, MONTHS):
        try:
            reports.append(gw().get("/api/v1/approvals/sla", month=month))
        except Problem:
            continue
    current = reports[-1] if reports else None
    target = float(current["target"]) if current else 0.05
    chart = share_chart(
        [
            Bar(
                r["month"][5:] + gettext("M"),
                float(r["overdue_share"]),
                f"{float(r['overdue_share']):.0%} ({r['steps_overdue']}/{r['steps_total']})",
            )
            for r in reports
        ],
        target,
        gettext("Share of approval steps overdue, by month"),
        gettext("Target %(target)s", target=f"{target:.0%}"),
    )
    return render_template("sla.html", chart=chart, current=current, reports=reports)
