"""The information flow over a real gRPC channel, on SQLite, with the timers fired
on the service clock and e-mail delivered to a real local SMTP server (SPEC I-01..I-06)."""

from __future__ import annotations

import email
import io
import socket
import time
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from email.message import EmailMessage, Message
from typing import Any

import grpc
import openpyxl
import pypdfium2
import pytest
from aiosmtpd.controller import Controller
from google.protobuf.json_format import MessageToDict

from infohub.bootstrap import MIGRATIONS, InfohubApp, SmtpTransport, build
from infohub.service_layer.mail import MailSender
from secretariat.infohub.v1 import infohub_pb2, infohub_pb2_grpc, information_pb2_grpc
from secretariat.infohub.v1 import information_pb2 as pb
from secretariat_shared.bus import BusTopology
from secretariat_shared.calendar import BusinessCalendar
from secretariat_shared.clock import ManualClock
from secretariat_shared.identity import Identity
from secretariat_shared.test_databases import migrate_test_database
from secretariat_shared.testing import FakeDirectory, GrpcServerFactory, service_settings

pytestmark = pytest.mark.integration

# Monday 2026-11-30 10:00 Beijing
START = datetime(2026, 11, 30, 2, 0, tzinfo=UTC)
EDITOR = Identity("sec.clerk", department_code="SEC", roles=frozenset({"secretariat"}))
LEADER = Identity("leader.li", roles=frozenset({"leader"}))
CLERK = Identity("hr.clerk", department_code="HR")
HEAD = Identity("hr.head", department_code="HR", headed_departments=frozenset({"HR"}))
FIN_HEAD = Identity("fin.head", department_code="FIN", headed_departments=frozenset({"FIN"}))


class Mailbox:
    def __init__(self) -> None:
        self.messages: list[Message] = []

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        self.messages.append(email.message_from_bytes(envelope.content))
        return "250 OK"

    def subjects(self, to: str) -> list[str]:
        return [
            str(email.header.make_header(email.header.decode_header(m["Subject"])))
            for m in self.messages
            if m["To"] == to
        ]


class Harness:
    def __init__(self, app: InfohubApp, server: Any, clock: ManualClock, mailbox: Mailbox) -> None:
        self.app, self.server, self.clock, self.mailbox = app, server, clock, mailbox
        self.stub = information_pb2_grpc.InformationStub(server.channel)
        self.inbox = infohub_pb2_grpc.InboxStub(server.channel)
        self.sender = next(w for w in app.wiring.workers if isinstance(w, MailSender))

    def call(self, method: str, request: Any, who: Identity) -> Any:
        return getattr(self.stub, method)(request, metadata=self.server.metadata(who))

    def fails(self, method: str, request: Any, who: Identity) -> grpc.StatusCode:
        with pytest.raises(grpc.RpcError) as caught:
            self.call(method, request, who)
        return caught.value.code()  # type: ignore[no-any-return]

    def advance_to(self, when: datetime) -> None:
        self.clock.set(when)
        assert self.app.scheduler is not None
        self.app.scheduler.run_once()

    def inbox_of(self, who: Identity) -> list[infohub_pb2.InboxItem]:
        reply = self.inbox.ListInbox(
            infohub_pb2.ListInboxRequest(page=1, page_size=100), metadata=self.server.metadata(who)
        )
        return list(reply.items)

    def send_mail(self) -> None:
        self.sender.run_once()
        time.sleep(0.2)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.fixture
def hub(
    database_url: str, bus_url: str, bus_namespace: str, grpc_server: GrpcServerFactory
) -> Iterator[Harness]:
    migrate_test_database(MIGRATIONS, database_url)
    directory = FakeDirectory()
    directory.roles["leader"] = ["leader.li"]
    directory.add_person("leader.li", "", phone="010-6552 3301", email="leader.li@example.com")
    clock = ManualClock(START)
    mailbox = Mailbox()
    port = free_port()
    controller = Controller(mailbox, hostname="127.0.0.1", port=port)
    controller.start()
    app = build(
        service_settings(database_url, bus_url),
        clock,
        BusTopology(prefix=bus_namespace),
        directory=directory,
        calendar=BusinessCalendar(),
        mail_transport=SmtpTransport("127.0.0.1", port, "infohub@example.com"),
    )
    server = grpc_server(servicers=app.wiring.servicers, clock=clock)
    yield Harness(app, server, clock, mailbox)
    controller.stop()
    app.db.dispose()


LEAD = pb.Lead(
    time="11月30日上午",
    place="一号厂区",
    people="人力资源部",
    event="组织安全培训",
    result="120人通过考核",
)


def submit(h: Harness, title: str, who: Identity = CLERK, **kw: Any) -> pb.InfoItem:
    request = pb.SubmitItemRequest(
        channel="internal",
        source="weekly_report",
        title=title,
        lead=LEAD,
        body="培训覆盖全部一线岗位。",
        figures=[
            pb.Figure(
                label="通过人数",
                value="120",
                unit="人",
                source="培训系统",
                basis="11月30日当日考核",
            )
        ],
        **kw,
    )
    return h.call("SubmitItem", request, who)  # type: ignore[no-any-return]


def reviewed(h: Harness, item_id: str, importance: str) -> pb.InfoItem:
    h.call(
        "TriageItem",
        pb.TriageItemRequest(id=item_id, importance=importance, urgency="normal"),
        EDITOR,
    )
    h.call("ReviewItem", pb.ReviewItemRequest(id=item_id, stage="screen", decision="keep"), EDITOR)
    h.call(
        "ReviewItem",
        pb.ReviewItemRequest(id=item_id, stage="verify", note="与培训系统核对"),
        EDITOR,
    )
    return h.call(  # type: ignore[no-any-return]
        "ReviewItem",
        pb.ReviewItemRequest(id=item_id, stage="distil", core_points="培训全员通过"),
        EDITOR,
    )


def test_i01_intake_keeps_channel_source_submitter_time_and_attachments(hub: Harness) -> None:
    item = submit(
        hub, "安全培训完成", attachments=[pb.Attachment(name="签到表.pdf", ref="files/1")]
    )
    got = hub.call("GetItem", pb.GetItemRequest(id=item.id), CLERK)
    assert (got.channel, got.source, got.submitter) == ("internal", "weekly_report", "hr.clerk")
    assert got.submitted_at.ToDatetime(tzinfo=UTC) == START
    assert [a.name for a in got.attachments] == ["签到表.pdf"]
    anonymous = hub.call(
        "SubmitItem",
        pb.SubmitItemRequest(
            channel="internal",
            source="suggestion",
            anonymous=True,
            title="建议增设夜班班车",
            lead=LEAD,
        ),
        CLERK,
    )
    assert (anonymous.submitter, anonymous.department_code) == ("", "")
    assert (
        hub.fails("GetItem", pb.GetItemRequest(id=item.id), FIN_HEAD) == grpc.StatusCode.NOT_FOUND
    )


def test_i01_an_adopted_suggestion_emits_an_event(hub: Harness) -> None:
    item = hub.call(
        "SubmitItem",
        pb.SubmitItemRequest(
            channel="internal", source="suggestion", title="建议增设夜班班车", lead=LEAD
        ),
        CLERK,
    )
    hub.call("AdoptSuggestion", pb.AdoptSuggestionRequest(id=item.id), EDITOR)
    with hub.app.db.reading() as session:
        types = [r.event_type for r in session.execute(hub.app.kit.tables.outbox.select())]
    assert types == ["infohub.suggestion.adopted"]
    code = hub.fails("AdoptSuggestion", pb.AdoptSuggestionRequest(id=item.id), EDITOR)
    assert code == grpc.StatusCode.ALREADY_EXISTS


def test_i04_a_write_up_without_lead_elements_or_figure_source_is_refused(hub: Harness) -> None:
    bad = pb.SubmitItemRequest(
        channel="internal", source="weekly_report", title="无导语", lead=pb.Lead(time="今天")
    )
    assert hub.fails("SubmitItem", bad, CLERK) == grpc.StatusCode.INVALID_ARGUMENT
    bad = pb.SubmitItemRequest(
        channel="internal",
        source="weekly_report",
        title="无来源",
        lead=LEAD,
        figures=[pb.Figure(label="产量", value="3")],
    )
    assert hub.fails("SubmitItem", bad, CLERK) == grpc.StatusCode.INVALID_ARGUMENT
    listed = hub.call("ListItems", pb.ListItemsRequest(page=1, page_size=20), EDITOR)
    assert listed.total == 0


def test_i03_near_duplicate_is_flagged_and_nothing_reaches_leaders_before_three_reviews(
    hub: Harness,
) -> None:
    first = submit(hub, "人力资源部组织安全培训")
    second = submit(hub, "人力资源部组织了安全培训")
    assert list(second.similar_item_ids) == [first.id]
    hub.call(
        "TriageItem",
        pb.TriageItemRequest(id=first.id, importance="important", urgency="urgent"),
        EDITOR,
    )
    hub.call("ReviewItem", pb.ReviewItemRequest(id=first.id, stage="screen"), EDITOR)
    hub.call("ReviewItem", pb.ReviewItemRequest(id=first.id, stage="verify", note="核对"), EDITOR)
    assert hub.inbox_of(LEADER) == []
    assert hub.fails(
        "TriageItem",
        pb.TriageItemRequest(id=first.id, importance="routine", urgency="normal"),
        CLERK,
    ) == (grpc.StatusCode.PERMISSION_DENIED)
    done = hub.call(
        "ReviewItem",
        pb.ReviewItemRequest(id=first.id, stage="distil", core_points="全员通过"),
        EDITOR,
    )
    assert done.status == "delivered"
    assert [r.stage for r in done.reviews] == ["screen", "verify", "distil"]
    assert [i.kind for i in hub.inbox_of(LEADER)] == ["info_important"]


def test_i05_unread_recipients_are_listed_with_their_directory_phone_at_two_hours_inbox_read_counts(
    hub: Harness,
) -> None:
    item = reviewed(hub, submit(hub, "重要：安全培训").id, "important")
    receipts = hub.call("GetReceipts", pb.GetReceiptsRequest(id=item.id), EDITOR)
    assert {r.recipient for r in receipts.receipts} == {"leader.li", "hr.head"}
    notice = next(i for i in hub.inbox_of(HEAD) if i.kind == "info_important")
    hub.inbox.MarkRead(
        infohub_pb2.MarkReadRequest(id=notice.id), metadata=hub.server.metadata(HEAD)
    )
    hub.advance_to(START + timedelta(hours=1, minutes=59))
    assert not hub.call("GetReceipts", pb.GetReceiptsRequest(id=item.id), EDITOR).follow_ups
    hub.advance_to(START + timedelta(hours=2, seconds=1))
    receipts = hub.call("GetReceipts", pb.GetReceiptsRequest(id=item.id), EDITOR)
    assert [(f.recipient, f.phone) for f in receipts.follow_ups] == [("leader.li", "010-6552 3301")]
    assert "info_read_follow_up" in [i.kind for i in hub.inbox_of(EDITOR)]
    ticked = hub.call("MarkCalled", pb.MarkCalledRequest(id=item.id, username="leader.li"), EDITOR)
    assert ticked.follow_ups[0].called_by == "sec.clerk"


def test_i05_action_is_tracked_to_accepted_only_by_the_superior_or_creator(hub: Harness) -> None:
    item = reviewed(hub, submit(hub, "整改事项", who=EDITOR).id, "important")
    deadline = START + timedelta(days=3)
    request = pb.SetActionRequest(id=item.id, owner="hr.clerk", acceptance_criterion="提交整改报告")
    request.deadline.FromDatetime(deadline)
    hub.call("SetAction", request, EDITOR)
    hub.call("StartAction", pb.StartActionRequest(id=item.id), CLERK)
    assert hub.fails("AcceptAction", pb.AcceptActionRequest(id=item.id), LEADER) == (
        grpc.StatusCode.PERMISSION_DENIED
    )
    assert hub.call("GetItem", pb.GetItemRequest(id=item.id), EDITOR).action.status == "started"
    hub.advance_to(deadline - timedelta(hours=23))
    assert "info_action_reminder" in [i.kind for i in hub.inbox_of(CLERK)]
    accepted = hub.call("AcceptAction", pb.AcceptActionRequest(id=item.id), HEAD)
    assert (accepted.action.status, accepted.action.accepted_by) == ("accepted", "hr.head")
    hub.advance_to(deadline + timedelta(minutes=1))
    assert "info_action_escalated" not in [i.kind for i in hub.inbox_of(HEAD)]


def test_i05_an_action_not_accepted_by_its_deadline_escalates_to_the_superior(
    hub: Harness,
) -> None:
    item = reviewed(hub, submit(hub, "逾期事项", who=EDITOR).id, "important")
    request = pb.SetActionRequest(id=item.id, owner="hr.clerk", acceptance_criterion="完成")
    request.deadline.FromDatetime(START + timedelta(days=1))
    hub.call("SetAction", request, EDITOR)
    hub.advance_to(START + timedelta(days=1, minutes=1))
    assert "info_action_escalated" in [i.kind for i in hub.inbox_of(HEAD)]
    with hub.app.db.reading() as session:
        types = [r.event_type for r in session.execute(hub.app.kit.tables.outbox.select())]
    assert "infohub.action.escalated" in types


def render_png_has_ink(pdf: bytes) -> int:
    """Dark pixels in the page's title line, which is Chinese only (每日信息专报)."""
    document = pypdfium2.PdfDocument(pdf)
    image = document[0].render(scale=1).to_pil().convert("L")
    return sum(image.crop((50, 50, 300, 85)).histogram()[:128])


def test_i02_routine_item_is_in_the_next_working_day_bulletin_before_nine(hub: Harness) -> None:
    item = reviewed(
        hub,
        submit(
            hub,
            "周报：安全培训",
            trend=[
                pb.TrendPoint(label="9月", value=80),
                pb.TrendPoint(label="10月", value=95),
                pb.TrendPoint(label="11月", value=120),
            ],
        ).id,
        "routine",
    )
    assert (item.status, item.bulletin_date) == ("queued", "2026-12-01")
    assert hub.fails("GetBulletin", pb.GetBulletinRequest(date="2026-12-01"), LEADER) == (
        grpc.StatusCode.NOT_FOUND
    )
    hub.advance_to(datetime(2026, 12, 1, 0, 1, tzinfo=UTC))  # 08:01 Beijing, Tuesday
    bulletin = hub.call("GetBulletin", pb.GetBulletinRequest(date="2026-12-01"), LEADER)
    assert not bulletin.late
    assert bulletin.published_at.ToDatetime(tzinfo=UTC) < datetime(2026, 12, 1, 1, 0, tzinfo=UTC)
    assert [e.item_id for e in bulletin.entries] == [item.id]
    assert bulletin.entries[0].has_chart
    chart = hub.call("GetChart", pb.GetChartRequest(id=item.id), LEADER)
    assert chart.data.startswith(b"\x89PNG")
    page = hub.call("GetBulletinHtml", pb.GetBulletinRequest(date="2026-12-01"), LEADER)
    assert "周报：安全培训" in page.data.decode()
    assert "data:image/png" in page.data.decode()
    pdf = hub.call("GetBulletinPdf", pb.GetBulletinRequest(date="2026-12-01"), LEADER)
    assert pdf.data.startswith(b"%PDF")
    assert b"/FontFile2" in pdf.data  # the Chinese font travels inside the PDF
    assert render_png_has_ink(pdf.data) > 300
    # I-02: triage cannot change after publication
    code = hub.fails(
        "TriageItem",
        pb.TriageItemRequest(id=item.id, importance="important", urgency="urgent"),
        EDITOR,
    )
    assert code == grpc.StatusCode.ALREADY_EXISTS
    assert hub.call("GetItem", pb.GetItemRequest(id=item.id), EDITOR).importance == "routine"


def test_i02_a_bulletin_published_after_nine_is_an_sla_breach(hub: Harness) -> None:
    reviewed(hub, submit(hub, "周报：延迟").id, "routine")
    hub.advance_to(datetime(2026, 12, 1, 2, 0, tzinfo=UTC))  # 10:00 Beijing: the scheduler was down
    bulletin = hub.call("GetBulletin", pb.GetBulletinRequest(date="2026-12-01"), LEADER)
    assert bulletin.late
    with hub.app.db.reading() as session:
        types = [r.event_type for r in session.execute(hub.app.kit.tables.outbox.select())]
    assert "infohub.bulletin.published" in types


def test_i06_monthly_rates_by_department_in_json_csv_and_excel(hub: Harness) -> None:
    read = reviewed(hub, submit(hub, "重要一").id, "important")
    reviewed(hub, submit(hub, "重要二").id, "important")
    hub.call("GetItem", pb.GetItemRequest(id=read.id), HEAD)
    request = pb.SetActionRequest(id=read.id, owner="hr.clerk", acceptance_criterion="完成")
    request.deadline.FromDatetime(START + timedelta(hours=6))
    hub.call("SetAction", request, EDITOR)
    hub.call("StartAction", pb.StartActionRequest(id=read.id), CLERK)
    month = pb.EffectivenessRequest(month="2026-11")
    rates = {r.department_code: r for r in hub.call("GetEffectiveness", month, EDITOR).departments}
    hr = rates["HR"]
    assert (hr.delivered, hr.read, hr.awareness_rate) == (2, 1, 0.5)
    assert (hr.execution_rate, hr.achievement_rate) == (1.0, 0.0)
    assert list(hr.low_rates) == ["awareness", "achievement"]
    assert read.id in hr.low_item_ids
    assert rates[""].awareness_rate == 0.0  # the leader read neither
    csv_text = hub.call("ExportEffectivenessCsv", month, EDITOR).data.decode("utf-8-sig")
    assert csv_text.splitlines()[0].startswith("部门,送达,已阅")
    book = openpyxl.load_workbook(
        io.BytesIO(hub.call("ExportEffectivenessXlsx", month, EDITOR).data)
    )
    assert [c.value for c in book.active[2]][:3] == ["（领导）", 2, 0]  # type: ignore[index]
    assert hub.fails("GetEffectiveness", month, CLERK) == grpc.StatusCode.PERMISSION_DENIED


def test_mail_immediate_for_important_items_and_a_daily_digest_for_the_rest(hub: Harness) -> None:
    prefs = pb.NotificationPreferences(email="head@example.com", default_delivery="digest")
    assert hub.call("PutPreferences", prefs, HEAD).email == "head@example.com"
    hub.call(
        "PutPreferences",
        pb.NotificationPreferences(
            email="clerk@example.com",
            kinds=[pb.KindPreference(kind="info_item_published", delivery="digest")],
        ),
        CLERK,
    )
    got = MessageToDict(hub.call("GetPreferences", pb.GetPreferencesRequest(), CLERK))
    assert got["kinds"] == [{"kind": "info_item_published", "delivery": "digest"}]
    reviewed(hub, submit(hub, "重要：停电通知").id, "important")
    reviewed(hub, submit(hub, "周报一").id, "routine")
    reviewed(hub, submit(hub, "周报二").id, "routine")
    hub.send_mail()
    assert hub.mailbox.subjects("head@example.com") == ["重要信息：重要：停电通知"]
    hub.advance_to(datetime(2026, 12, 1, 0, 5, tzinfo=UTC))  # bulletin published 08:05
    hub.send_mail()
    assert hub.mailbox.subjects("clerk@example.com") == []
    hub.clock.set(datetime(2026, 12, 1, 10, 0, tzinfo=UTC))  # 18:00 Beijing
    hub.send_mail()
    assert hub.mailbox.subjects("clerk@example.com") == ["每日通知摘要（2 条）"]


def test_mail_goes_to_the_directory_email_unless_the_person_chose_another(
    hub: Harness,
) -> None:
    reviewed(hub, submit(hub, "重要：目录邮箱").id, "important")
    hub.send_mail()
    assert hub.mailbox.subjects("leader.li@example.com") == ["重要信息：重要：目录邮箱"]
    hub.call("PutPreferences", pb.NotificationPreferences(email="li@home.example"), LEADER)
    reviewed(hub, submit(hub, "重要：个人邮箱").id, "important")
    hub.send_mail()
    assert hub.mailbox.subjects("li@home.example") == ["重要信息：重要：个人邮箱"]
    assert hub.mailbox.subjects("leader.li@example.com") == ["重要信息：重要：目录邮箱"]


def test_mail_failures_retry_and_never_lose_a_notice(hub: Harness) -> None:
    class Flaky:
        def __init__(self) -> None:
            self.calls = 0
            self.sent: list[EmailMessage] = []

        def send(self, message: EmailMessage) -> None:
            self.calls += 1
            if self.calls == 1:
                raise ConnectionRefusedError("smtp down")
            self.sent.append(message)

    flaky = Flaky()
    sender = MailSender(hub.app.db, hub.clock, flaky)
    hub.call("PutPreferences", pb.NotificationPreferences(email="lead@example.com"), LEADER)
    reviewed(hub, submit(hub, "重要：重试").id, "important")
    assert sender.run_once() == 0
    assert sender.run_once() == 0  # backing off
    hub.clock.advance(120)
    assert sender.run_once() == 1
    assert [m["To"] for m in flaky.sent] == ["lead@example.com"]
    assert sender.run_once() == 0


def test_i06_dashboard_gauges_carry_this_months_rates(hub: Harness) -> None:
    from infohub.entrypoints.metrics import EffectivenessCollector

    item = reviewed(hub, submit(hub, "重要：仪表盘").id, "important")
    hub.call("GetItem", pb.GetItemRequest(id=item.id), HEAD)
    collector = next(c for c in hub.app.wiring.collectors if isinstance(c, EffectivenessCollector))
    samples = {
        (s.labels["department"], s.labels["rate"]): s.value
        for family in collector.collect()
        for s in family.samples
    }
    assert samples[("HR", "awareness")] == 1.0
    assert samples[("leaders", "awareness")] == 0.0


def test_i02_a_bulletin_is_published_every_working_day_even_when_empty(hub: Harness) -> None:
    hub.app.wiring.on_serve[0]()  # what serve runs: the next working day's issue is due
    hub.advance_to(datetime(2026, 12, 1, 0, 1, tzinfo=UTC))  # Tuesday 08:01 Beijing
    empty = hub.call("GetBulletin", pb.GetBulletinRequest(date="2026-12-01"), LEADER)
    assert (list(empty.entries), empty.late) == ([], False)
    hub.advance_to(datetime(2026, 12, 2, 0, 1, tzinfo=UTC))  # and Wednesday's follows
    assert hub.call("GetBulletin", pb.GetBulletinRequest(date="2026-12-02"), LEADER).date


def test_mail_two_senders_never_send_the_same_notice_twice(hub: Harness) -> None:
    """Two replicas: the second looks while the first is still talking to the server."""

    class Recorder:
        def __init__(self, during_send: Callable[[], int] | None = None) -> None:
            self.sent: list[EmailMessage] = []
            self.during_send = during_send
            self.others_sent = -1

        def send(self, message: EmailMessage) -> None:
            if self.during_send is not None:
                self.others_sent = self.during_send()
            self.sent.append(message)

    second = Recorder()
    first = Recorder(MailSender(hub.app.db, hub.clock, second).run_once)
    hub.call("PutPreferences", pb.NotificationPreferences(email="lead@example.com"), LEADER)
    reviewed(hub, submit(hub, "重要：两个副本").id, "important")
    assert MailSender(hub.app.db, hub.clock, first).run_once() == 1
    assert (len(first.sent), len(second.sent), first.others_sent) == (1, 0, 0)


def test_i01_only_a_projects_named_officers_submit_its_daily_reports(hub: Harness) -> None:
    report = pb.SubmitItemRequest(
        channel="special",
        source="project_daily_report",
        project="HARBOUR-2",
        title="港口二期日报",
        lead=LEAD,
    )
    assert hub.fails("SubmitItem", report, CLERK) == grpc.StatusCode.PERMISSION_DENIED
    named = hub.call(
        "SetProjectOfficers",
        pb.ProjectOfficers(project="HARBOUR-2", officers=["hr.clerk"]),
        EDITOR,
    )
    assert list(named.officers) == ["hr.clerk"]
    assert hub.call("SubmitItem", report, CLERK).project == "HARBOUR-2"
    assert hub.fails("SubmitItem", report, HEAD) == grpc.StatusCode.PERMISSION_DENIED
    unknown = pb.ProjectOfficers(project="HARBOUR-2", officers=["nobody"])
    assert hub.fails("SetProjectOfficers", unknown, EDITOR) == grpc.StatusCode.INVALID_ARGUMENT
