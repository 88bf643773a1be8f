"""Forms and rendering: Chinese labels and names, errors beside their fields, the language
switch, 我的待办 ordering, forms generated from JSON Schema, the room conflict."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import UTC, datetime

import pytest
from flask.testing import FlaskClient

from web_fake_gateway import State, csrf_of

pytestmark = pytest.mark.unit


def register(client: FlaskClient, **fields: str) -> object:
    token = csrf_of(client.get("/documents/new").text)
    data = {
        "csrf_token": token,
        "title": "关于年终总结的通知",
        "type_code": "04",
        "department_code": "SEC",
        "security_class": "internal",
        "retention": "10y",
        "priority": "urgent",
    }
    data.update(fields)
    return client.post("/documents/new", data=data)


def test_d02_the_register_form_offers_the_twelve_types_by_chinese_name(
    signed_in: Callable[[str], FlaskClient],
) -> None:
    page = signed_in("zhang.wei").get("/documents/new").text
    options = re.findall(r'<option value="(\d\d)"', page)
    assert options == [f"{i:02d}" for i in range(1, 13)]
    for word in ("规章制度", "通知", "纪要", "其他", "10年", "30年", "永久", "机密"):
        assert word in page
    assert 'for="f-title"' in page  # every field has its label


def test_api_field_errors_show_beside_their_fields_in_the_users_language(
    signed_in: Callable[[str], FlaskClient], gateway_state: State
) -> None:
    client = signed_in("zhang.wei")
    reply = register(client, title="", type_code="")
    page = reply.text  # type: ignore[attr-defined]
    assert re.search(r'id="f-title"[^>]*aria-describedby="title-error"', page)
    assert re.search(r'id="title-error"[^>]*>必填<', page)
    assert re.search(r'id="type_code-error"[^>]*>格式不正确<', page)
    assert gateway_state.headers[-1]["Accept-Language"] == "zh-CN"


def test_d04_a_registered_document_shows_its_colour_label_names_and_local_time(
    signed_in: Callable[[str], FlaskClient],
) -> None:
    client = signed_in("zhang.wei")
    reply = register(client)
    page = client.get(reply.headers["Location"]).text  # type: ignore[attr-defined]
    assert "红色（紧急）" in page
    assert "赵敏" in page
    assert "zhao.min" not in page
    assert "2026-11-30 14:00" in page  # 06:00 UTC in Asia/Shanghai
    assert "notice" not in page


def test_d05_the_head_completes_proposed_handling_and_it_leaves_the_todos(
    signed_in: Callable[[str], FlaskClient], gateway_state: State
) -> None:
    register(signed_in("zhang.wei"))
    head = signed_in("zhao.min")
    todos = head.get("/").text
    assert "待拟办" in todos
    link = re.search(r'href="(/inbox/[^"]+/open)"', todos).group(1)  # type: ignore[union-attr]
    document_url = head.get(link).headers["Location"]
    page = head.get(document_url).text
    action = re.search(r'action="(/documents/[^"]+/steps/s2)"', page).group(1)  # type: ignore[union-attr]
    reply = head.post(
        action,
        data={"csrf_token": csrf_of(page), "comment": "请传阅", "circulate_to": ["zhang.wei"]},
    )
    assert reply.status_code == 302
    assert gateway_state.bodies[-1] == {"comment": "请传阅", "circulate_to": ["zhang.wei"]}
    assert "待拟办" not in head.get("/").text


def test_the_language_switch_changes_the_labels_and_the_api_language(
    signed_in: Callable[[str], FlaskClient], gateway_state: State
) -> None:
    client = signed_in("zhang.wei")
    assert "登记公文" in client.get("/documents/").text
    client.post("/language", data={"lang": "en", "next": "/documents/"})
    page = client.get("/documents/").text
    assert "Register a document" in page
    assert "登记公文" not in page
    assert gateway_state.headers[-1]["Accept-Language"] == "en"


def test_todos_put_overdue_first_and_mark_them(
    signed_in: Callable[[str], FlaskClient], gateway_state: State
) -> None:
    gateway_state.inbox.append(
        {
            "id": "n1",
            "recipient": "zhang.wei",
            "kind": "meeting_notice",
            "title": "会议通知",
            "body": "",
            "subject_ref": "meetings/m1",
            "created_at": "2026-11-30T00:00:00Z",
            "read_at": None,
            "due_at": None,
        }
    )
    gateway_state.inbox.append(
        {
            "id": "n2",
            "recipient": "zhang.wei",
            "kind": "document_step_assigned",
            "title": "待传阅：旧文件",
            "body": "",
            "subject_ref": "documents/d0",
            "created_at": "2020-01-01T00:00:00Z",
            "read_at": None,
            "due_at": "2020-01-02T00:00:00Z",
        }
    )
    page = signed_in("zhang.wei").get("/").text
    assert page.index("待传阅：旧文件") < page.index("会议通知")
    assert "已超时" in page
    assert page.count('class="todo') >= 2


def test_collect_ranks_across_services(app: object, gateway_state: State) -> None:
    from web.gateway import Gateway
    from web.todos import collect

    gateway_state.approvals.append(
        {
            "id": "a9",
            "subject": "采购申请",
            "template": "purchase",
            "urgent": True,
            "requester": "zhang.wei",
            "created_at": "2026-11-30T00:00:00Z",
            "current_step": {"approvers": ["zhao.min"], "due_at": "2030-01-01T00:00:00Z"},
        }
    )
    gateway_state.inbox.append(
        {
            "id": "x",
            "recipient": "zhao.min",
            "kind": "approval_step_assigned",
            "title": "审批：采购申请",
            "body": "",
            "subject_ref": "approvals/a9",
            "created_at": "2026-11-30T00:00:00Z",
            "read_at": None,
            "due_at": None,
        }
    )
    gateway_state.inbox.append(
        {
            "id": "y",
            "recipient": "zhao.min",
            "kind": "repair_reported",
            "title": "报修：投影仪坏了",
            "body": "",
            "subject_ref": "facilities/repairs/rp1",
            "created_at": "2026-11-30T00:00:00Z",
            "read_at": None,
            "due_at": None,
        }
    )
    transport = app.extensions["workbench"].transport  # type: ignore[attr-defined]
    gateway = Gateway("http://gateway.test", "token-zhao.min", transport=transport)
    todos = collect(
        gateway,
        {"username": "zhao.min", "roles": ["employee", "it_support"]},
        now=datetime(2026, 11, 30, tzinfo=UTC),
    )
    kinds = [t.kind for t in todos]
    assert "notice" not in kinds  # the repair's own notice says the same as the repair
    assert kinds[0] == "repair"  # overdue since 2020, from the unpaged repairs list
    assert "approval" in kinds
    assert not any(t.kind == "notice" and t.subject_ref == "approvals/a9" for t in todos)


def test_d06_a_template_form_is_generated_from_its_json_schema(
    signed_in: Callable[[str], FlaskClient], gateway_state: State
) -> None:
    client = signed_in("zhang.wei")
    page = client.get("/approvals/start/leave").text
    assert "请假类型" in page
    assert "年假" in page
    assert 'type="date"' in page
    assert 'name="items-0-quantity"' in page
    reply = client.post(
        "/approvals/start/leave",
        data={
            "csrf_token": csrf_of(page),
            "subject": "请假",
            "leave_type": "annual",
            "items-0-name": "A4纸",
            "items-0-quantity": "3",
        },
    )
    assert reply.status_code == 200
    assert re.search(r'id="days-error"[^>]*>必填<', reply.text)
    reply = client.post(
        "/approvals/start/leave",
        data={
            "csrf_token": csrf_of(page),
            "subject": "请假",
            "leave_type": "annual",
            "days": "1.5",
            "items-0-name": "A4纸",
            "items-0-quantity": "3",
        },
    )
    assert reply.status_code == 302
    assert gateway_state.bodies[-1]["payload"] == {
        "leave_type": "annual",
        "days": 1.5,
        "items": [{"name": "A4纸", "quantity": 3}],
    }


def test_m01_an_overlapping_booking_shows_the_conflict_beside_the_room(
    signed_in: Callable[[str], FlaskClient],
) -> None:
    client = signed_in("zhao.min")
    page = client.get("/meetings/new").text
    data = {
        "csrf_token": csrf_of(page),
        "topic": "周例会",
        "type": "report",
        "date": "2026-12-01",
        "time": "10:00",
        "duration_minutes": "60",
        "room_id": "r1",
    }
    assert client.post("/meetings/new", data=data).status_code == 302
    reply = client.post("/meetings/new", data=data)
    assert reply.status_code == 200
    assert re.search(
        r'id="room_id-error"[^>]*>第一会议室 在 2026-12-01 10:00–11:00 已被“周例会”占用（含15分钟缓冲，自 09:45 起）',
        reply.text.replace("&#34;", '"'),
    ), reply.text


def test_the_week_calendar_lists_the_rooms(signed_in: Callable[[str], FlaskClient]) -> None:
    page = signed_in("zhao.min").get("/meetings/?week=2026-12-02").text
    assert "第一会议室" in page
    assert "2026-11-30" in page  # the week starts on Monday


def test_every_ui_string_has_a_chinese_translation() -> None:
    from pathlib import Path

    from babel.messages.extract import extract_from_dir
    from babel.messages.pofile import read_po

    import web

    root = Path(web.__file__).parent
    with (root / "translations" / "zh_CN" / "LC_MESSAGES" / "messages.po").open("rb") as handle:
        catalogue = {m.id for m in read_po(handle) if m.id and m.string}
    found = {
        message if isinstance(message, str) else message[0]
        for _, _, message, _, _ in extract_from_dir(
            str(root),
            method_map=[("**.py", "python"), ("**/templates/**.html", "jinja2")],
            keywords={"_": None, "gettext": None, "N_": None},
        )
    }
    assert found - catalogue == set()


def test_english_validation_messages_and_indexed_fields_reach_the_right_field_in_chinese(
    app: object,
) -> None:
    import httpx

    from web.gateway import Gateway, Problem

    def answer(request: httpx.Request) -> httpx.Response:
        return httpx.Response(
            422,
            json={
                "status": 422,
                "title": "校验未通过",
                "errors": [
                    {"field": "lines[0].quantity", "message": "must be positive"},
                    {"field": "purpose", "message": "String should have at least 1 character"},
                    {"field": "note", "message": "a reason no pattern knows"},
                ],
            },
        )

    with app.test_request_context("/"):  # type: ignore[attr-defined]
        from flask_babel import get_translations

        gateway = Gateway(
            "http://gateway.test",
            "t",
            "zh-CN",
            httpx.MockTransport(answer),
            get_translations(),
        )
        with pytest.raises(Problem) as caught:
            gateway.post("/api/v1/supplies/requisitions", {})
    assert caught.value.errors == {
        "lines.0.quantity": "必须大于零",
        "purpose": "必填",
        "note": "a reason no pattern knows",
    }


def test_f01_the_storekeeper_consolidates_the_month_and_sees_departments_over_budget(
    signed_in: Callable[[str], FlaskClient], gateway_state: State
) -> None:
    client = signed_in("zhao.min")
    page = client.get("/facilities/demand-lists").text
    assert "需求清单" in page
    token = csrf_of(page)
    refused = client.post("/facilities/demand-lists", data={"csrf_token": token, "month": ""})
    assert 'id="month-error"' in refused.text
    made = client.post(
        "/facilities/demand-lists",
        data={"csrf_token": token, "month": "2026-11"},
        follow_redirects=True,
    ).text
    assert "已汇总" in made
    assert "秘书处" in made
    assert "超出预算" in made
    assert gateway_state.demand_lists[0]["month"] == "2026-11"


def test_f01_an_employee_has_no_demand_list_tab(signed_in: Callable[[str], FlaskClient]) -> None:
    assert "需求清单" not in signed_in("zhang.wei").get("/facilities/").text
