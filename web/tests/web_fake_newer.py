"""The fake gateway's routes for archives, the information hub, performance and career:
the paths and fields the workbench's pages use, with in-memory state."""

from __future__ import annotations

import html
import uuid
from collections.abc import Callable
from typing import Any

from flask import Flask, jsonify, request
from werkzeug.wrappers import Response

RECORDS = [
    {
        "id": "r1",
        "number": "SEC-2025-04-007",
        "title": "关于做好年终总结工作的通知",
        "type_code": "04",
        "department_code": "SEC",
        "security_class": "internal",
        "retention": "10y",
        "document_date": "2025-12-01",
        "archived_at": "2025-12-20T02:00:00Z",
        "origin": "document",
        "copy": {"file_name": "年终总结通知.pdf", "sha256": "ab" * 32, "destroyed": False},
        "shelf": {"storeroom": "一号库房", "cabinet": "A", "shelf": "3", "box": "12"},
        "retention_until": "2035-12-31",
        "state": "active",
        "on_loan": False,
        "extra_field_from_a_newer_service": {"ignored": True},
    },
    {
        "id": "r2",
        "number": "SEC-2015-02-001",
        "title": "2015年度工作报告",
        "type_code": "02",
        "department_code": "SEC",
        "security_class": "public",
        "retention": "10y",
        "document_date": "2015-12-01",
        "archived_at": "2016-01-05T02:00:00Z",
        "copy": {},
        "state": "active",
        "on_loan": False,
        "retention_until": "2025-12-31",
    },
]


def add_newer_routes(
    app: Flask,
    state: Any,
    caller: Callable[[], str | None],
    problem: Callable[..., Response],
    page: Callable[[list[dict[str, Any]]], dict[str, Any]],
) -> None:
    data: dict[str, Any] = state.newer
    data.setdefault("loans", [])
    data.setdefault("items", [])
    data.setdefault("checks", [])
    data.setdefault("readings", [])
    data.setdefault("ratings", [])
    data.setdefault("appeals", [])
    data.setdefault("files", {})
    data.setdefault("applications", {})
    data.setdefault("prefs", {})
    data.setdefault("cycles", {})

    def chinese() -> bool:
        return request.headers.get("Accept-Language", "").startswith("zh")

    def required(body: dict[str, Any], *names: str) -> Response | None:
        missing = [n for n in names if not str(body.get(n) or "").strip()]
        if not missing:
            return None
        return problem(
            422,
            "校验未通过",
            "请求中有不符合要求的字段。",
            [{"field": n, "message": "必填" if chinese() else "required"} for n in missing],
        )

    def secretariat() -> bool:
        return caller() == "zhao.min"

    # --- archives -------------------------------------------------------------
    @app.get("/api/v1/archives/records")
    def records() -> Response:
        q = request.args.get("q", "")
        hits = []
        for record in RECORDS:
            if q and q not in record["title"]:
                continue
            if request.args.get("type_code") and record["type_code"] != request.args["type_code"]:
                continue
            title = html.escape(record["title"])
            marked = title.replace(q, f"<mark>{q}</mark>") if q else title
            hits.append({"record": record, "score": 1.0, "highlight": marked})
        return jsonify({"items": hits, "total": len(hits), "page": 1, "page_size": 20})

    @app.get("/api/v1/archives/records/<ident>")
    def record(ident: str) -> Response:
        found = next((r for r in RECORDS if r["id"] == ident), None)
        return jsonify(found) if found else problem(404, "未找到")

    @app.get("/api/v1/archives/records/<ident>/copy")
    def record_copy(ident: str) -> Response:
        reply = Response(b"%PDF-1.4 fake", mimetype="application/pdf")
        reply.headers["Content-Disposition"] = 'attachment; filename="copy.pdf"'
        return reply

    @app.get("/api/v1/archives/records/<ident>/loans")
    def record_loans(ident: str) -> Response:
        if not secretariat():
            return problem(403, "无权限")
        return jsonify(page([loan for loan in data["loans"] if loan["record_id"] == ident]))

    @app.post("/api/v1/archives/loans")
    def apply_loan() -> Response:
        body = request.get_json()
        refused = required(body, "purpose", "due_date")
        if refused:
            return refused
        loan = {
            "id": str(uuid.uuid4()),
            "record_id": body["record_id"],
            "record_number": "SEC-2025-04-007",
            "borrower": caller(),
            "purpose": body["purpose"],
            "due_date": body["due_date"],
            "state": "pending",
            "applied_at": "2026-11-30T02:00:00Z",
            "overdue": False,
        }
        data["loans"].append(loan)
        reply = jsonify(loan)
        reply.status_code = 201
        return reply

    @app.get("/api/v1/archives/loans")
    def loans() -> Response:
        who = request.args.get("borrower") or caller()
        return jsonify(page([loan for loan in data["loans"] if loan["borrower"] == who]))

    @app.post("/api/v1/archives/loans/<ident>/<action>")
    def loan_action(ident: str, action: str) -> Response:
        loan = next(loan for loan in data["loans"] if loan["id"] == ident)
        loan["state"] = "out" if action == "checkout" else "returned"
        return jsonify(loan)

    @app.get("/api/v1/archives/expiring")
    def expiring() -> Response:
        if not secretariat():
            return problem(403, "无权限")
        return jsonify(page([{"record": RECORDS[1], "score": 0, "highlight": ""}]))

    @app.get("/api/v1/archives/climate/alerts")
    def alerts() -> Response:
        return jsonify(
            page(
                [
                    {
                        "id": "a1",
                        "storeroom": "一号库房",
                        "cause": "humidity",
                        "temperature_c": 20.5,
                        "humidity_pct": 68.0,
                        "raised_at": "2026-11-30T01:00:00Z",
                    }
                ]
            )
        )

    @app.post("/api/v1/archives/climate/readings")
    def readings() -> Response:
        body = request.get_json()
        reading = body["readings"][0]
        if not isinstance(reading.get("temperature_c"), float):
            return problem(
                422,
                "校验未通过",
                "",
                [{"field": "readings[0].temperature_c", "message": "请输入数字"}],
            )
        data["readings"].append(reading)
        return jsonify({"accepted": 1, "alerts_raised": 1, "alerts_cleared": 0})

    @app.post("/api/v1/archives/stocktakes")
    def start_stocktake() -> Response:
        reply = jsonify({"id": "st1", "year": request.get_json()["year"]})
        reply.status_code = 201
        return reply

    @app.get("/api/v1/archives/stocktakes/<ident>")
    def stocktake(ident: str) -> Response:
        checked = len(data["checks"])
        return jsonify(
            {
                "id": ident,
                "year": 2026,
                "started_at": "2026-11-30T01:00:00Z",
                "total": 2,
                "unchecked": 2 - checked,
                "present": sum(1 for c in data["checks"] if c["result"] == "present"),
                "missing": sum(1 for c in data["checks"] if c["result"] == "missing"),
                "damaged": 0,
                "missing_items": [c for c in data["checks"] if c["result"] == "missing"],
            }
        )

    @app.post("/api/v1/archives/stocktakes/<ident>/checks")
    def check(ident: str) -> Response:
        body = request.get_json()
        refused = required(body, "label")
        if refused:
            return refused
        item = {
            "record_id": "r1",
            "record_number": "SEC-2025-04-007",
            "title": RECORDS[0]["title"],
            "result": body["result"],
            "note": body.get("note", ""),
            "checked_by": caller(),
        }
        data["checks"].append(item)
        return jsonify(item)

    # --- the information hub --------------------------------------------------
    @app.get("/api/v1/info/items")
    def info_items() -> Response:
        found = [i for i in data["items"] if secretariat() or i["submitter"] == caller()]
        if request.args.get("status"):
            found = [i for i in found if i["status"] == request.args["status"]]
        return jsonify(page(found))

    @app.post("/api/v1/info/items")
    def submit_item() -> Response:
        body = request.get_json()
        refused = required(body, "title", "source")
        if refused:
            return refused
        item = {
            "id": str(uuid.uuid4()),
            "submitter": caller(),
            "submitted_at": "2026-11-30T02:00:00Z",
            "status": "submitted",
            "importance": "",
            "urgency": "",
            "reviews": [],
            "figures": [],
            **body,
        }
        data["items"].append(item)
        reply = jsonify(item)
        reply.status_code = 201
        return reply

    def find_item(ident: str) -> dict[str, Any] | None:
        return next((i for i in data["items"] if i["id"] == ident), None)

    @app.get("/api/v1/info/items/<ident>")
    def info_item(ident: str) -> Response:
        found = find_item(ident)
        return jsonify(found) if found else problem(404, "未找到")

    @app.post("/api/v1/info/items/<ident>/triage")
    def triage(ident: str) -> Response:
        if not secretariat():
            return problem(403, "无权限")
        body = request.get_json()
        refused = required(body, "importance", "urgency")
        if refused:
            return refused
        item = find_item(ident) or {}
        item.update(importance=body["importance"], urgency=body["urgency"], status="triaged")
        return jsonify(item)

    @app.post("/api/v1/info/items/<ident>/reviews")
    def review(ident: str) -> Response:
        body = request.get_json()
        if body["stage"] == "verify" and not body.get("note"):
            return problem(
                422, "校验未通过", "", [{"field": "note", "message": "请说明数据如何核实"}]
            )
        item = find_item(ident) or {}
        item["reviews"].append(
            {"stage": body["stage"], "reviewer": caller(), "decision": body["decision"] or "keep"}
        )
        item["status"] = {"screen": "screened", "verify": "verified", "distil": "distilled"}[
            body["stage"]
        ]
        return jsonify(item)

    @app.get("/api/v1/info/items/<ident>/receipts")
    def receipts(ident: str) -> Response:
        if not secretariat():
            return problem(403, "无权限")
        return jsonify(
            {
                "item_id": ident,
                "receipts": [
                    {
                        "recipient": "zhang.wei",
                        "department_code": "SEC",
                        "delivered_at": "2026-11-30T01:00:00Z",
                        "read_at": None,
                    }
                ],
                "follow_ups": [
                    {
                        "recipient": "zhang.wei",
                        "name": "张伟",
                        "phone": "13800000000",
                        "listed_at": "2026-11-30T03:00:00Z",
                    }
                ],
            }
        )

    @app.get("/api/v1/info/bulletins/<day>")
    def bulletin(day: str) -> Response:
        if day.endswith(".html"):
            return Response("<html><body><h1>信息日报</h1></body></html>", mimetype="text/html")
        if day.endswith(".pdf"):
            return Response(b"%PDF-1.4", mimetype="application/pdf")
        return jsonify(
            {
                "date": day,
                "published_at": "2026-11-30T09:00:00Z",
                "entries": [{"item_id": "i1", "title": "港区项目进展顺利", "lead": "导语"}],
            }
        )

    @app.get("/api/v1/me/notification-preferences")
    def get_prefs() -> Response:
        return jsonify(data["prefs"].get(caller(), {"email": "", "kinds": []}))

    @app.put("/api/v1/me/notification-preferences")
    def put_prefs() -> Response:
        body = request.get_json()
        if body.get("email") and "@" not in body["email"]:
            return problem(
                422, "校验未通过", "", [{"field": "email", "message": "电子邮箱格式不正确"}]
            )
        data["prefs"][caller()] = body
        return jsonify(body)

    @app.get("/api/v1/info/effectiveness")
    def rates() -> Response:
        return jsonify(
            {
                "month": request.args.get("month"),
                "threshold": 0.8,
                "departments": [
                    {
                        "department_code": "SEC",
                        "delivered": 10,
                        "read": 7,
                        "awareness_rate": 0.7,
                        "execution_rate": 1.0,
                        "achievement_rate": 0.9,
                        "low_rates": ["awareness"],
                    }
                ],
            }
        )

    # --- performance ----------------------------------------------------------
    def cycle_of(ident: str) -> dict[str, Any]:
        return data["cycles"].setdefault(
            ident,
            {
                "id": ident,
                "kind": "monthly",
                "period": "2026-10",
                "period_start": "2026-10-01",
                "period_end": "2026-10-31",
                "state": "published" if ident == "c1" else "open",
                "ratings_close_at": "2099-11-05T00:00:00Z",
                "publication_due_at": "2099-11-05T00:00:00Z",
                "created_by": "chen.jing",
            },
        )

    @app.post("/api/v1/performance/cycles")
    def create_cycle() -> Response:
        if caller() != "chen.jing":
            return problem(403, "无权限")
        body = request.get_json()
        if body.get("period") and body["period"] != "2026-11":
            return problem(
                422, "校验未通过", "", [{"field": "period", "message": "期间格式不正确"}]
            )
        cycle = cycle_of("c2")
        reply = jsonify(cycle)
        reply.status_code = 201
        return reply

    @app.get("/api/v1/performance/cycles/<ident>")
    def get_cycle(ident: str) -> Response:
        return jsonify(cycle_of(ident))

    @app.get("/api/v1/performance/cycles/<ident>/results/<username>")
    def result(ident: str, username: str) -> Response:
        if ident != "c1" or username != caller():
            return problem(404, "未找到")
        return jsonify(
            {
                "id": "res1",
                "cycle_id": "c1",
                "cycle_kind": "monthly",
                "period": "2026-10",
                "username": username,
                "department_code": "SEC",
                "score": 91.5,
                "grade": "excellent",
                "formula": "0.6 × 指标 + 0.4 × 360评分 = 91.5",
                "groups": [
                    {
                        "group": "superior",
                        "nominal_weight": 0.5,
                        "weight": 0.625,
                        "raters": 1,
                        "mean": 95,
                    },
                    {
                        "group": "peer",
                        "nominal_weight": 0.3,
                        "weight": 0.375,
                        "raters": 3,
                        "mean": 88,
                    },
                    {"group": "recipient", "nominal_weight": 0.2, "weight": 0, "raters": 0},
                ],
                "parts": [{"name": "逾期率", "value": 2.0, "weight": 0.3, "formula": "逾期/总数"}],
                "facts": [
                    {
                        "id": "f1",
                        "kind": "document_step",
                        "occurred_at": "2026-10-12T02:00:00Z",
                        "value": 1,
                        "detail": "公文拟办按时完成",
                    }
                ],
                "published_at": "2026-11-04T02:00:00Z",
                "appeal_deadline": "2099-01-01T00:00:00Z",
            }
        )

    @app.get("/api/v1/performance/indicators/<username>")
    def indicators(username: str) -> Response:
        return jsonify(
            {
                "username": username,
                "period": request.args.get("period"),
                "indicators": [
                    {
                        "name": "公文逾期率",
                        "value": 2.0,
                        "unit": "%",
                        "target": 5.0,
                        "target_met": True,
                        "formula": "逾期环节 / 全部环节",
                    }
                ],
            }
        )

    @app.post("/api/v1/performance/cycles/<ident>/ratings")
    def rate(ident: str) -> Response:
        body = request.get_json()
        if not isinstance(body.get("score"), float) or not 0 <= body["score"] <= 100:
            return problem(
                422, "校验未通过", "", [{"field": "score", "message": "分数须在 0 到 100 之间"}]
            )
        data["ratings"].append(body)
        reply = jsonify({"id": "rt1", "cycle_id": ident, **body})
        reply.status_code = 201
        return reply

    @app.post("/api/v1/performance/appeals")
    def file_appeal() -> Response:
        body = request.get_json()
        refused = required(body, "reason")
        if refused:
            return refused
        appeal = {"id": "ap1", "appellant": caller(), "state": "filed", **body}
        data["appeals"].append(appeal)
        reply = jsonify(appeal)
        reply.status_code = 201
        return reply

    @app.get("/api/v1/performance/appeals/<ident>")
    def get_appeal(ident: str) -> Response:
        return jsonify(data["appeals"][-1])

    # --- career ---------------------------------------------------------------
    @app.get("/api/v1/career/ladders")
    def ladders() -> Response:
        return jsonify(
            page(
                [
                    {
                        "key": "admin",
                        "name": "综合管理序列",
                        "rungs": [
                            {"rung": "A1", "name": "科员", "level": 1},
                            {
                                "rung": "A2",
                                "name": "主任科员",
                                "level": 2,
                                "criteria": {"min_tenure_years": 3, "min_annual_grade": "good"},
                            },
                        ],
                    }
                ]
            )
        )

    @app.get("/api/v1/career/eligibility/<username>")
    def eligibility(username: str) -> Response:
        return jsonify(
            {
                "username": username,
                "ladder": "admin",
                "current_rung": "科员",
                "target_rung": "主任科员",
                "eligible": False,
                "criteria": [
                    {
                        "key": "tenure",
                        "label": "任职年限",
                        "required": "3年",
                        "actual": "2.5年",
                        "held": False,
                    },
                    {
                        "key": "grade",
                        "label": "年度考核",
                        "required": "良好",
                        "actual": "优秀",
                        "held": True,
                    },
                ],
            }
        )

    @app.get("/api/v1/career/vacancies")
    def vacancies() -> Response:
        return jsonify(
            page(
                [
                    {
                        "id": "v1",
                        "title": "综合科副科长",
                        "department_code": "SEC",
                        "quarter": "2026-Q4",
                        "state": "open",
                        "applications": 0,
                    }
                ]
            )
        )

    @app.post("/api/v1/career/vacancies/<ident>/applications")
    def apply(ident: str) -> Response:
        body = request.get_json()
        refused = required(body, "statement")
        if refused:
            return refused
        application = {
            "id": "ap-c1",
            "vacancy_id": ident,
            "username": caller(),
            "statement": body["statement"],
            "state": "pending",
            "criteria": [],
        }
        data["applications"]["ap-c1"] = application
        reply = jsonify(application)
        reply.status_code = 201
        return reply

    @app.get("/api/v1/career/applications/<ident>")
    def application(ident: str) -> Response:
        return jsonify(data["applications"][ident])

    @app.get("/api/v1/career/files/<username>")
    def get_file(username: str) -> Response:
        found = data["files"].get(username)
        return jsonify(found) if found else problem(404, "未找到")

    @app.put("/api/v1/career/files/<username>")
    def put_file(username: str) -> Response:
        body = request.get_json()
        data["files"][username] = {"username": username, **body}
        return jsonify(data["files"][username])

    @app.get("/api/v1/career/training/<username>")
    def training(username: str) -> Response:
        return jsonify(
            {
                "username": username,
                "year": 2026,
                "mandatory_hours": 4,
                "mandatory_required": 8,
                "total_hours": 6,
                "completions": [
                    {
                        "course_title": "保密知识培训",
                        "course_kind": "mandatory",
                        "hours": 4,
                        "completed_on": "2026-06-01",
                    }
                ],
            }
        )

    @app.get("/api/v1/career/mentorships/<ident>")
    def mentorship(ident: str) -> Response:
        return jsonify(
            {
                "id": ident,
                "mentor": "zhao.min",
                "mentee": "zhang.wei",
                "kind": "new_hire",
                "starts_on": "2026-09-01",
                "ends_on": "2027-02-28",
                "weeks": [{"week": 1, "starts_on": "2026-09-01", "hours": 2.5, "met": True}],
            }
        )

    @app.get("/api/v1/career/talent-review/<year>")
    def talent(year: str) -> Response:
        if caller() != "chen.jing":
            return problem(404, "未找到")
        if year.endswith(".svg"):
            return Response("<svg xmlns='http://www.w3.org/2000/svg'/>", mimetype="image/svg+xml")
        return jsonify(
            {
                "year": int(year),
                "placements": [
                    {
                        "username": "zhang.wei",
                        "results": 3,
                        "potential": 2,
                        "box": 8,
                        "tier": "backbone",
                    }
                ],
                "boxes": [],
            }
        )

    @app.get("/api/v1/career/succession")
    def successions() -> Response:
        return jsonify(
            page(
                [
                    {
                        "post": "SEC-HEAD",
                        "title": "秘书长",
                        "holder": "zhao.min",
                        "successors": [{"username": "zhang.wei", "readiness": "two_years"}],
                        "flagged": True,
                    }
                ]
            )
        )
