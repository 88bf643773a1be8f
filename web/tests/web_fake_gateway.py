"""A small stand-in for the gateway's public HTTP API: the paths, fields and problem
answers the workbench uses, with in-memory state."""

from __future__ import annotations

import re
import uuid
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from flask import Flask, jsonify, request
from werkzeug.wrappers import Response

PEOPLE = {
    "zhang.wei": {
        "name": "张伟",
        "department_code": "SEC",
        "roles": ["employee"],
        "headed_departments": [],
    },
    "zhao.min": {
        "name": "赵敏",
        "department_code": "SEC",
        "roles": ["employee", "secretariat"],
        "headed_departments": ["SEC"],
    },
}
PEOPLE["chen.jing"] = {
    "name": "陈静",
    "department_code": "HR",
    "roles": ["employee", "hr", "committee"],
    "headed_departments": ["HR"],
}
DEPARTMENTS = {"SEC": "秘书处", "HR": "人力资源部"}
TEMPLATE = {
    "key": "leave",
    "version": 1,
    "name": "请假 leave",
    "form_schema": {
        "type": "object",
        "properties": {
            "leave_type": {"enum": ["annual", "sick"]},
            "start_date": {"type": "string", "format": "date"},
            "days": {"type": "number", "exclusiveMinimum": 0},
            "items": {
                "type": "array",
                "items": {
                    "type": "object",
                    "properties": {"name": {"type": "string"}, "quantity": {"type": "integer"}},
                },
            },
        },
        "required": ["leave_type", "days"],
    },
    "steps": [],
}


@dataclass
class State:
    documents: dict[str, dict[str, Any]] = field(default_factory=dict)
    inbox: list[dict[str, Any]] = field(default_factory=list)
    approvals: list[dict[str, Any]] = field(default_factory=list)
    meetings: list[dict[str, Any]] = field(default_factory=list)
    headers: list[dict[str, str]] = field(default_factory=list)
    bodies: list[Any] = field(default_factory=list)
    expired: bool = False
    refreshed: int = 0
    newer: dict[str, Any] = field(default_factory=dict)
    demand_lists: list[dict[str, Any]] = field(default_factory=list)


def problem(
    status: int, title: str, detail: str = "", errors: list[dict[str, str]] | None = None
) -> Response:
    body: dict[str, Any] = {
        "type": "about:blank",
        "title": title,
        "status": status,
        "detail": detail,
    }
    if errors is not None:
        body["errors"] = errors
    reply = jsonify(body)
    reply.status_code = status
    reply.content_type = "application/problem+json"
    return reply


def page(items: list[dict[str, Any]]) -> dict[str, Any]:
    return {"items": items, "total": len(items), "page": 1, "page_size": 100}


def make_gateway(state: State) -> Flask:
    app = Flask("fake_gateway")

    def caller() -> str | None:
        auth = request.headers.get("Authorization", "")
        return auth.removeprefix("Bearer ").removeprefix("token-") or None

    @app.before_request
    def check() -> Response | None:
        state.headers.append(dict(request.headers))
        if request.path == "/api/v1/auth/login":
            return None
        if caller() is None or state.expired:
            return problem(401, "Unauthorized")
        return None

    @app.post("/api/v1/auth/login")
    def login() -> Response:
        body = request.get_json()
        if body["username"] not in PEOPLE or body["password"] != "demo":
            return problem(401, "登录失败")
        return jsonify(
            {"access_token": f"token-{body['username']}", "token_type": "Bearer", "expires_in": 900}
        )

    @app.post("/api/v1/auth/refresh")
    def refresh() -> Response:
        state.refreshed += 1
        return jsonify(
            {"access_token": f"token-{caller()}", "token_type": "Bearer", "expires_in": 900}
        )

    @app.get("/api/v1/me")
    def me() -> Response:
        username = caller()
        return jsonify({"username": username, **PEOPLE[str(username)]})

    @app.get("/api/v1/people")
    def people() -> Response:
        return jsonify(page([{"username": u, "active": True, **p} for u, p in PEOPLE.items()]))

    @app.get("/api/v1/departments")
    def departments() -> Response:
        return jsonify(page([{"code": c, "name": n} for c, n in DEPARTMENTS.items()]))

    @app.post("/api/v1/documents")
    def register() -> Response:
        body = request.get_json()
        state.bodies.append(body)
        chinese = request.headers.get("Accept-Language", "").startswith("zh")
        errors = []
        if not body.get("title"):
            errors.append({"field": "title", "message": "必填" if chinese else "required"})
        if body.get("type_code") not in {f"{i:02d}" for i in range(1, 13)}:
            errors.append(
                {"field": "type_code", "message": "格式不正确" if chinese else "invalid format"}
            )
        if errors:
            return problem(422, "校验未通过", "请求中有不符合要求的字段。", errors)
        ident = str(uuid.uuid4())
        document = {
            "id": ident,
            "number": f"SEC-2026-{body['type_code']}-001",
            "label_colour": "red" if body.get("priority") == "urgent" else "yellow",
            "state": "proposed_handling",
            "type_name": "notice",
            "readers": ["zhang.wei", "zhao.min"],
            "registered_by": caller(),
            "registered_at": "2026-11-30T06:00:00Z",
            "body": body.get("body", ""),
            "steps": [
                {
                    "id": "s1",
                    "kind": "register",
                    "owners": [caller()],
                    "state": "done",
                    "done_by": [caller()],
                    "due_at": None,
                    "overdue": False,
                    "completed_at": "2026-11-30T06:00:00Z",
                    "completed_by": caller(),
                    "comment": "",
                },
                {
                    "id": "s2",
                    "kind": "proposed_handling",
                    "owners": ["zhao.min"],
                    "state": "open",
                    "done_by": [],
                    "due_at": "2026-12-01T06:00:00Z",
                    "overdue": False,
                    "completed_at": None,
                    "completed_by": "",
                    "comment": "",
                },
            ],
            **{
                k: body.get(k)
                for k in (
                    "title",
                    "type_code",
                    "department_code",
                    "security_class",
                    "retention",
                    "priority",
                )
            },
        }
        state.documents[ident] = document
        state.inbox.append(
            {
                "id": str(uuid.uuid4()),
                "recipient": "zhao.min",
                "kind": "document_step_assigned",
                "title": f"待拟办：{document['number']} {document['title']}",
                "body": "",
                "subject_ref": f"documents/{ident}",
                "created_at": "2026-11-30T06:00:01Z",
                "read_at": None,
                "due_at": "2026-12-01T06:00:00Z",
            }
        )
        return jsonify(document), 201  # type: ignore[return-value]

    @app.get("/api/v1/documents")
    def search() -> Response:
        unknown = set(request.args) - {
            "q",
            "number",
            "department_code",
            "type_code",
            "from",
            "to",
            "page",
            "page_size",
        }
        if unknown:
            return problem(
                422, "校验未通过", errors=[{"field": k, "message": "unknown"} for k in unknown]
            )
        return jsonify(page(list(state.documents.values())))

    @app.get("/api/v1/documents/<ident>")
    def document(ident: str) -> Response:
        if ident not in state.documents:
            return problem(404, "未找到", "没有这份公文")
        return jsonify(state.documents[ident])

    @app.post("/api/v1/documents/<ident>/steps/<step>/complete")
    def complete(ident: str, step: str) -> Response:
        document = state.documents[ident]
        state.bodies.append(request.get_json())
        for s in document["steps"]:
            if s["id"] == step:
                s.update(
                    state="done",
                    done_by=[caller()],
                    completed_by=caller(),
                    comment=request.get_json().get("comment", ""),
                )
        document["state"] = "circulation"
        return jsonify(document)

    @app.get("/api/v1/inbox")
    def inbox() -> Response:
        unread = request.args.get("unread_only") == "true"
        mine = [
            i for i in state.inbox if i["recipient"] == caller() and not (unread and i["read_at"])
        ]
        return jsonify(page(mine))

    @app.post("/api/v1/inbox/<ident>/read")
    def read(ident: str) -> Response:
        for item in state.inbox:
            if item["id"] == ident:
                item["read_at"] = "2026-11-30T07:00:00Z"
        return jsonify({})

    @app.get("/api/v1/approvals/inbox")
    def approvals_inbox() -> Response:
        return jsonify(
            page(
                [
                    a
                    for a in state.approvals
                    if caller() in (a.get("current_step") or {}).get("approvers", [])
                ]
            )
        )

    @app.get("/api/v1/approvals")
    def approvals() -> Response:
        return jsonify(page(state.approvals))

    @app.get("/api/v1/approval-templates")
    def templates() -> Response:
        return jsonify({"items": [TEMPLATE]})

    @app.get("/api/v1/approval-templates/<key>")
    def template(key: str) -> Response:
        return jsonify(TEMPLATE) if key == "leave" else problem(404, "未找到")

    @app.post("/api/v1/approvals")
    def start() -> Response:
        body = request.get_json()
        state.bodies.append(body)
        if "days" not in body["payload"]:
            return problem(
                422,
                "校验未通过",
                errors=[{"field": "payload", "message": "'days' is a required property"}],
            )
        return jsonify({"id": "a1", **body}), 201  # type: ignore[return-value]

    @app.get("/api/v1/action-items")
    def action_items() -> Response:
        return jsonify(page([]))

    @app.get("/api/v1/meetings")
    def meetings() -> Response:
        return jsonify(page(state.meetings))

    @app.post("/api/v1/meetings")
    def book() -> Response:
        body = request.get_json()
        state.bodies.append(body)
        held = next(
            (
                m
                for m in state.meetings
                if m["room_id"] == body.get("room_id") and m["start_at"] == body.get("start_at")
            ),
            None,
        )
        if held:
            return problem(
                409, "Conflict", f"room is already booked by meeting {held['id']} «{held['topic']}»"
            )
        meeting = {"id": str(uuid.uuid4()), "warnings": [], **body}
        state.meetings.append(meeting)
        return jsonify(meeting), 201  # type: ignore[return-value]

    @app.get("/api/v1/rooms")
    def rooms() -> Response:
        return jsonify(
            {
                "items": [
                    {
                        "id": "r1",
                        "name": "第一会议室",
                        "capacity": 10,
                        "location": "",
                        "equipment": [],
                        "video_capable": False,
                        "available": None,
                    }
                ]
            }
        )

    @app.get("/api/v1/rooms/<ident>")
    def room(ident: str) -> Response:
        return jsonify({"id": ident, "name": "第一会议室", "capacity": 10})

    @app.get("/api/v1/rooms/<ident>/bookings")
    def bookings(ident: str) -> Response:
        found = []
        for m in state.meetings:
            start = datetime.fromisoformat(m["start_at"])
            found.append(
                {
                    "meeting_id": m["id"],
                    "room_id": ident,
                    "start_at": start.isoformat(),
                    "end_at": (
                        start + timedelta(minutes=int(m.get("duration_minutes") or 60))
                    ).isoformat(),
                    "occupied_from": (start - timedelta(minutes=15)).isoformat(),
                    "occupied_to": (start + timedelta(minutes=75)).isoformat(),
                    "topic": m["topic"],
                }
            )
        return jsonify({"items": found})

    @app.get("/api/v1/repairs")
    def repairs() -> Response:
        if "page" in request.args:
            return problem(422, "校验未通过", errors=[{"field": "page", "message": "unknown"}])
        return jsonify(
            {
                "items": [
                    {
                        "id": "rp1",
                        "title": "投影仪坏了",
                        "state": "reported",
                        "severity": "major",
                        "requester": "zhang.wei",
                        "assignee": "",
                        "location": "301",
                        "response_due_at": "2020-01-01T00:00:00Z",
                        "reported_at": "2020-01-01T00:00:00Z",
                    }
                ]
            }
        )

    @app.get("/api/v1/supplies/demand-lists")
    def demand_lists() -> Response:
        return jsonify(page(state.demand_lists))

    @app.post("/api/v1/supplies/demand-lists")
    def consolidate() -> Response:
        month = str((request.get_json() or {}).get("month", ""))
        if len(month) != 7:
            return problem(
                422, "校验未通过", errors=[{"field": "month", "message": "必须是 YYYY-MM"}]
            )
        if any(d["month"] == month for d in state.demand_lists):
            return problem(409, "冲突", f"{month} 的需求清单已存在")
        made = {
            "id": f"dl{len(state.demand_lists) + 1}",
            "month": month,
            "state": "pending_approval",
            "total_fen": 120000,
            "approval_id": "ap-list",
            "over_budget": True,
            "departments": [
                {
                    "department_code": "SEC",
                    "amount_fen": 120000,
                    "year": 2026,
                    "budget_fen": 100000,
                    "has_budget": True,
                    "spent_before_fen": 0,
                    "remaining_fen": -20000,
                    "over_budget": True,
                }
            ],
        }
        state.demand_lists.insert(0, made)
        return jsonify(made), 201

    @app.get("/api/v1/approvals/sla")
    def sla() -> Response:
        month = request.args.get("month", "2026-11")
        share = 0.1 if month.endswith("11") else 0.02
        return jsonify(
            {
                "month": month,
                "steps_total": 10,
                "steps_overdue": int(share * 10),
                "overdue_share": share,
                "target": 0.05,
                "routine_met": 8,
                "routine_breached": 1,
                "urgent_met": 1,
                "urgent_breached": 0,
            }
        )

    from web_fake_newer import add_newer_routes

    add_newer_routes(app, state, caller, problem, page)
    return app


def csrf_of(html: str) -> str:
    """The CSRF token a page's forms carry."""
    found = re.search(r'name="csrf_token" value="([^"]+)"', html)
    assert found, "the page has no CSRF field"
    return found.group(1)
