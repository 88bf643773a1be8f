"""The workbench in a real browser (issue 18): Chromium driven by Playwright against the
whole system, every click through the web pages; the API only prepares what the journey
does not cover (a catalogue item, a room) and checks the outcome."""

from __future__ import annotations

import os
import re
from collections.abc import Callable, Iterator
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from playwright.sync_api import Browser, Locator, Page, expect, sync_playwright
from playwright.sync_api import Error as PlaywrightError

from browserkit import CHROMIUM, CHROMIUM_ARGS, shot, sign_in
from e2ekit import Api, eventually, new_unit, system_now
from run_system import System

pytestmark = pytest.mark.e2e
ZONE = ZoneInfo("Asia/Shanghai")
USERNAME = re.compile(r"\b[a-z]+\.(head|clerk|staff|sec)\b")


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    if not os.access(CHROMIUM, os.X_OK):
        pytest.fail(f"{CHROMIUM} is missing: run `make browser` (apt-get install chromium)")
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield launched
        launched.close()


@pytest.fixture
def new_page(browser: Browser) -> Iterator[Callable[[], Page]]:
    contexts = []

    def make() -> Page:
        context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="zh-CN")
        contexts.append(context)
        page = context.new_page()
        page.set_default_timeout(20_000)
        return page

    yield make
    for context in contexts:
        context.close()


def until_listed(page: Page, locator: Locator) -> None:
    """Reload until the item shows (events cross processes asynchronously). The page
    may still be navigating (a submitted search form): wait for it to settle first,
    and a reload that races a navigation is simply tried again."""
    page.wait_for_load_state("load")
    if locator.count() > 0:
        return

    def check() -> bool:
        try:
            page.reload(wait_until="load")
        except PlaywrightError:
            page.wait_for_timeout(500)
            return False
        return locator.count() > 0

    eventually(check, timeout=60)


def no_raw_usernames(page: Page) -> None:
    """Screens show people's names, never their usernames."""
    text = page.inner_text("main")
    assert not USERNAME.search(text), USERNAME.search(text)


def stocked_item(storekeeper: Api, code: str) -> None:
    reply = storekeeper.client.put(
        f"/api/v1/supplies/items/{code}",
        json={
            "name": f"签字笔{code[-4:]}",
            "unit": "支",
            "supplier": "晨光文具",
            "agreed_price_fen": 300,
        },
    )
    assert reply.status_code == 200, reply.text
    reply = storekeeper.post(
        "/api/v1/supplies/stock/receipts",
        json={"item_code": code, "quantity": 50, "unit_cost_fen": 300, "reason": "期初库存"},
    )
    assert reply.status_code == 201, reply.text


def approve_rest(login: Callable[..., Api], watcher: Api, approval_id: str) -> None:
    """The later levels (finance, office director: the month's list) decide through the API."""
    for _ in range(6):
        approval: dict[str, Any] = watcher.get(f"/api/v1/approvals/{approval_id}").json()
        if approval["status"] != "in_progress":
            break
        approvers = approval["current_step"]["approvers"]
        person = login(next((p for p in ("huang.lei", "wu.fang") if p in approvers), approvers[0]))
        reply = person.post(
            f"/api/v1/approvals/{approval_id}/decisions", json={"action": "approve"}
        )
        assert reply.status_code == 200, reply.text
    assert watcher.get(f"/api/v1/approvals/{approval_id}").json()["status"] == "approved"


def month_list(storekeeper: Api) -> dict[str, Any]:
    """Consolidate a month's demand list (F-01): this month's, or the first later one
    still free in this shared system (later requisitions go on next month's list)."""
    today = datetime.now(ZONE).date()
    for ahead in range(24):
        index = today.year * 12 + today.month - 1 + ahead
        month = f"{index // 12:04d}-{index % 12 + 1:02d}"
        reply = storekeeper.post("/api/v1/supplies/demand-lists", json={"month": month})
        if reply.status_code != 409:
            assert reply.status_code == 201, reply.text
            demand: dict[str, Any] = reply.json()
            return demand
    raise AssertionError("no free month for a demand list")


def test_f01_employee_requests_supplies_head_approves_from_todos_employee_gets_the_code(
    system: System, admin: Api, login: Callable[..., Api], new_page: Callable[[], Page]
) -> None:
    unit = new_unit(admin)
    code = f"PEN-{unit.code}"
    stocked_item(login(unit.secretary), code)

    staff = new_page()
    sign_in(staff, system.web_url, unit.staff)
    staff.click("nav >> text=行政事务")
    staff.click("#new-requisition")
    staff.fill("#f-purpose", "部门日常办公")
    staff.select_option("#f-line-0-item_code", code)
    staff.fill("#f-line-0-quantity", "3")
    shot(staff, "requisition-1-form")
    staff.click("#submit-requisition")
    expect(staff.locator(".alert-success")).to_contain_text("领用申请已提交审批")
    expect(staff.locator("main")).to_contain_text("审批中")
    shot(staff, "requisition-2-submitted")
    requisition_id = staff.url.rstrip("/").rsplit("/", 1)[-1]

    head = new_page()
    sign_in(head, system.web_url, unit.head)
    todo = head.locator("#todos a.todo-title", has_text="物品申领")
    until_listed(head, todo)
    expect(head.locator("#todos")).to_contain_text("科员")  # the requester's name
    no_raw_usernames(head)
    shot(head, "requisition-3-head-todos")
    todo.first.click()
    head.fill("#f-comment", "同意领用")
    head.click("#approve")
    expect(head.locator(".alert-success")).to_contain_text("审批意见已记录")
    shot(head, "requisition-4-head-approved")

    api_staff = login(unit.staff)
    requisition = api_staff.get(f"/api/v1/supplies/requisitions/{requisition_id}").json()
    assert (requisition["state"], requisition["signed_by"]) == ("approved", unit.head)

    # F-01 levels 2 and 3 on the month's list (finance, office director); then the
    # employee, without typing a URL, reaches the collection code (F-05).
    storekeeper = login(unit.secretary)
    demand = month_list(storekeeper)
    assert requisition_id in demand["requisition_ids"]
    approve_rest(login, storekeeper, demand["approval_id"])
    eventually(
        lambda: (
            api_staff.get(f"/api/v1/supplies/requisitions/{requisition_id}/code").status_code == 200
        )
    )
    staff.click("nav >> text=行政事务")
    staff.click("main table a")
    expect(staff.locator("#collection-code")).to_be_visible()
    staff.wait_for_function(
        "() => { const i = document.getElementById('collection-code'); return i.complete && i.naturalWidth > 0; }"
    )
    no_raw_usernames(staff)
    shot(staff, "requisition-5-collection-code")


def test_d05_clerk_registers_a_document_and_the_head_completes_proposed_handling(
    system: System, admin: Api, login: Callable[..., Api], new_page: Callable[[], Page]
) -> None:
    unit = new_unit(admin)
    clerk = new_page()
    sign_in(clerk, system.web_url, unit.clerk)
    clerk.click("nav >> text=公文")
    clerk.click("#register-document")
    clerk.fill("#f-title", "关于做好年终总结工作的通知")
    clerk.select_option("#f-type_code", "04")
    clerk.select_option("#f-department_code", unit.code)
    clerk.select_option("#f-priority", "urgent")
    clerk.fill("#f-body", "各部门：请于12月20日前提交年度总结。")
    clerk.click("main form button[type=submit]")
    number = clerk.locator("#document-number").inner_text()
    assert re.fullmatch(rf"{unit.code}-\d{{4}}-04-001", number)
    expect(clerk.locator("#colour-label")).to_have_text("红色（紧急）")
    expect(clerk.locator("main")).to_contain_text("通知")
    no_raw_usernames(clerk)
    shot(clerk, "document-1-registered")

    head = new_page()
    sign_in(head, system.web_url, unit.head)
    todo = head.locator("#todos a.todo-title", has_text=number)
    until_listed(head, todo)
    shot(head, "document-2-head-todos")
    todo.first.click()
    head.fill("#f-comment", "请科员阅办")
    head.select_option("#f-circulate_to", [unit.staff])
    shot(head, "document-3-proposed-handling")
    head.click("#complete-step")
    expect(head.locator(".alert-success")).to_contain_text("已办理")
    expect(head.locator("main")).to_contain_text("传阅中")
    no_raw_usernames(head)
    shot(head, "document-4-in-circulation")
    head.click("nav >> text=我的待办")
    expect(head.locator("main")).not_to_contain_text(number)


def test_m01_secretary_books_a_room_and_sees_the_conflict_of_an_overlapping_booking(
    system: System, admin: Api, login: Callable[..., Api], new_page: Callable[[], Page]
) -> None:
    unit = new_unit(admin)
    room = login(unit.secretary).post(
        "/api/v1/rooms", json={"name": f"第三会议室-{unit.code}", "capacity": 10}
    )
    assert room.status_code == 201, room.text
    now = datetime.fromisoformat(
        admin.post("/api/v1/testing/clock", json={"advance_seconds": 0}).json()["now"]
    ).astimezone(ZONE)
    day = (now + timedelta(days=10)).date().isoformat()

    page = new_page()
    sign_in(page, system.web_url, unit.secretary)

    def book(topic: str, start: str) -> None:
        page.click("nav >> text=会议")
        page.click("#book-room")
        page.fill("#f-topic", topic)
        page.select_option("#f-type", "discussion")
        page.fill("#f-date", day)
        page.fill("#f-time", start)
        page.fill("#f-duration_minutes", "60")
        page.select_option("#f-room_id", room.json()["id"])
        page.click("#book")

    book("季度工作部署会", "10:00")
    expect(page.locator(".alert-success").last).to_contain_text("会议已预订")
    shot(page, "booking-1-booked")
    book("临时碰头会", "10:30")
    expect(page.locator("#room_id-error")).to_contain_text("已被“季度工作部署会”占用")
    expect(page.locator("#room_id-error")).to_contain_text(f"{day} 10:00–11:00")
    expect(page.locator("#f-room_id")).to_have_attribute("aria-invalid", "true")
    shot(page, "booking-2-conflict")


def test_switching_to_english_changes_the_labels(
    system: System, admin: Api, new_page: Callable[[], Page]
) -> None:
    unit = new_unit(admin)
    page = new_page()
    sign_in(page, system.web_url, unit.staff)
    expect(page.locator("h1")).to_have_text("我的待办")
    shot(page, "language-1-chinese")
    page.click("#switch-language")
    expect(page.locator("h1")).to_have_text("My to-dos")
    expect(page.locator("nav")).to_contain_text("Documents")
    expect(page.locator("nav")).not_to_contain_text("公文")
    page.click("nav >> text=Documents")
    expect(page.locator("#register-document")).to_have_text("Register a document")
    shot(page, "language-2-english")


# --- the newer services (issues 14-17): one journey each ----------------------


def new_person(admin: Api, unit_code: str, username: str, name: str, roles: list[str]) -> str:
    from e2ekit import PERSON_PASSWORD

    reply = admin.post(
        "/api/v1/people",
        json={
            "username": username,
            "name": name,
            "password": PERSON_PASSWORD,
            "department_code": unit_code,
            "roles": roles,
        },
    )
    assert reply.status_code == 201, reply.text
    return username


def test_a02_an_employee_finds_a_record_by_a_chinese_keyword_and_applies_to_borrow_it(
    system: System, admin: Api, login: Callable[..., Api], new_page: Callable[[], Page]
) -> None:
    unit = new_unit(admin)
    keyword = "档案整理"
    title = f"关于开展{keyword}工作的通知（{unit.code}）"
    reply = login(unit.secretary).post(
        "/api/v1/archives/records",
        json={
            "number": f"{unit.code}-2024-04-001",
            "title": title,
            "type_code": "04",
            "department_code": unit.code,
            "security_class": "internal",
            "retention": "30y",
            "document_date": "2024-03-01",
            "shelf": {"storeroom": "一号库房", "cabinet": "B", "shelf": "1", "box": "7"},
        },
    )
    assert reply.status_code == 201, reply.text

    page = new_page()
    sign_in(page, system.web_url, unit.staff)
    page.click("nav >> text=档案")
    page.fill("#f-q", keyword)
    page.select_option("#f-department_code", unit.code)
    page.click("#search-records")
    page.wait_for_url(re.compile(r"[?&]q="))
    row = page.locator("#records tr", has_text=unit.code)
    until_listed(page, row)
    expect(row.locator("mark").first).to_be_visible()
    expect(row).to_contain_text(f"测试部{unit.code}")
    shot(page, "archives-1-search")
    row.locator("a.record-link").click()
    expect(page.locator("h1")).to_have_text(title)
    expect(page.locator("main dl")).to_contain_text("30年")
    expect(page.locator("main dl")).to_contain_text("内部")
    page.fill("#f-purpose", "")
    page.click("#apply-loan")
    expect(page.locator("#purpose-error")).to_be_visible()
    page.fill("#f-purpose", "编写部门年鉴")
    due = system_now(admin).astimezone(ZONE).date() + timedelta(days=14)
    page.fill("#f-due_date", due.isoformat())
    page.click("#apply-loan")
    expect(page.locator(".alert-success")).to_contain_text("借阅申请已提交")
    expect(page.locator("#loans")).to_contain_text("编写部门年鉴")
    no_raw_usernames(page)
    shot(page, "archives-2-my-loans")


def test_i02_an_editor_triages_a_submitted_item_on_the_importance_urgency_matrix(
    system: System, admin: Api, new_page: Callable[[], Page]
) -> None:
    unit = new_unit(admin)
    title = f"{unit.code}项目周报：主体验收提前完成"
    reporter = new_page()
    sign_in(reporter, system.web_url, unit.staff)
    reporter.click("nav >> text=信息")
    reporter.click("text=报送信息")
    reporter.select_option("#f-channel", "internal")
    reporter.select_option("#f-source", "weekly_report")
    reporter.fill("#f-title", title)
    for field, text in (
        ("time", "本周一"),
        ("place", "港区"),
        ("people", "项目组"),
        ("event", "完成主体验收"),
        ("result", "比计划提前两周"),
    ):
        reporter.fill(f"#f-lead_{field}", text)
    reporter.click("#submit-info")
    expect(reporter.locator(".alert-success")).to_contain_text("信息已报送")
    expect(reporter.locator("#info-status")).to_have_text("待分拣")
    shot(reporter, "info-1-submitted")

    editor = new_page()
    sign_in(editor, system.web_url, unit.secretary)
    expect(editor.locator("#todos")).to_contain_text(f"待分拣：{title}")
    editor.click("nav >> text=信息")
    editor.click("text=编辑台")
    card = editor.locator("li.triage-item", has_text=title)
    card.locator("select[name=importance]").select_option("important")
    card.locator("select[name=urgency]").select_option("urgent")
    card.locator("button[type=submit]").click()
    expect(editor.locator(".alert-success")).to_contain_text("已分拣入矩阵")
    quadrant = editor.locator(".quadrant-important-urgent")
    expect(quadrant).to_contain_text(title)
    expect(quadrant).to_contain_text("下一步：筛选")
    shot(editor, "info-2-matrix")


def test_p05_hr_opens_a_cycle_and_rates_a_colleague(
    system: System, admin: Api, new_page: Callable[[], Page]
) -> None:
    unit = new_unit(admin)
    hr = new_person(admin, unit.code, f"{unit.code.lower()}.hr", "人事专员", ["employee", "hr"])
    this_month = system_now(admin).astimezone(ZONE).strftime("%Y-%m")  # its window is open
    page = new_page()
    sign_in(page, system.web_url, hr)
    page.click("nav >> text=绩效")
    page.click("text=考核周期与评分")
    page.select_option("#f-kind", "monthly")
    page.fill("#f-period", "上个月")
    page.click("#open-cycle")
    expect(page.locator("#period-error")).to_be_visible()
    page.fill("#f-period", this_month)
    page.click("#open-cycle")
    expect(page.locator(".alert-success")).to_contain_text("考核周期已开启")
    expect(page.locator("#cycle-state")).to_have_text("评分进行中")
    shot(page, "performance-1-cycle")
    page.select_option("#f-subject", unit.staff)
    page.select_option("#f-group", "peer")
    page.fill("#f-score", "120")
    page.click("#submit-rating")
    expect(page.locator("#score-error")).to_be_visible()
    page.fill("#f-score", "88")
    page.click("#submit-rating")
    expect(page.locator(".alert-success")).to_contain_text("评分已提交")
    no_raw_usernames(page)
    shot(page, "performance-2-rated")


def test_c02_an_ineligible_employee_applying_for_a_vacancy_sees_each_failing_criterion(
    system: System, admin: Api, login: Callable[..., Api], new_page: Callable[[], Page]
) -> None:
    unit = new_unit(admin)
    hr = new_person(admin, unit.code, f"{unit.code.lower()}.hr", "人事专员", ["employee", "hr"])
    title = f"{unit.code}综合科副科长"
    reply = login(hr).post(
        "/api/v1/career/vacancies",
        json={"title": title, "department_code": unit.code, "quarter": "2026-Q4"},
    )
    assert reply.status_code == 201, reply.text
    page = new_page()
    sign_in(page, system.web_url, unit.staff)
    page.click("nav >> text=职业发展")
    expect(page.locator("main")).to_contain_text("我的晋升资格")
    shot(page, "career-1-eligibility")
    page.click("text=岗位空缺")
    card = page.locator("section.vacancy", has_text=title)
    expect(card).to_contain_text(f"测试部{unit.code}")
    card.locator("textarea[name=statement]").fill("熟悉综合业务，希望承担更多协调工作")
    card.locator("button[type=submit]").click()
    failing = page.locator("section.vacancy", has_text=title).locator(".alert-danger")
    expect(failing).to_contain_text("您尚不符合以下条件")
    expect(failing).to_contain_text("要求")
    expect(failing).not_to_contain_text("required")
    shot(page, "career-2-criteria")
