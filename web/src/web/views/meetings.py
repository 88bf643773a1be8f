"""Meetings (SPEC M-01..M-07): the week of rooms and my meetings, booking with the
conflict shown, the checklist, minutes with action items, and the survey."""

from __future__ import annotations

import io
import re
from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import qrcode
import qrcode.image.svg
from flask import Blueprint, redirect, render_template, request, url_for
from flask_babel import gettext
from markupsafe import Markup
from werkzeug.wrappers import Response

from web import labels
from web.app import gw, me, workbench
from web.gateway import Problem
from web.views.common import done, form_errors, idempotency, integer

bp = Blueprint("meetings", __name__, url_prefix="/meetings")
AGENDA_ROWS = 3
ACTION_ROWS = 3


def _zone() -> ZoneInfo:
    return ZoneInfo(workbench().settings.timezone)


def _monday(text: str | None) -> date:
    try:
        day = date.fromisoformat(text) if text else datetime.now(_zone()).date()
    except ValueError:
        day = datetime.now(_zone()).date()
    return day - timedelta(days=day.weekday())


def _local(value: str | None) -> datetime | None:
    if not value:
        return None
    return datetime.fromisoformat(value.replace("Z", "+00:00")).astimezone(_zone())


@bp.get("/")
def index() -> str:
    monday = _monday(request.args.get("week"))
    start = datetime.combine(monday, time.min, _zone())
    end = start + timedelta(days=7)
    window = {"from": start.isoformat(), "to": end.isoformat()}
    days = [monday + timedelta(days=i) for i in range(7)]
    rooms = gw().unpaged("/api/v1/rooms")
    grid: dict[str, dict[date, list[dict[str, Any]]]] = {}
    for room in rooms:
        cells: dict[date, list[dict[str, Any]]] = {d: [] for d in days}
        for booking in gw().unpaged(f"/api/v1/rooms/{room['id']}/bookings", **window):
            moment = _local(booking.get("start_at"))
            if moment and moment.date() in cells:
                booking["local_start"] = moment
                booking["local_end"] = _local(booking.get("end_at"))
                cells[moment.date()].append(booking)
        grid[room["id"]] = cells
    mine: dict[date, list[dict[str, Any]]] = {d: [] for d in days}
    for meeting in gw().items("/api/v1/meetings", limit=200, mine="true", **window):
        moment = _local(meeting.get("start_at"))
        if moment and moment.date() in mine:
            meeting["local_start"] = moment
            meeting["local_end"] = _local(meeting.get("end_at"))
            mine[moment.date()].append(meeting)
    for cells in (*grid.values(), mine):
        for entries in cells.values():
            entries.sort(key=lambda e: e["local_start"])
    return render_template(
        "meetings/index.html",
        days=days,
        rooms=rooms,
        grid=grid,
        mine=mine,
        monday=monday,
        previous=monday - timedelta(days=7),
        following=monday + timedelta(days=7),
        today=datetime.now(_zone()).date(),
    )


def _meeting_body(form: Any) -> dict[str, Any]:
    day, clock = form.get("date", "").strip(), form.get("time", "").strip()
    start_at = ""
    if day and clock:
        try:
            start_at = datetime.combine(
                date.fromisoformat(day), time.fromisoformat(clock), _zone()
            ).isoformat()
        except ValueError:
            start_at = f"{day}T{clock}"
    agenda = []
    for row in range(AGENDA_ROWS):
        title = form.get(f"agenda-{row}-title", "").strip()
        if title:
            item: dict[str, Any] = {"title": title}
            if form.get(f"agenda-{row}-presenter"):
                item["presenter"] = form.get(f"agenda-{row}-presenter")
            if form.get(f"agenda-{row}-minutes_allotted"):
                item["minutes_allotted"] = integer(form.get(f"agenda-{row}-minutes_allotted"))
            agenda.append(item)
    body: dict[str, Any] = {
        "topic": form.get("topic", "").strip(),
        "type": form.get("type", ""),
        "goals": form.get("goals", "").strip(),
        "security_class": form.get("security_class") or "internal",
        "start_at": start_at,
        "duration_minutes": integer(form.get("duration_minutes")),
        "room_id": form.get("room_id") or None,
        "video_link": form.get("video_link", "").strip() or None,
        "participants": form.getlist("participants"),
        "recorder": form.get("recorder") or None,
        "important": form.get("important") == "1",
        "agenda": agenda,
    }
    return {k: v for k, v in body.items() if v is not None}


_UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")


def conflict_message(problem: Problem, body: dict[str, Any]) -> str:
    """M-01: which meeting holds the room and when, in the person's words (the API's
    detail names the meeting by its id)."""
    held_by = _UUID.search(problem.detail or "")
    room_id = body.get("room_id")
    start = _local(str(body.get("start_at") or "")) if body.get("start_at") else None
    if held_by and room_id and start:
        window = {
            "from": (start - timedelta(days=1)).isoformat(),
            "to": (start + timedelta(days=1)).isoformat(),
        }
        try:
            bookings = gw().unpaged(f"/api/v1/rooms/{room_id}/bookings", **window)
            room = gw().get(f"/api/v1/rooms/{room_id}")
        except Problem:
            bookings, room = [], {}
        booking = next((b for b in bookings if b.get("meeting_id") == held_by.group(0)), None)
        if booking:
            begins, ends, held = (
                _local(booking.get(k)) for k in ("start_at", "end_at", "occupied_from")
            )
            return str(
                gettext(
                    "%(room)s is already booked for “%(topic)s” on %(day)s %(start)s–%(end)s (held from %(held)s with the 15-minute buffer). Choose another time or room.",
                    room=room.get("name", ""),
                    topic=booking.get("topic") or gettext("another meeting"),
                    day=begins.strftime("%Y-%m-%d") if begins else "",
                    start=begins.strftime("%H:%M") if begins else "",
                    end=ends.strftime("%H:%M") if ends else "",
                    held=held.strftime("%H:%M") if held else "",
                )
            )
    return str(
        gettext("The room is already booked at that time: %(detail)s", detail=problem.detail)
    )


def _book_errors(problem: Problem, body: dict[str, Any]) -> dict[str, str]:
    errors = form_errors(problem)
    if "start_at" in errors:
        errors.setdefault("date", errors["start_at"])
        errors.setdefault("time", errors["start_at"])
    if problem.status == 409:
        message = conflict_message(problem, body)
        errors = {"_form": message, "room_id": message, "time": message}
    return errors


@bp.route("/new", methods=["GET", "POST"])
def new() -> str | Response:
    errors: dict[str, str] = {}
    if request.method == "POST":
        body = _meeting_body(request.form)
        try:
            created = gw().post("/api/v1/meetings", body, headers=idempotency())
        except Problem as problem:
            errors = _book_errors(problem, body)
        else:
            for warning in created.get("warnings", []):
                done(gettext("Note: %(warning)s", warning=warning))
            done(gettext("The meeting is booked."))
            return redirect(url_for("meetings.detail", meeting_id=created["id"]))
    rooms = gw().unpaged("/api/v1/rooms")
    return render_template(
        "meetings/new.html",
        errors=errors,
        rooms=[(r["id"], f"{r['name']}（{r.get('capacity', '')}）") for r in rooms],
        people=workbench().names.choices(gw()),
        types=[(k, labels.label("meeting_type", k)) for k in labels.MEETING_TYPES],
        classes=[(k, labels.label("security", k)) for k in labels.SECURITY_CLASSES],
        agenda_rows=AGENDA_ROWS,
        defaults={"date": request.args.get("date", ""), "room_id": request.args.get("room", "")},
    )


def _survey_qr(url: str) -> Markup:
    image = qrcode.make(url, image_factory=qrcode.image.svg.SvgPathImage, box_size=8)
    buffer = io.BytesIO()
    image.save(buffer)
    svg = buffer.getvalue().decode()
    svg = svg[svg.index("<svg") :]
    return Markup(svg.replace("<svg ", '<svg role="img" aria-label="QR" ', 1))  # noqa: S704 - our own SVG


@bp.get("/<meeting_id>")
def detail(meeting_id: str, errors: dict[str, str] | None = None) -> str:
    meeting = gw().get(f"/api/v1/meetings/{meeting_id}")
    checklist = _optional(lambda: gw().get(f"/api/v1/meetings/{meeting_id}/checklist"))
    minutes = _optional(lambda: gw().get(f"/api/v1/meetings/{meeting_id}/minutes"))
    survey = _optional(lambda: gw().get(f"/api/v1/meetings/{meeting_id}/survey"))
    actions = _optional(
        lambda: gw().items("/api/v1/action-items", limit=100, meeting_id=meeting_id)
    )
    survey_url = url_for("meetings.detail", meeting_id=meeting_id, _external=True) + "#survey"
    return render_template(
        "meetings/detail.html",
        meeting=meeting,
        checklist=checklist,
        minutes=minutes,
        survey=survey,
        actions=actions or [],
        errors=errors or {},
        username=me().get("username"),
        people=workbench().names.choices(gw()),
        qr=_survey_qr(survey_url),
        action_rows=ACTION_ROWS,
    )


def _optional(fetch: Any) -> Any:
    try:
        return fetch()
    except Problem:
        return None


@bp.post("/<meeting_id>/checklist/<milestone_id>")
def tick(meeting_id: str, milestone_id: str) -> Response:
    gw().post(f"/api/v1/meetings/{meeting_id}/checklist/{milestone_id}/done")
    done(gettext("Ticked off."))
    return redirect(url_for("meetings.detail", meeting_id=meeting_id) + "#checklist")


@bp.post("/<meeting_id>/do/<step>")
def lifecycle(meeting_id: str, step: str) -> str | Response:
    if step not in ("check-in", "end", "cancel"):
        raise Problem(404)
    body = {"reason": request.form.get("reason", "")} if step == "cancel" else {}
    try:
        gw().post(f"/api/v1/meetings/{meeting_id}/{step}", body)
    except Problem as problem:
        return detail(meeting_id, errors=form_errors(problem))
    return redirect(url_for("meetings.detail", meeting_id=meeting_id))


@bp.post("/<meeting_id>/minutes")
def minutes(meeting_id: str) -> str | Response:
    points = [
        line.strip() for line in request.form.get("key_points", "").splitlines() if line.strip()
    ]
    actions = []
    for row in range(ACTION_ROWS):
        title = request.form.get(f"action-{row}-title", "").strip()
        if title:
            actions.append(
                {
                    "title": title,
                    "owner": request.form.get(f"action-{row}-owner", ""),
                    "due_date": request.form.get(f"action-{row}-due_date", ""),
                }
            )
    body = {"sections": [{"key_points": points}], "action_items": actions}
    try:
        gw().post(f"/api/v1/meetings/{meeting_id}/minutes", body)
    except Problem as problem:
        errors = form_errors(problem)
        for name, message in list(errors.items()):
            if name.startswith("action_items."):
                parts = name.split(".")
                errors["action-" + "-".join(parts[1:])] = message
            if name.startswith("sections"):
                errors["key_points"] = message
        return detail(meeting_id, errors=errors)
    done(gettext("The minutes draft is handed in."))
    return redirect(url_for("meetings.detail", meeting_id=meeting_id) + "#minutes")


@bp.post("/<meeting_id>/minutes/approve")
def approve_minutes(meeting_id: str) -> str | Response:
    try:
        gw().post(f"/api/v1/meetings/{meeting_id}/minutes/approve")
    except Problem as problem:
        return detail(meeting_id, errors=form_errors(problem))
    done(gettext("The minutes are approved and distributed."))
    return redirect(url_for("meetings.detail", meeting_id=meeting_id) + "#minutes")


@bp.post("/<meeting_id>/survey")
def survey(meeting_id: str) -> str | Response:
    body = {
        "agenda": integer(request.form.get("agenda")),
        "materials": integer(request.form.get("materials")),
        "logistics": integer(request.form.get("logistics")),
        "comment": request.form.get("comment", ""),
    }
    try:
        gw().post(f"/api/v1/meetings/{meeting_id}/survey", body)
    except Problem as problem:
        return detail(meeting_id, errors=form_errors(problem))
    done(gettext("Thank you for your answer."))
    return redirect(url_for("meetings.detail", meeting_id=meeting_id) + "#survey")


@bp.post("/action-items/<item_id>")
def action_item(item_id: str) -> Response:
    body = {
        "status": request.form.get("status") or None,
        "progress_note": request.form.get("progress_note") or None,
    }
    updated = gw().patch(f"/api/v1/action-items/{item_id}", {k: v for k, v in body.items() if v})
    done(gettext("Progress saved."))
    return redirect(
        url_for("meetings.detail", meeting_id=updated["meeting_id"]) + f"#action-{item_id}"
    )
