"""The pages of the four newer services (issue 18 with issues 14–17): archives, the
information hub, performance and career, against the fake gateway: Chinese labels and
people's names, errors beside their fields, tabs and pages only for the roles they serve."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import pytest
from flask.testing import FlaskClient

from web_fake_gateway import State, csrf_of

pytestmark = pytest.mark.unit
Client = Callable[[str], FlaskClient]


def post(client: FlaskClient, page: str, url: str, **data: Any) -> Any:
    return client.post(url, data={"csrf_token": csrf_of(client.get(page).text), **data})


def notice(state: State, recipient: str, ref: str) -> None:
    state.inbox.append(
        {
            "id": f"n-{len(state.inbox)}",
            "recipient": recipient,
            "kind": "notice",
            "title": "通知",
            "body": "",
            "subject_ref": ref,
            "created_at": "2026-11-30T00:00:00Z",
            "read_at": "2026-11-30T01:00:00Z",
            "due_at": None,
        }
    )


def test_menu_offers_the_four_newer_services_in_chinese(signed_in: Client) -> None:
    page = signed_in("zhang.wei").get("/").text
    for word, href in (
        ("档案", "/archives/"),
        ("信息", "/info/"),
        ("绩效", "/performance/"),
        ("职业发展", "/career/"),
    ):
        assert f'href="{href}">{word}</a>' in page


# --- archives (SPEC A-01..A-05) -------------------------------------------------


def test_a02_a_chinese_keyword_search_highlights_the_match_and_opens_the_record(
    signed_in: Client,
) -> None:
    client = signed_in("zhang.wei")
    page = client.get("/archives/", query_string={"q": "年终总结"}).text
    assert "关于做好<mark>年终总结</mark>工作的通知" in page
    assert "2015年度工作报告" not in page
    assert "共 1 份档案" in page
    record_url = re.search(r'href="(/archives/records/r1)"', page).group(1)  # type: ignore[union-attr]
    record = client.get(record_url).text
    assert "通知" in record
    assert "秘书处" in record
    assert "内部" in record
    assert "10年" in record
    assert "下载 年终总结通知.pdf" in record
    assert "SEC</dd>" not in record  # the department by name, never its code
    copy = client.get("/archives/records/r1/copy")
    assert copy.status_code == 200
    assert copy.data.startswith(b"%PDF")


def test_a02_a_title_cannot_inject_markup_through_the_highlight(signed_in: Client) -> None:
    from web.views.archives import marked

    assert str(marked("&lt;script&gt;<mark>档案</mark>")) == "&lt;script&gt;<mark>档案</mark>"
    assert "<script" not in str(marked("<script>x</script>"))


def test_a03_a_loan_application_shows_its_error_beside_the_field_then_lists_as_mine(
    signed_in: Client,
) -> None:
    client = signed_in("zhang.wei")
    reply = post(
        client,
        "/archives/records/r1",
        "/archives/records/r1/loans",
        purpose="",
        due_date="2026-12-15",
    )
    assert re.search(r'id="purpose-error"[^>]*>必填<', reply.text)
    reply = post(
        client,
        "/archives/records/r1",
        "/archives/records/r1/loans",
        purpose="编写年鉴",
        due_date="2026-12-15",
    )
    assert reply.status_code == 302
    loans = client.get(reply.headers["Location"]).text
    assert "借阅申请已提交，等待审批。" in loans
    assert "编写年鉴" in loans
    assert "待审批" in loans
    assert "SEC-2025-04-007" in loans


def test_a03_the_archivist_checks_out_an_approved_loan_from_the_record_page(
    signed_in: Client, gateway_state: State
) -> None:
    post(
        signed_in("zhang.wei"),
        "/archives/records/r1",
        "/archives/records/r1/loans",
        purpose="编写年鉴",
        due_date="2026-12-15",
    )
    gateway_state.newer["loans"][0]["state"] = "approved"
    archivist = signed_in("zhao.min")
    page = archivist.get("/archives/records/r1").text
    assert "张伟" in page
    assert "已批准，待领取" in page
    assert "zhang.wei" not in page
    action = re.search(r'action="(/archives/loans/[^"]+/checkout)"', page).group(1)  # type: ignore[union-attr]
    reply = post(archivist, "/archives/records/r1", action)
    assert reply.status_code == 302
    assert "借出中" in archivist.get(reply.headers["Location"]).text


def test_a04_the_archivist_tabs_are_only_for_the_secretariat(signed_in: Client) -> None:
    employee = signed_in("zhang.wei")
    assert "库房温湿度" not in employee.get("/archives/").text
    assert employee.get("/archives/climate").status_code == 403
    assert employee.get("/archives/stocktakes").status_code == 403


def test_a04_climate_alerts_per_storeroom_and_a_reading_error_beside_its_field(
    signed_in: Client,
) -> None:
    archivist = signed_in("zhao.min")
    page = archivist.get("/archives/climate").text
    assert "库房 一号库房" in page
    assert "湿度超出范围" in page
    assert "68 %" in page
    reply = post(
        archivist,
        "/archives/climate",
        "/archives/climate",
        storeroom="一号库房",
        temperature_c="很热",
        humidity_pct="50",
    )
    assert re.search(r'id="temperature_c-error"[^>]*>请输入数字<', reply.text)
    reply = post(
        archivist,
        "/archives/climate",
        "/archives/climate",
        storeroom="一号库房",
        temperature_c="25.5",
        humidity_pct="50",
    )
    assert "读数已登记，并已发出告警。" in archivist.get(reply.headers["Location"]).text


def test_a05_the_stock_take_opens_and_records_checks(signed_in: Client) -> None:
    archivist = signed_in("zhao.min")
    reply = post(archivist, "/archives/stocktakes", "/archives/stocktakes", year="2026")
    url = reply.headers["Location"]
    assert "2026年度档案盘点" in archivist.get(url).text
    reply = post(archivist, url, url, label="", result="present")
    assert re.search(r'id="label-error"[^>]*>必填<', reply.text)
    reply = post(archivist, url, url, label="ARC-r1", result="missing", note="盒内无此件")
    page = archivist.get(reply.headers["Location"]).text
    assert "SEC-2025-04-007 已盘点：缺失" in page
    assert "盒内无此件" in page
    assert "赵敏" in page


def test_a05_records_past_retention_are_listed_for_the_archivist(signed_in: Client) -> None:
    page = signed_in("zhao.min").get("/archives/expiring").text
    assert "2015年度工作报告" in page
    assert "2025-12-31" in page


# --- the information hub (SPEC I-01..I-06) ---------------------------------------


def submit_info(client: FlaskClient, **fields: str) -> Any:
    data = {
        "channel": "internal",
        "source": "weekly_report",
        "title": "港区项目进展顺利",
        "lead_time": "11月29日",
        "lead_place": "港区",
        "lead_people": "项目组",
        "lead_event": "完成主体验收",
        "lead_result": "提前两周",
    }
    data.update(fields)
    return post(client, "/info/new", "/info/new", **data)


def test_i01_the_intake_form_shows_errors_beside_fields_and_files_the_item(
    signed_in: Client,
) -> None:
    client = signed_in("zhang.wei")
    form = client.get("/info/new").text
    for word in (
        "内部渠道",
        "外部渠道",
        "专项渠道",
        "部门周报",
        "舆情监测",
        "导语：时间、地点、人物、事件、结果",
    ):
        assert word in form
    reply = submit_info(client, title="")
    assert re.search(r'id="title-error"[^>]*>必填<', reply.text)
    reply = submit_info(client)
    page = client.get(reply.headers["Location"]).text
    assert "信息已报送。" in page
    assert "待分拣" in page
    assert "内部渠道 · 部门周报" in page
    assert "11月29日，港区，项目组完成主体验收，提前两周。" in page
    assert "weekly_report" not in page


def test_i02_the_editor_triages_on_the_matrix_and_employees_have_no_desk(
    signed_in: Client,
) -> None:
    submit_info(signed_in("zhang.wei"))
    employee = signed_in("zhang.wei")
    assert employee.get("/info/queue").status_code == 403
    assert "编辑台" not in employee.get("/info/").text
    editor = signed_in("zhao.min")
    desk = editor.get("/info/queue").text
    assert "港区项目进展顺利" in desk
    assert "分拣入矩阵" in desk
    action = re.search(r'action="(/info/items/[^"]+/triage)"', desk).group(1)  # type: ignore[union-attr]
    reply = post(
        editor, "/info/queue", action, importance="important", urgency="urgent", next="/info/queue"
    )
    desk = editor.get(reply.headers["Location"]).text
    assert "已分拣入矩阵。" in desk
    assert "没有待分拣的信息。" in desk
    quadrant = desk.split('class="quadrant quadrant-important-urgent"')[1].split("</section>")[0]
    assert "港区项目进展顺利" in quadrant
    assert "下一步：筛选" in quadrant


def test_i03_a_verification_without_a_note_shows_the_error_beside_the_note(
    signed_in: Client, gateway_state: State
) -> None:
    submit_info(signed_in("zhang.wei"))
    item = gateway_state.newer["items"][0]
    item.update(status="screened", importance="important", urgency="normal")
    editor = signed_in("zhao.min")
    url = f"/info/items/{item['id']}"
    assert "审核：核实" in editor.get(url).text
    reply = post(editor, url, f"{url}/reviews", stage="verify", note="")
    assert re.search(r'id="note-error"[^>]*>请说明数据如何核实<', reply.text)


def test_i05_receipts_and_follow_up_calls_show_names_for_the_secretariat(
    signed_in: Client,
) -> None:
    submit_info(signed_in("zhang.wei"))
    editor = signed_in("zhao.min")
    item_url = re.search(r'href="(/info/items/[^"]+)"', editor.get("/info/").text).group(1)  # type: ignore[union-attr]
    page = editor.get(item_url).text
    assert "阅读回执" in page
    assert "电话催办" in page
    assert "13800000000" in page
    assert "未读" in page
    assert "标记为已致电" in page


def test_i04_the_bulletin_links_its_web_page_and_pdf(signed_in: Client) -> None:
    client = signed_in("zhang.wei")
    page = client.get("/info/bulletin", query_string={"date": "2026-11-30"}).text
    assert "港区项目进展顺利" in page
    assert 'href="/info/bulletin/2026-11-30.html"' in page
    assert 'href="/info/bulletin/2026-11-30.pdf"' in page
    pdf = client.get("/info/bulletin/2026-11-30.pdf")
    assert pdf.mimetype == "application/pdf"
    assert (
        "sandbox" in client.get("/info/bulletin/2026-11-30.html").headers["Content-Security-Policy"]
    )


def test_my_notification_preferences_save_and_show_errors_beside_the_field(
    signed_in: Client,
) -> None:
    client = signed_in("zhang.wei")
    page = client.get("/info/preferences").text
    assert "会议通知" in page
    assert "每日汇总" in page
    reply = post(
        client,
        "/info/preferences",
        "/info/preferences",
        email="not-an-address",
        default_delivery="immediate",
    )
    assert re.search(r'id="email-error"[^>]*>电子邮箱格式不正确<', reply.text)
    reply = client.post(
        "/info/preferences",
        data={
            "csrf_token": csrf_of(client.get("/info/preferences").text),
            "email": "zhang.wei@example.com",
            "default_delivery": "digest",
            "kind": ["meeting_notice", "info_bulletin"],
            "delivery-meeting_notice": "immediate",
            "delivery-info_bulletin": "",
        },
    )
    page = client.get(reply.headers["Location"]).text
    assert "设置已保存。" in page
    assert re.search(
        r'name="delivery-meeting_notice">.*?<option value="immediate" selected', page, re.S
    )


def test_i06_effectiveness_rates_in_per_cent_with_low_ones_marked(signed_in: Client) -> None:
    assert signed_in("zhang.wei").get("/info/effectiveness").status_code == 403
    page = signed_in("zhao.min").get("/info/effectiveness", query_string={"month": "2026-11"}).text
    assert "秘书处" in page
    assert "70.0 %" in page
    assert "100.0 %" in page
    assert "偏低" in page
    assert "低于 80% 的比率已标出" in page


# --- performance (SPEC P-*) ------------------------------------------------------


def test_p05_my_result_shows_formula_weights_and_facts(
    signed_in: Client, gateway_state: State
) -> None:
    notice(gateway_state, "zhang.wei", "cycle:c1")
    client = signed_in("zhang.wei")
    page = client.get("/performance/").text
    assert "2026-10" in page
    assert "优秀" in page
    assert "91.5" in page
    assert "公文逾期率" in page
    assert "逾期环节 / 全部环节" in page
    result = client.get("/performance/cycles/c1/results/zhang.wei").text
    assert "0.6 × 指标 + 0.4 × 360评分 = 91.5" in result
    assert "上级" in result
    assert "62 %" in result
    assert "同事" in result
    assert "服务对象" in result
    assert "公文拟办按时完成" in result
    assert "excellent" not in result
    assert "superior" not in result


def test_p08_an_appeal_names_its_disputed_facts_and_needs_a_reason(
    signed_in: Client, gateway_state: State
) -> None:
    client = signed_in("zhang.wei")
    url = "/performance/cycles/c1/results/zhang.wei"
    reply = post(client, url, f"{url}/appeal", reason="")
    assert re.search(r'id="reason-error"[^>]*>必填<', reply.text)
    reply = client.post(
        f"{url}/appeal",
        data={
            "csrf_token": csrf_of(client.get(url).text),
            "reason": "该事项已按时完成",
            "disputed_fact_ids": "f1",
        },
    )
    page = client.get(reply.headers["Location"]).text
    assert "申诉已提交。" in page
    assert "张伟" in page
    assert "已提交" in page
    assert gateway_state.newer["appeals"][0]["disputed_fact_ids"] == ["f1"]


def test_p01_hr_opens_a_cycle_and_employees_have_no_such_form(signed_in: Client) -> None:
    assert "开启考核周期" not in signed_in("zhang.wei").get("/performance/cycles").text
    hr = signed_in("chen.jing")
    reply = post(hr, "/performance/cycles", "/performance/cycles", kind="monthly", period="11月")
    assert re.search(r'id="period-error"[^>]*>期间格式不正确<', reply.text)
    reply = post(hr, "/performance/cycles", "/performance/cycles", kind="monthly", period="2026-11")
    page = hr.get(reply.headers["Location"]).text
    assert "考核周期已开启。" in page
    assert "陈静" in page
    assert "计算并发布结果" in page


def test_p05_a_rater_sees_the_score_error_beside_the_field(
    signed_in: Client, gateway_state: State
) -> None:
    client = signed_in("zhang.wei")
    page = client.get("/performance/cycles/c2").text
    assert "为同事评分" in page
    assert "赵敏" in page
    assert "计算并发布结果" not in page
    reply = post(
        client,
        "/performance/cycles/c2",
        "/performance/cycles/c2/ratings",
        subject="zhao.min",
        group="peer",
        score="120",
    )
    assert re.search(r'id="score-error"[^>]*>分数须在 0 到 100 之间<', reply.text)
    reply = post(
        client,
        "/performance/cycles/c2",
        "/performance/cycles/c2/ratings",
        subject="zhao.min",
        group="peer",
        score="88",
    )
    assert "评分已提交。" in client.get(reply.headers["Location"]).text
    assert gateway_state.newer["ratings"][0]["score"] == 88.0


# --- career (SPEC C-*) -----------------------------------------------------------


def test_c01_my_eligibility_shows_each_criterion(signed_in: Client) -> None:
    page = signed_in("zhang.wei").get("/career/").text
    assert "尚不符合条件" in page
    assert "任职年限" in page
    assert "3年" in page
    assert "2.5年" in page
    assert "未达标" in page
    assert "综合管理序列" in page
    assert "任职满 3 年" in page
    assert "年度考核不低于良好" in page


def test_c02_applying_for_a_vacancy_needs_a_statement(signed_in: Client) -> None:
    client = signed_in("zhang.wei")
    page = client.get("/career/vacancies").text
    assert "综合科副科长" in page
    assert "秘书处" in page
    reply = post(client, "/career/vacancies", "/career/vacancies/v1/applications", statement="")
    assert re.search(r'id="v1-statement-error"[^>]*>必填<', reply.text)
    reply = post(
        client, "/career/vacancies", "/career/vacancies/v1/applications", statement="熟悉综合业务"
    )
    page = client.get(reply.headers["Location"]).text
    assert "申请已提交。" in page
    assert "熟悉综合业务" in page
    assert "张伟" in page


def test_c03_my_career_file_saves_one_entry_a_line(signed_in: Client, gateway_state: State) -> None:
    client = signed_in("zhang.wei")
    reply = post(
        client,
        "/career/file",
        "/career/file",
        interests="公文写作\n档案管理",
        skills="Python、数据分析",
        goals="",
    )
    assert "职业档案已保存。" in client.get(reply.headers["Location"]).text
    assert gateway_state.newer["files"]["zhang.wei"]["skills"] == ["Python", "数据分析"]


def test_c04_training_hours_and_completions(signed_in: Client) -> None:
    page = signed_in("zhang.wei").get("/career/training").text
    assert "必修学时：4.0 / 8.0" in page
    assert "必修学时不足" in page
    assert "保密知识培训" in page
    assert "新建课程" not in page
    assert "新建课程" in signed_in("chen.jing").get("/career/training").text


def test_c05_mentoring_pairs_from_my_notices(signed_in: Client, gateway_state: State) -> None:
    notice(gateway_state, "zhao.min", "mentorships/m1")
    page = signed_in("zhao.min").get("/career/mentoring").text
    assert "赵敏 辅导 张伟" in page
    assert "新员工" in page
    assert "登记辅导" in page


def test_c06_the_talent_review_and_succession_are_for_hr_and_leaders(signed_in: Client) -> None:
    assert signed_in("zhang.wei").get("/career/talent").status_code == 403
    hr = signed_in("chen.jing")
    page = hr.get("/career/talent", query_string={"year": "2026"}).text
    assert 'src="/career/talent/2026.svg"' in page
    assert "骨干人才" in page
    assert "张伟" in page
    assert "秘书长" in page
    assert "两年内可接任" in page
    assert "没有可即刻接任的继任者" in page
    assert hr.get("/career/talent/2026.svg").mimetype == "image/svg+xml"


# --- 我的待办 -------------------------------------------------------------------


def test_todos_include_loans_info_to_triage_and_ratings_to_give(
    signed_in: Client, gateway_state: State
) -> None:
    submit_info(signed_in("zhang.wei"))
    post(
        signed_in("zhao.min"),
        "/archives/records/r1",
        "/archives/records/r1/loans",
        purpose="查阅",
        due_date="2020-01-01",
    )
    gateway_state.newer["loans"][0]["state"] = "out"
    notice(gateway_state, "zhao.min", "cycle:c2")
    page = signed_in("zhao.min").get("/").text
    assert "归还档案（SEC-2025-04-007）" in page
    assert "待分拣：港区项目进展顺利" in page
    assert "2026-10 360 度评分" in page
    assert "档案借阅" in page
    assert "待评分" in page


def test_a04_every_archives_page_shows_the_archivist_tabs_to_the_secretariat(
    signed_in: Client,
) -> None:
    archivist = signed_in("zhao.min")
    for url in ("/archives/", "/archives/loans", "/archives/climate", "/archives/expiring"):
        page = archivist.get(url).text
        assert "保管期满" in page, url
        assert "档案盘点" in page, url


def test_the_newer_pages_switch_to_english(signed_in: Client, gateway_state: State) -> None:
    client = signed_in("zhang.wei")
    client.post("/language", data={"lang": "en", "next": "/archives/"})
    archives = client.get("/archives/", query_string={"q": "年终总结"}).text
    assert "Search records" in archives
    assert "Notice" in archives
    assert "档案检索" not in archives
    info = client.get("/info/new").text
    assert "Internal channel" in info
    assert "Department weekly report" in info
    career = client.get("/career/").text
    assert "My eligibility for promotion" in career
    assert "Not met" in career


def test_a_form_refused_by_the_service_comes_back_with_a_fresh_idempotency_key(
    signed_in: Client,
) -> None:
    """The gateway remembers a refused attempt under its key, so the corrected form must
    not send the same key again (it would be answered as a reused key)."""
    client = signed_in("zhang.wei")
    page = client.get("/info/new").text
    sent = re.search(r'name="idempotency_key" value="([^"]+)"', page).group(1)  # type: ignore[union-attr]
    reply = client.post(
        "/info/new",
        data={"csrf_token": csrf_of(page), "idempotency_key": sent, "title": "", "source": "x"},
    )
    again = re.search(r'name="idempotency_key" value="([^"]+)"', reply.text).group(1)  # type: ignore[union-attr]
    assert again != sent
