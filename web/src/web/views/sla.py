"""SLA overview (SPEC D-10): the month's share of overdue approval steps, for heads,
leaders and the secretariat."""

from __future__ import annotations

from datetime import UTC, date, datetime
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
    shares = department_shares(
        gw().items("/api/v1/approvals", limit=500), today.strftime("%Y-%m"), datetime.now(UTC)
    )
    names = workbench().names
    by_department = share_chart(
        [
            Bar(
                names.department(gw(), code) or gettext("No department"),
                overdue / total,
                f"{overdue / total:.0%} ({overdue}/{total})",
            )
            for code, (overdue, total) in sorted(shares.items())
        ],
        target,
        gettext("Share of this month's approval steps overdue, by department"),
        gettext("Target %(target)s", target=f"{target:.0%}"),
        ident="by-department",
    )
    return render_template(
        "sla.html",
        chart=chart,
        by_department=by_department if shares else None,
        current=current,
        reports=reports,
    )


def _moment(value: object) -> datetime | None:
    if not value:
        return None
    moment = datetime.fromisoformat(str(value).replace("Z", "+00:00"))
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def department_shares(
    approvals: list[dict[str, Any]], month: str, now: datetime
) -> dict[str, tuple[int, int]]:
    """Department → (overdue steps, steps) among the approval steps opened in ``month``
    (local time) that the person may see; a step is overdue when it closed after its
    due time or is still open past it (D-08, D-10)."""
    zone = ZoneInfo(workbench().settings.timezone)
    found: dict[str, tuple[int, int]] = {}
    for approval in approvals:
        for step in approval.get("steps") or []:
            opened, due = _moment(step.get("opened_at")), _moment(step.get("due_at"))
            if opened is None or due is None or opened.astimezone(zone).strftime("%Y-%m") != month:
                continue
            finished = _moment(step.get("closed_at")) or now
            overdue, total = found.get(approval.get("department_code") or "", (0, 0))
            found[approval.get("department_code") or ""] = (
                overdue + (1 if finished > due else 0),
                total + 1,
            )
    return found
