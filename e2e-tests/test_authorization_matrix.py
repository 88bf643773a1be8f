"""The authorisation matrix (issue 12, X-03): every route in ``/openapi.json``
has a written rule here, and the rule holds for callers of each kind. A route
added without a rule fails this suite, and so does a rule left for a route that
is gone.

Rules:
- ``public``: no sign-in needed.
- ``signed_in``: any signed-in person passes the gate; what they may see or do is
  decided by the owning service per item (X-03), which the service tests and
  ``test_privacy.py`` cover.
- ``roles:a,b``: the gateway's access gate lets only holders of a role through.
- ``service:a,b``: the owning service refuses (403) anyone without one of these
  roles, before looking at the item.
- ``token``: no access gate, but the route itself needs a valid token (refresh).

Each route is called without a token (401 unless public), as an employee of
the office department (he.ping), and, for gated routes, as a holder of the role.
Bodies are empty, so an allowed caller typically gets 422 or 404: what matters
is that the gate answers 401/403 exactly where the rule says so. Which items of
a class a person of another department reads (X-03) is the owning service's
decision per item: ``test_privacy.py`` and each service's tests check it.
"""

from __future__ import annotations

import re
from typing import Any

import httpx
import pytest

from e2ekit import password_of
from run_system import System

pytestmark = pytest.mark.e2e

EMPLOYEE = "he.ping"
# A seeded holder of each role the gates name.
HOLDERS = {
    "admin": "admin",
    "it_support": "lin.feng",
    "finance": "huang.lei",
    "secretariat": "zhao.min",
    "hr": "chen.jing",
    "office_director": "zheng.qiang",
    "discipline": "ma.lin",
    "leader": "wang.jian",
}

RULES: dict[tuple[str, str], str] = {
    ("GET", "/api/v1/action-items"): "signed_in",
    ("GET", "/api/v1/action-items/coordination"): "signed_in",
    ("PATCH", "/api/v1/action-items/{id}"): "signed_in",
    ("GET", "/api/v1/approval-templates"): "signed_in",
    ("POST", "/api/v1/approval-templates"): "roles:admin",
    ("GET", "/api/v1/approval-templates/{key}"): "signed_in",
    ("POST", "/api/v1/approvals"): "signed_in",
    ("GET", "/api/v1/approvals"): "signed_in",
    ("GET", "/api/v1/approvals/inbox"): "signed_in",
    ("GET", "/api/v1/approvals/sla"): "signed_in",
    ("POST", "/api/v1/approvals/{approval_id}/decisions"): "signed_in",
    ("POST", "/api/v1/approvals/{approval_id}/resubmit"): "signed_in",
    ("GET", "/api/v1/approvals/{approval_id}/seal"): "signed_in",
    ("POST", "/api/v1/approvals/{approval_id}/withdraw"): "signed_in",
    ("GET", "/api/v1/approvals/{id}"): "signed_in",
    ("GET", "/api/v1/audit"): "service:secretariat,discipline,admin",
    ("POST", "/api/v1/auth/login"): "public",
    # Issue 19: OAuth client credentials; the form's own errors answer an anonymous caller.
    ("POST", "/api/v1/auth/token"): "public",
    ("POST", "/api/v1/service-accounts"): "roles:admin",
    ("GET", "/api/v1/service-accounts"): "roles:admin",
    ("GET", "/api/v1/service-accounts/{client_id}"): "roles:admin",
    ("POST", "/api/v1/service-accounts/{client_id}/disable"): "roles:admin",
    ("POST", "/api/v1/service-accounts/{client_id}/secret"): "roles:admin",
    ("POST", "/api/v1/auth/refresh"): "token",
    ("GET", "/api/v1/calendar/years"): "signed_in",
    ("GET", "/api/v1/calendar/years/{year}"): "signed_in",
    ("PUT", "/api/v1/calendar/years/{year}"): "roles:admin",
    ("GET", "/api/v1/career/applications/{id}"): "signed_in",
    ("POST", "/api/v1/career/applications/{id}/check-ins"): "signed_in",
    ("POST", "/api/v1/career/courses"): "signed_in",
    ("POST", "/api/v1/career/courses/{id}/completions"): "signed_in",
    ("POST", "/api/v1/career/courses/{id}/enrolments"): "signed_in",
    ("GET", "/api/v1/career/eligibility/{username}"): "signed_in",
    ("GET", "/api/v1/career/files/{username}"): "signed_in",
    ("PUT", "/api/v1/career/files/{username}"): "signed_in",
    ("GET", "/api/v1/career/gold-mentors/{quarter}"): "signed_in",
    ("GET", "/api/v1/career/ladders"): "signed_in",
    ("PUT", "/api/v1/career/ladders/{ladder}/rungs/{rung}"): "signed_in",
    ("POST", "/api/v1/career/mentorships"): "signed_in",
    ("GET", "/api/v1/career/mentorships/{id}"): "signed_in",
    ("POST", "/api/v1/career/mentorships/{id}/feedback"): "signed_in",
    ("POST", "/api/v1/career/mentorships/{id}/sessions"): "signed_in",
    ("PUT", "/api/v1/career/posts/{username}"): "signed_in",
    ("POST", "/api/v1/career/promotions"): "signed_in",
    ("GET", "/api/v1/career/promotions/{id}"): "signed_in",
    ("POST", "/api/v1/career/rotations"): "signed_in",
    ("POST", "/api/v1/career/rotations/{id}/report"): "signed_in",
    ("GET", "/api/v1/career/succession"): "signed_in",
    ("GET", "/api/v1/career/succession/{post}"): "signed_in",
    ("PUT", "/api/v1/career/succession/{post}"): "signed_in",
    ("POST", "/api/v1/career/succession/{post}/growth-plans"): "signed_in",
    ("GET", "/api/v1/career/talent-review/{year}"): "signed_in",
    ("GET", "/api/v1/career/talent-review/{year}.svg"): "signed_in",
    ("PUT", "/api/v1/career/talent-review/{year}/people/{username}"): "signed_in",
    ("GET", "/api/v1/career/training/{username}"): "signed_in",
    ("PUT", "/api/v1/career/transfer-assessments/{username}"): "signed_in",
    ("POST", "/api/v1/career/vacancies"): "signed_in",
    ("GET", "/api/v1/career/vacancies"): "signed_in",
    ("POST", "/api/v1/career/vacancies/{id}/applications"): "signed_in",
    ("POST", "/api/v1/career/vacancies/{id}/close"): "service:hr,admin",
    ("POST", "/api/v1/company-events"): "signed_in",
    ("GET", "/api/v1/company-events"): "signed_in",
    ("POST", "/api/v1/departments"): "roles:admin",
    ("GET", "/api/v1/departments"): "signed_in",
    ("GET", "/api/v1/departments/{code}"): "signed_in",
    ("PATCH", "/api/v1/departments/{code}"): "roles:admin",
    ("GET", "/api/v1/directory/audit"): "roles:secretariat,discipline",
    ("POST", "/api/v1/documents"): "signed_in",
    ("GET", "/api/v1/documents"): "signed_in",
    ("POST", "/api/v1/documents/{document_id}/steps/{step_id}/complete"): "signed_in",
    ("GET", "/api/v1/documents/{entity_id}/audit"): "service:secretariat,discipline,admin",
    ("GET", "/api/v1/documents/{id}"): "signed_in",
    ("POST", "/api/v1/expenses"): "signed_in",
    ("GET", "/api/v1/expenses"): "signed_in",
    ("GET", "/api/v1/expenses/{id}"): "signed_in",
    ("GET", "/api/v1/facilities/audit"): "roles:secretariat,discipline",
    ("POST", "/api/v1/expenses/{id}/reimbursement"): "roles:finance",
    ("GET", "/api/v1/inbox"): "signed_in",
    ("POST", "/api/v1/inbox/{id}/read"): "signed_in",
    ("POST", "/api/v1/incidents"): "signed_in",
    ("GET", "/api/v1/incidents"): "signed_in",
    ("GET", "/api/v1/incidents/{id}"): "signed_in",
    ("POST", "/api/v1/incidents/{id}/closure"): "service:secretariat,office_director,admin",
    ("POST", "/api/v1/incidents/{id}/emergency-plan"): "service:secretariat,office_director,admin",
    ("POST", "/api/v1/incidents/{id}/restoration"): "service:it_support,admin",
    ("POST", "/api/v1/inspections/rectifications/{id}/close"): "signed_in",
    ("POST", "/api/v1/inspections/rounds"): "signed_in",
    ("GET", "/api/v1/inspections/rounds"): "signed_in",
    ("POST", "/api/v1/inspections/safety"): "signed_in",
    ("GET", "/api/v1/inspections/safety"): "signed_in",
    ("GET", "/api/v1/inspections/safety/{id}"): "signed_in",
    ("GET", "/api/v1/inspections/zones"): "signed_in",
    ("PUT", "/api/v1/inspections/zones/{code}"): "signed_in",
    ("GET", "/api/v1/me"): "signed_in",
    ("POST", "/api/v1/me/absences"): "signed_in",
    ("GET", "/api/v1/me/absences"): "signed_in",
    ("GET", "/api/v1/me/calendar.ics"): "signed_in",
    ("POST", "/api/v1/meetings"): "signed_in",
    ("GET", "/api/v1/meetings"): "signed_in",
    ("GET", "/api/v1/meetings/audit"): "roles:secretariat,discipline",
    ("GET", "/api/v1/meetings/reports/effectiveness"): "signed_in",
    ("GET", "/api/v1/meetings/reports/effectiveness.csv"): "signed_in",
    ("GET", "/api/v1/meetings/{id}"): "signed_in",
    ("PATCH", "/api/v1/meetings/{id}"): "signed_in",
    ("GET", "/api/v1/meetings/{id}.ics"): "signed_in",
    ("POST", "/api/v1/meetings/{id}/cancel"): "signed_in",
    ("POST", "/api/v1/meetings/{id}/check-in"): "signed_in",
    ("GET", "/api/v1/meetings/{id}/checklist"): "signed_in",
    ("POST", "/api/v1/meetings/{id}/checklist/{milestone_id}/done"): "signed_in",
    ("GET", "/api/v1/meetings/{id}/elements"): "signed_in",
    ("POST", "/api/v1/meetings/{id}/elements/{key}/confirm"): "signed_in",
    ("POST", "/api/v1/meetings/{id}/end"): "signed_in",
    ("POST", "/api/v1/meetings/{id}/minutes"): "signed_in",
    ("GET", "/api/v1/meetings/{id}/minutes"): "signed_in",
    ("POST", "/api/v1/meetings/{id}/minutes/approve"): "signed_in",
    ("GET", "/api/v1/meetings/{id}/speakers"): "signed_in",
    ("POST", "/api/v1/meetings/{id}/speakers/start"): "signed_in",
    ("POST", "/api/v1/meetings/{id}/speakers/stop"): "signed_in",
    ("POST", "/api/v1/meetings/{id}/survey"): "signed_in",
    ("GET", "/api/v1/meetings/{id}/survey"): "signed_in",
    ("GET", "/api/v1/meetings/{id}/survey/qr.png"): "signed_in",
    ("POST", "/api/v1/people"): "roles:admin",
    ("GET", "/api/v1/people"): "signed_in",
    ("GET", "/api/v1/people/{username}"): "signed_in",
    ("PATCH", "/api/v1/people/{username}"): "roles:admin",
    ("GET", "/api/v1/performance/appeal-statistics"): "roles:hr,committee,admin",
    ("POST", "/api/v1/performance/appeals"): "signed_in",
    ("GET", "/api/v1/performance/appeals/{id}"): "signed_in",
    ("POST", "/api/v1/performance/cycles"): "roles:hr,committee,admin",
    ("GET", "/api/v1/performance/cycles/{id}"): "signed_in",
    ("POST", "/api/v1/performance/cycles/{id}/publish"): "roles:hr,committee,admin",
    ("POST", "/api/v1/performance/cycles/{id}/ratings"): "signed_in",
    ("GET", "/api/v1/performance/cycles/{id}/titles"): "signed_in",
    ("GET", "/api/v1/performance/cycles/{id}/results/{username}"): "signed_in",
    ("GET", "/api/v1/performance/departments/{code}/indicators"): "signed_in",
    ("GET", "/api/v1/performance/indicators/{username}"): "signed_in",
    ("POST", "/api/v1/performance/leaks"): "roles:discipline,admin",
    ("GET", "/api/v1/performance/plans/{id}"): "signed_in",
    ("POST", "/api/v1/performance/plans/{id}/checkins"): "signed_in",
    ("POST", "/api/v1/performance/results/{result_id}/interview"): "signed_in",
    ("GET", "/api/v1/performance/rotation-reviews/{rotation_id}"): "signed_in",
    ("POST", "/api/v1/performance/rotation-reviews/{rotation_id}/ratings"): "signed_in",
    ("GET", "/api/v1/performance/rules"): "signed_in",
    ("PUT", "/api/v1/performance/rules"): "roles:hr,committee,admin",
    ("GET", "/api/v1/performance/title-rules"): "signed_in",
    ("PUT", "/api/v1/performance/title-rules"): "roles:hr,committee,admin",
    ("GET", "/api/v1/purchase-orders"): "service:secretariat,finance,office_director,admin",
    ("GET", "/api/v1/purchase-orders/{id}"): "service:secretariat,finance,office_director,admin",
    ("POST", "/api/v1/purchase-orders/{purchase_order_id}/receipts"): "service:secretariat,admin",
    ("POST", "/api/v1/repairs"): "signed_in",
    ("GET", "/api/v1/repairs"): "signed_in",
    ("GET", "/api/v1/repairs/{id}"): "signed_in",
    ("POST", "/api/v1/repairs/{id}/acceptance"): "signed_in",
    ("POST", "/api/v1/repairs/{id}/reopening"): "signed_in",
    ("POST", "/api/v1/repairs/{id}/resolution"): "signed_in",
    ("POST", "/api/v1/repairs/{id}/response"): "service:secretariat,it_support,admin",
    ("POST", "/api/v1/rooms"): "signed_in",
    ("GET", "/api/v1/rooms"): "signed_in",
    ("GET", "/api/v1/rooms/{id}"): "signed_in",
    ("GET", "/api/v1/rooms/{id}/bookings"): "signed_in",
    ("POST", "/api/v1/seals/verify"): "signed_in",
    ("GET", "/api/v1/supplies/budgets"): "roles:secretariat,finance,office_director,admin",
    ("PUT", "/api/v1/supplies/budgets/{year}/{department_code}"): "roles:finance",
    ("POST", "/api/v1/supplies/demand-lists"): "service:secretariat,admin",
    ("GET", "/api/v1/supplies/demand-lists"): "service:secretariat,finance,office_director,admin",
    (
        "GET",
        "/api/v1/supplies/demand-lists/{id}",
    ): "service:secretariat,finance,office_director,admin",
    ("POST", "/api/v1/supplies/issues"): "signed_in",
    ("GET", "/api/v1/supplies/issues"): "service:secretariat,finance,office_director,admin",
    ("POST", "/api/v1/supplies/issues/scan"): "signed_in",
    ("GET", "/api/v1/supplies/items"): "signed_in",
    ("PUT", "/api/v1/supplies/items/{code}"): "signed_in",
    ("GET", "/api/v1/supplies/items/{code}"): "signed_in",
    ("GET", "/api/v1/supplies/replenishments"): "service:secretariat,finance,office_director,admin",
    ("POST", "/api/v1/supplies/requisitions"): "signed_in",
    ("GET", "/api/v1/supplies/requisitions"): "signed_in",
    ("GET", "/api/v1/supplies/requisitions/{id}"): "signed_in",
    ("GET", "/api/v1/supplies/requisitions/{id}/code.png"): "signed_in",
    ("POST", "/api/v1/supplies/requisitions/{id}/signature"): "signed_in",
    ("GET", "/api/v1/supplies/requisitions/{requisition_id}/code"): "signed_in",
    ("GET", "/api/v1/supplies/stock"): "signed_in",
    ("POST", "/api/v1/supplies/stock-takes"): "signed_in",
    ("GET", "/api/v1/supplies/stock-takes"): "service:secretariat,finance,office_director,admin",
    ("POST", "/api/v1/supplies/stock/receipts"): "signed_in",
    ("POST", "/api/v1/trips"): "signed_in",
    ("GET", "/api/v1/trips"): "signed_in",
    ("GET", "/api/v1/trips/{id}"): "signed_in",
    ("GET", "/api/v1/info/audit"): "roles:secretariat,discipline",
    ("GET", "/api/v1/info/bulletins/{date}"): "signed_in",
    ("GET", "/api/v1/info/bulletins/{date}.html"): "signed_in",
    ("GET", "/api/v1/info/bulletins/{date}.pdf"): "signed_in",
    ("GET", "/api/v1/info/effectiveness"): "signed_in",
    ("GET", "/api/v1/info/effectiveness.csv"): "signed_in",
    ("GET", "/api/v1/info/effectiveness.xlsx"): "signed_in",
    ("GET", "/api/v1/info/items"): "signed_in",
    ("GET", "/api/v1/info/items/{id}"): "signed_in",
    ("GET", "/api/v1/info/items/{id}/chart.png"): "signed_in",
    ("GET", "/api/v1/info/items/{id}/receipts"): "signed_in",
    ("GET", "/api/v1/info/projects/{project}/officers"): "signed_in",
    ("GET", "/api/v1/me/notification-preferences"): "signed_in",
    ("POST", "/api/v1/info/items"): "signed_in",
    ("POST", "/api/v1/info/items/{id}/action"): "roles:secretariat",
    ("POST", "/api/v1/info/items/{id}/action/acceptance"): "signed_in",
    ("POST", "/api/v1/info/items/{id}/action/start"): "signed_in",
    ("POST", "/api/v1/info/items/{id}/adoption"): "roles:secretariat",
    ("POST", "/api/v1/info/items/{id}/follow-ups/{username}/called"): "roles:secretariat",
    ("POST", "/api/v1/info/items/{id}/reviews"): "roles:secretariat",
    ("POST", "/api/v1/info/items/{id}/triage"): "roles:secretariat",
    ("PUT", "/api/v1/info/projects/{project}/officers"): "roles:secretariat",
    ("PUT", "/api/v1/me/notification-preferences"): "signed_in",
    ("GET", "/api/v1/archives/climate/alerts"): "roles:secretariat",
    ("GET", "/api/v1/archives/destructions/{id}"): "roles:secretariat,discipline,office_director",
    ("GET", "/api/v1/archives/expiring"): "roles:secretariat",
    ("GET", "/api/v1/archives/loans"): "signed_in",
    ("GET", "/api/v1/archives/loans/{id}"): "signed_in",
    ("GET", "/api/v1/archives/records"): "signed_in",
    ("GET", "/api/v1/archives/records/{id}"): "signed_in",
    ("GET", "/api/v1/archives/records/{id}/copy"): "signed_in",
    ("GET", "/api/v1/archives/records/{record_id}/loans"): "signed_in",
    ("GET", "/api/v1/archives/repairs"): "roles:secretariat",
    ("GET", "/api/v1/archives/stocktakes/{id}"): "roles:secretariat",
    ("GET", "/api/v1/archives/stocktakes/{id}/labels.png"): "roles:secretariat",
    ("GET", "/api/v1/archives/stocktakes/{id}/labels.pdf"): "roles:secretariat",
    ("POST", "/api/v1/archives/climate/readings"): "roles:secretariat",
    ("POST", "/api/v1/archives/destructions"): "roles:secretariat",
    ("POST", "/api/v1/archives/loans"): "signed_in",
    ("POST", "/api/v1/archives/loans/{id}/checkout"): "roles:secretariat",
    ("POST", "/api/v1/archives/loans/{id}/return"): "roles:secretariat",
    ("POST", "/api/v1/archives/records"): "roles:secretariat",
    ("POST", "/api/v1/archives/records/import"): "roles:secretariat",
    ("POST", "/api/v1/archives/repairs/{id}/complete"): "roles:secretariat",
    ("POST", "/api/v1/archives/stocktakes"): "roles:secretariat",
    ("POST", "/api/v1/archives/stocktakes/{id}/checks"): "roles:secretariat",
    ("PUT", "/api/v1/archives/records/{id}/shelf"): "roles:secretariat",
}
# The testing clock exists only with SECRETARIAT_TESTING=1 (as in this suite).
RULES[("POST", "/api/v1/testing/clock")] = "roles:admin"


ADMIN_PASSWORD = "e2e-admin-password"


def _token(http: httpx.Client, username: str, password: str) -> str:
    reply = http.post("/api/v1/auth/login", json={"username": username, "password": password})
    assert reply.status_code == 200, reply.text
    return str(reply.json()["access_token"])


def _call(http: httpx.Client, method: str, path: str, token: str | None) -> int:
    # Path values that exist nowhere; numbers where the route wants one (a year).
    url = re.sub(
        r"\{(\w+)\}", lambda m: "2026" if m.group(1) == "year" else "x-" + m.group(1), path
    )
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    body: Any = {} if method in ("POST", "PUT", "PATCH") else None
    http.cookies.clear()  # each call is only who its token says
    return http.request(method, url, json=body, headers=headers).status_code


def test_every_route_has_a_rule_and_each_rule_holds(system: System) -> None:
    # One client for the ~600 calls: a new one each would build a TLS context and
    # open a connection every time, which costs more than the call.
    with httpx.Client(base_url=system.http_url, timeout=30) as http:
        _check_every_rule(http)


def _check_every_rule(http: httpx.Client) -> None:
    spec = http.get("/openapi.json").json()
    routes = {(method.upper(), path) for path, ops in spec["paths"].items() for method in ops}
    assert sorted(routes - set(RULES)) == [], "routes without a rule in the matrix"
    assert sorted(set(RULES) - routes) == [], "rules for routes that are gone"

    tokens: dict[str, str] = {}

    def token_of(username: str) -> str:
        if username not in tokens:
            password = ADMIN_PASSWORD if username == "admin" else password_of(username)
            tokens[username] = _token(http, username, password)
        return tokens[username]

    wrong: list[str] = []
    for (method, path), rule in sorted(RULES.items()):
        if method == "POST" and path == "/api/v1/auth/login":
            continue
        anonymous = _call(http, method, path, None)
        if rule == "token":
            if anonymous != 401:
                wrong.append(f"{method} {path}: needs a token, anonymous got {anonymous}")
            continue
        if rule == "public":
            if anonymous in (401, 403):
                wrong.append(f"{method} {path}: public but anonymous got {anonymous}")
            continue
        if anonymous != 401:
            wrong.append(f"{method} {path}: anonymous got {anonymous}, not 401")
        employee = _call(http, method, path, token_of(EMPLOYEE))
        if rule == "signed_in":
            if employee in (401, 403):
                wrong.append(f"{method} {path}: any signed-in person passes, got {employee}")
            continue
        roles = rule.split(":", 1)[1].split(",")
        if employee != 403:
            wrong.append(f"{method} {path}: an employee without {roles} got {employee}")
        holder = _call(http, method, path, token_of(HOLDERS[roles[0]]))
        if holder in (401, 403):
            wrong.append(f"{method} {path}: a holder of {roles[0]} got {holder}")
    assert wrong == [], "\n".join(wrong)
