"""Something in every page of the workbench for a newcomer (issue 18).

Runs after the system is up, through the gateway's public HTTP API only, as
the demo organisation's people: supply items with stock, meeting rooms, a
few documents, approvals, a requisition, a meeting and a repair ticket; a
few archive records with a loan and a storeroom alert, information items, a
performance cycle, a course, a vacancy and a career file. Done once per data
directory (a marker file records it).
"""

from __future__ import annotations

import base64
import hashlib
import json
import sys
import urllib.error
import urllib.request
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

DEMO_PASSWORD = "demo"
MARKER = "demo-content-seeded"
ZONE = ZoneInfo("Asia/Shanghai")

SUPPLIES = (
    # code, name, unit, supplier, price (fen), opening stock
    ("A4-PAPER", "A4复印纸", "包", "晨光文具", 2500, 60),
    ("GEL-PEN", "中性笔（黑）", "支", "晨光文具", 150, 200),
    ("FOLDER", "文件夹", "个", "得力办公", 800, 40),
    ("TONER", "打印机硒鼓", "个", "惠普授权商", 42000, 3),
    ("NOTEBOOK", "笔记本", "本", "得力办公", 600, 80),
)
ROOMS = (
    {"name": "第一会议室", "capacity": 12, "location": "3楼301", "equipment": ["投影仪", "白板"]},
    {"name": "第二会议室", "capacity": 6, "location": "3楼305", "equipment": ["电视"]},
    {
        "name": "视频会议室",
        "capacity": 20,
        "location": "5楼501",
        "equipment": ["视频会议终端", "投影仪"],
        "video_capable": True,
    },
)


class Person:
    """One demo person talking to the gateway."""

    def __init__(self, base_url: str, username: str) -> None:
        self.base_url = base_url
        self.username = username
        reply = self._send(
            "POST", "/api/v1/auth/login", {"username": username, "password": DEMO_PASSWORD}
        )
        self.token = str(reply["access_token"])

    def _send(self, method: str, path: str, body: Any = None) -> Any:
        data = json.dumps(body).encode() if body is not None else None
        request = urllib.request.Request(self.base_url + path, data=data, method=method)
        request.add_header("Content-Type", "application/json")
        request.add_header("Accept-Language", "zh-CN")
        if getattr(self, "token", None):
            request.add_header("Authorization", f"Bearer {self.token}")
        try:
            with urllib.request.urlopen(request, timeout=30) as reply:
                text = reply.read()
        except urllib.error.HTTPError as exc:
            raise RuntimeError(
                f"{self.username} {method} {path}: {exc.code} {exc.read()[:300]!r}"
            ) from exc
        return json.loads(text) if text else {}

    def get(self, path: str) -> Any:
        return self._send("GET", path)

    def post(self, path: str, body: Any) -> Any:
        return self._send("POST", path, body)

    def put(self, path: str, body: Any) -> Any:
        return self._send("PUT", path, body)


def _next_working_day(now: datetime, hour: int) -> datetime:
    day = now + timedelta(days=1)
    while day.weekday() >= 5:
        day += timedelta(days=1)
    return day.replace(hour=hour, minute=0, second=0, microsecond=0)


def seed_demo_content(base_url: str, data_dir: Path) -> bool:
    """Create the demo content once; False when it was already there."""
    marker = data_dir / MARKER
    if marker.exists():
        return False
    store = Person(base_url, "sun.li")  # secretariat: the storekeeper
    for code, name, unit, supplier, price, stock in SUPPLIES:
        store.put(
            f"/api/v1/supplies/items/{code}",
            {"name": name, "unit": unit, "supplier": supplier, "agreed_price_fen": price},
        )
        store.post(
            "/api/v1/supplies/stock/receipts",
            {"item_code": code, "quantity": stock, "unit_cost_fen": price, "reason": "期初库存"},
        )
    secretary = Person(base_url, "zhao.min")
    existing = {room["name"]: room for room in secretary.get("/api/v1/rooms")["items"]}
    rooms = [existing.get(room["name"]) or secretary.post("/api/v1/rooms", room) for room in ROOMS]

    clerk = Person(base_url, "zhang.wei")
    clerk.post(
        "/api/v1/documents",
        {
            "title": "关于做好年终总结工作的通知",
            "type_code": "04",
            "department_code": "SEC",
            "security_class": "internal",
            "retention": "10y",
            "priority": "routine",
            "body": "各部门：请于12月20日前提交年度工作总结。",
        },
    )
    clerk.post(
        "/api/v1/documents",
        {
            "title": "关于冬季安全检查的紧急通知",
            "type_code": "04",
            "department_code": "SEC",
            "security_class": "internal",
            "retention": "30y",
            "priority": "urgent",
            "body": "请各部门立即开展办公区域消防安全自查。",
        },
    )
    clerk.post(
        "/api/v1/approvals",
        {
            "template": "leave",
            "subject": "张伟年假申请",
            "payload": {
                "leave_type": "annual",
                "start_date": _next_working_day(datetime.now(ZONE), 9).date().isoformat(),
                "end_date": _next_working_day(datetime.now(ZONE), 9).date().isoformat(),
                "days": 1,
                "reason": "家中有事",
            },
        },
    )
    staff = Person(base_url, "he.ping")
    staff.post(
        "/api/v1/supplies/requisitions",
        {
            "purpose": "部门日常办公",
            "lines": [
                {"item_code": "A4-PAPER", "quantity": 5},
                {"item_code": "GEL-PEN", "quantity": 10},
            ],
        },
    )
    staff.post(
        "/api/v1/repairs",
        {
            "title": "第一会议室投影仪无法开机",
            "location": "3楼301",
            "severity": "minor",
            "description": "按电源键无反应。",
        },
    )
    secretary.post(
        "/api/v1/meetings",
        {
            "topic": "秘书处周例会",
            "type": "report",
            "start_at": _next_working_day(datetime.now(ZONE), 15).isoformat(),
            "duration_minutes": 45,
            "room_id": rooms[1]["id"],
            "participants": ["sun.li", "zhang.wei"],
            "recorder": "sun.li",
        },
    )
    start = _next_working_day(datetime.now(ZONE) + timedelta(days=6), 10)
    secretary.post(
        "/api/v1/meetings",
        {
            "topic": "年终工作部署会",
            "type": "decision",
            "goals": "部署年终总结与来年计划",
            "start_at": start.isoformat(),
            "duration_minutes": 60,
            "room_id": rooms[0]["id"],
            "participants": ["sun.li", "zhang.wei", "zheng.qiang"],
            "recorder": "sun.li",
            "agenda": [
                {"title": "年终总结安排", "presenter": "zhao.min", "minutes_allotted": 20},
                {"title": "来年工作计划", "presenter": "zheng.qiang", "minutes_allotted": 30},
            ],
        },
    )
    for part in (seed_archives, seed_information, seed_performance, seed_career):
        try:
            part(base_url)
        except RuntimeError as exc:  # a newer service missing leaves the rest seeded
            print(f"demo content: {part.__name__} skipped: {exc}", file=sys.stderr)
    marker.write_text(datetime.now(ZONE).isoformat())
    return True


ARCHIVE_RECORDS = (
    # number, title, type, retention, date
    ("SEC-2024-04-011", "关于做好2024年年终总结工作的通知", "04", "10y", "2024-12-02"),
    ("SEC-2024-07-003", "秘书处2024年第三季度工作会议纪要", "07", "30y", "2024-10-09"),
    ("SEC-2023-02-001", "2023年度档案工作报告", "02", "permanent", "2024-01-15"),
    ("SEC-2014-08-002", "2014年度办公用品采购计划", "08", "10y", "2014-02-20"),
)


def seed_archives(base_url: str) -> None:
    """A-01..A-04: records to search (one with its electronic copy, one past its
    retention), a loan waiting for approval and a storeroom humidity alert."""
    archivist = Person(base_url, "sun.li")
    created = []
    for number, title, type_code, retention, day in ARCHIVE_RECORDS:
        body: dict[str, Any] = {
            "number": number,
            "title": title,
            "type_code": type_code,
            "department_code": "SEC",
            "security_class": "internal",
            "retention": retention,
            "document_date": day,
            "shelf": {"storeroom": "一号库房", "cabinet": "A", "shelf": "2", "box": number[-3:]},
        }
        if number.endswith("011"):
            content = f"{title}\n各部门：请于12月20日前提交年度工作总结。".encode()
            body.update(
                copy_content=base64.b64encode(content).decode(),
                copy_file_name="年终总结通知.txt",
                copy_content_type="text/plain; charset=utf-8",
                copy_sha256=hashlib.sha256(content).hexdigest(),
            )
        created.append(archivist.post("/api/v1/archives/records", body))
    due = (datetime.now(ZONE) + timedelta(days=14)).date().isoformat()
    Person(base_url, "zhang.wei").post(
        "/api/v1/archives/loans",
        {"record_id": created[0]["id"], "purpose": "编写年终总结参考", "due_date": due},
    )
    archivist.post(
        "/api/v1/archives/climate/readings",
        {
            "readings": [
                {
                    "storeroom": "一号库房",
                    "temperature_c": 20.5,
                    "humidity_pct": 67.0,
                    "measured_at": datetime.now(ZONE).isoformat(),
                }
            ]
        },
    )


def seed_information(base_url: str) -> None:
    """I-01/I-02: a weekly-report item placed on the matrix and one waiting for triage."""
    reporter = Person(base_url, "he.ping")
    lead = {
        "time": "本周一上午",
        "place": "办公楼",
        "people": "办公室",
        "event": "组织消防演练",
        "result": "全员15分钟内完成疏散",
    }
    first = reporter.post(
        "/api/v1/info/items",
        {
            "channel": "internal",
            "source": "weekly_report",
            "title": "办公室组织冬季消防演练",
            "lead": lead,
            "body": "演练覆盖办公楼全部楼层，发现问题2处，已整改。",
            "figures": [
                {
                    "label": "参演人数",
                    "value": "86",
                    "unit": "人",
                    "source": "办公室签到表",
                    "basis": "演练当日到场人数",
                }
            ],
        },
    )
    reporter.post(
        "/api/v1/info/items",
        {
            "channel": "internal",
            "source": "suggestion",
            "title": "建议会议室预约增加视频会议设备说明",
            "lead": {**lead, "event": "收到意见箱建议", "result": "待研究"},
        },
    )
    Person(base_url, "zhao.min").post(
        f"/api/v1/info/items/{first['id']}/triage", {"importance": "important", "urgency": "normal"}
    )


def seed_performance(base_url: str) -> None:
    """P-01: this month's tracking cycle, open for the 360 ratings."""
    hr = Person(base_url, "chen.jing")
    try:
        hr.post(
            "/api/v1/performance/cycles",
            {"kind": "monthly", "period": datetime.now(ZONE).strftime("%Y-%m")},
        )
    except RuntimeError as exc:
        if ": 409 " not in str(exc):  # the month's cycle exists already
            raise


def seed_career(base_url: str) -> None:
    """C-02..C-04: a vacancy, a course with a completion and a career file."""
    hr = Person(base_url, "chen.jing")
    now = datetime.now(ZONE)
    hr.post(
        "/api/v1/career/vacancies",
        {
            "title": "秘书处综合科副科长",
            "department_code": "SEC",
            "quarter": f"{now.year}-Q{(now.month - 1) // 3 + 1}",
            "description": "负责公文运转与会务统筹，需三年以上相关工作经验。",
        },
    )
    course = hr.post(
        "/api/v1/career/courses",
        {"title": "保密知识与公文安全", "kind": "mandatory", "hours": 4, "certificate": ""},
    )
    hr.post(
        f"/api/v1/career/courses/{course['id']}/completions",
        {"username": "zhang.wei", "hours": 4},
    )
    Person(base_url, "zhang.wei").put(
        "/api/v1/career/files/zhang.wei",
        {
            "interests": ["公文写作", "档案管理"],
            "skills": ["办公软件", "会议记录"],
            "goals": ["三年内成为综合科骨干"],
        },
    )
