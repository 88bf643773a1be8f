# ruff: noqa: N802
"""The Information gRPC API (SPEC I-01..I-06)."""

from __future__ import annotations

import io
from datetime import UTC, datetime
from typing import Any

import grpc
from google.api import httpbody_pb2
from google.protobuf.timestamp_pb2 import Timestamp
from openpyxl import Workbook

from infohub.adapters.audit_trail import InfohubAuditTrail
from infohub.domain.bulletin import entries_from_json
from infohub.domain.effectiveness import LOW_THRESHOLD, DepartmentRates
from infohub.domain.information import Attachment, Figure, InfoItem, Lead, TrendPoint
from infohub.domain.preferences import ALWAYS_IMMEDIATE, Preferences
from infohub.rendering.bulletin import bulletin_html, bulletin_pdf
from infohub.rendering.chart import trend_png
from infohub.service_layer.information import InformationHub
from secretariat.common.v1 import audit_pb2
from secretariat.infohub.v1 import information_pb2 as pb
from secretariat.infohub.v1 import information_pb2_grpc
from secretariat_shared.errors import PreconditionFailed
from secretariat_shared.grpc_server import current_identity
from secretariat_shared.paging import page_of
from secretariat_shared.spreadsheets import csv_document, safe_cell

Context = grpc.ServicerContext


def _ts(target: Timestamp, value: datetime | None) -> None:
    if value is not None:
        target.FromDatetime(value.astimezone(UTC))


def item_to_proto(item: InfoItem) -> pb.InfoItem:
    m = pb.InfoItem(
        id=item.id,
        channel=item.channel,
        source=item.source,
        submitter=item.submitter,
        anonymous=item.anonymous,
        title=item.title,
        body=item.body,
        project=item.project,
        department_code=item.department_code,
        importance=item.importance,
        urgency=item.urgency,
        status=item.status,
        core_points=item.core_points,
        similar_item_ids=item.similar_item_ids,
        bulletin_date=item.bulletin_date,
        adopted=item.adopted,
        merged_into=item.merged_into,
        lead=pb.Lead(**vars(item.lead)),
        figures=[pb.Figure(**vars(f)) for f in item.figures],
        trend=[pb.TrendPoint(label=p.label, value=p.value) for p in item.trend],
        attachments=[pb.Attachment(name=a.name, ref=a.ref) for a in item.attachments],
    )
    _ts(m.submitted_at, item.submitted_at)
    _ts(m.delivered_at, item.delivered_at)
    for r in item.reviews:
        review = m.reviews.add(stage=r.stage, reviewer=r.reviewer, decision=r.decision, note=r.note)
        _ts(review.at, r.at)
    if item.action is not None:
        a = item.action
        m.action.CopyFrom(
            pb.Action(
                owner=a.owner,
                acceptance_criterion=a.acceptance_criterion,
                status=a.status,
                accepted_by=a.accepted_by,
                department_code=a.department_code,
            )
        )
        _ts(m.action.deadline, a.deadline)
        _ts(m.action.started_at, a.started_at)
        _ts(m.action.accepted_at, a.accepted_at)
    return m


def _prefs(prefs: Preferences) -> pb.NotificationPreferences:
    return pb.NotificationPreferences(
        email=prefs.email,
        default_delivery=prefs.default_delivery,
        kinds=[pb.KindPreference(kind=k, delivery=v) for k, v in sorted(prefs.kinds.items())],
        always_immediate=sorted(ALWAYS_IMMEDIATE),
    )


def _rates(r: DepartmentRates) -> pb.DepartmentRates:
    return pb.DepartmentRates(
        department_code=r.department_code,
        delivered=r.delivered,
        read=r.read,
        actions_required=r.actions_required,
        actions_started=r.actions_started,
        actions_accepted=r.actions_accepted,
        awareness_rate=r.awareness_rate,
        execution_rate=r.execution_rate,
        achievement_rate=r.achievement_rate,
        low_rates=r.low_rates,
        low_item_ids=r.low_item_ids,
    )


RATE_HEADER = [
    "部门",
    "送达",
    "已阅",
    "应办事项",
    "已启动",
    "已验收",
    "知晓率",
    "执行率",
    "达成率",
    "偏低指标",
    "相关信息",
]


def _rate_rows(rows: list[DepartmentRates]) -> list[list[Any]]:
    return [
        [
            r.department_code or "（领导）",
            r.delivered,
            r.read,
            r.actions_required,
            r.actions_started,
            r.actions_accepted,
            round(r.awareness_rate, 4),
            round(r.execution_rate, 4),
            round(r.achievement_rate, 4),
            " ".join(r.low_rates),
            " ".join(r.low_item_ids),
        ]
        for r in rows
    ]


class InformationServicer(information_pb2_grpc.InformationServicer):
    def __init__(self, hub: InformationHub, audit_trail: InfohubAuditTrail | None = None) -> None:
        self.hub = hub
        self.audit_trail = audit_trail

    def SubmitItem(self, request: pb.SubmitItemRequest, context: Context) -> pb.InfoItem:
        item = self.hub.submit(
            current_identity(),
            request.channel,
            request.source,
            request.anonymous,
            request.title,
            Lead(
                request.lead.time,
                request.lead.place,
                request.lead.people,
                request.lead.event,
                request.lead.result,
            ),
            request.body,
            [Figure(f.label, f.value, f.unit, f.source, f.basis) for f in request.figures],
            [TrendPoint(p.label, p.value) for p in request.trend],
            [Attachment(a.name, a.ref) for a in request.attachments],
            request.project,
        )
        return item_to_proto(item)

    def ListItems(self, request: pb.ListItemsRequest, context: Context) -> pb.ListItemsResponse:
        paging = page_of(request.page, request.page_size)
        items, total = self.hub.list_items(
            current_identity(), request.status, request.channel, paging.page, paging.page_size
        )
        return pb.ListItemsResponse(
            items=[item_to_proto(i) for i in items],
            total=total,
            page=paging.page,
            page_size=paging.page_size,
        )

    def GetItem(self, request: pb.GetItemRequest, context: Context) -> pb.InfoItem:
        return item_to_proto(self.hub.get(current_identity(), request.id))

    def TriageItem(self, request: pb.TriageItemRequest, context: Context) -> pb.InfoItem:
        return item_to_proto(
            self.hub.triage(current_identity(), request.id, request.importance, request.urgency)
        )

    def ReviewItem(self, request: pb.ReviewItemRequest, context: Context) -> pb.InfoItem:
        return item_to_proto(
            self.hub.review(
                current_identity(),
                request.id,
                request.stage,
                request.decision,
                request.merge_into,
                request.note,
                request.core_points,
            )
        )

    def AdoptSuggestion(self, request: pb.AdoptSuggestionRequest, context: Context) -> pb.InfoItem:
        return item_to_proto(self.hub.adopt(current_identity(), request.id))

    def _receipts(self, item_id: str) -> pb.Receipts:
        deliveries, follow_ups = self.hub.receipts(current_identity(), item_id)
        out = pb.Receipts(item_id=item_id)
        for d in deliveries:
            r = out.receipts.add(recipient=d["recipient"], department_code=d["department_code"])
            _ts(r.delivered_at, d["delivered_at"])
            _ts(r.read_at, d["read_at"])
        for f in follow_ups:
            fu = out.follow_ups.add(
                recipient=f["recipient"],
                name=f["name"],
                phone=f["phone"],
                called_by=f["called_by"],
            )
            _ts(fu.listed_at, f["listed_at"])
            _ts(fu.called_at, f["called_at"])
        return out

    def GetReceipts(self, request: pb.GetReceiptsRequest, context: Context) -> pb.Receipts:
        return self._receipts(request.id)

    def MarkCalled(self, request: pb.MarkCalledRequest, context: Context) -> pb.Receipts:
        self.hub.mark_called(current_identity(), request.id, request.username)
        return self._receipts(request.id)

    def SetAction(self, request: pb.SetActionRequest, context: Context) -> pb.InfoItem:
        return item_to_proto(
            self.hub.set_action(
                current_identity(),
                request.id,
                request.owner,
                request.deadline.ToDatetime(tzinfo=UTC),
                request.acceptance_criterion,
            )
        )

    def StartAction(self, request: pb.StartActionRequest, context: Context) -> pb.InfoItem:
        return item_to_proto(self.hub.start_action(current_identity(), request.id))

    def AcceptAction(self, request: pb.AcceptActionRequest, context: Context) -> pb.InfoItem:
        return item_to_proto(self.hub.accept_action(current_identity(), request.id))

    def GetChart(self, request: pb.GetChartRequest, context: Context) -> httpbody_pb2.HttpBody:
        points = self.hub.chart(current_identity(), request.id)
        return httpbody_pb2.HttpBody(content_type="image/png", data=trend_png(points))

    def GetBulletin(self, request: pb.GetBulletinRequest, context: Context) -> pb.Bulletin:
        row, entries = self.hub.bulletin(request.date)
        out = pb.Bulletin(date=request.date, late=bool(row["late"]))
        _ts(out.published_at, row["published_at"])
        _ts(out.due_at, row["due_at"])
        _ts(out.cutoff, row["cutoff"])
        for e in entries_from_json(entries):
            out.entries.add(
                item_id=e.item_id,
                title=e.title,
                lead=e.lead,
                core_points=e.core_points,
                source=e.source,
                figures=[pb.Figure(**vars(f)) for f in e.figures],
                has_chart=bool(e.trend),
            )
        return out

    def GetBulletinHtml(
        self, request: pb.GetBulletinRequest, context: Context
    ) -> httpbody_pb2.HttpBody:
        _, entries = self.hub.bulletin(request.date)
        data = bulletin_html(request.date, entries_from_json(entries))
        return httpbody_pb2.HttpBody(content_type="text/html; charset=utf-8", data=data)

    def GetBulletinPdf(
        self, request: pb.GetBulletinRequest, context: Context
    ) -> httpbody_pb2.HttpBody:
        _, entries = self.hub.bulletin(request.date)
        data = bulletin_pdf(request.date, entries_from_json(entries))
        context.send_initial_metadata(
            (("content-disposition", f'attachment; filename="bulletin-{request.date}.pdf"'),)
        )
        return httpbody_pb2.HttpBody(content_type="application/pdf", data=data)

    def GetEffectiveness(
        self, request: pb.EffectivenessRequest, context: Context
    ) -> pb.Effectiveness:
        rows = self.hub.effectiveness(current_identity(), request.month)
        return pb.Effectiveness(
            month=request.month, threshold=LOW_THRESHOLD, departments=[_rates(r) for r in rows]
        )

    def ExportEffectivenessCsv(
        self, request: pb.EffectivenessRequest, context: Context
    ) -> httpbody_pb2.HttpBody:
        rows = self.hub.effectiveness(current_identity(), request.month)
        return httpbody_pb2.HttpBody(
            content_type="text/csv; charset=utf-8",
            data=csv_document(RATE_HEADER, _rate_rows(rows)),
        )

    def ExportEffectivenessXlsx(
        self, request: pb.EffectivenessRequest, context: Context
    ) -> httpbody_pb2.HttpBody:
        rows = self.hub.effectiveness(current_identity(), request.month)
        book = Workbook()
        sheet = book.active
        assert sheet is not None
        sheet.title = request.month
        sheet.append(RATE_HEADER)
        for row in _rate_rows(rows):
            sheet.append([safe_cell(c) for c in row])
        out = io.BytesIO()
        book.save(out)
        return httpbody_pb2.HttpBody(
            content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            data=out.getvalue(),
        )

    def SetProjectOfficers(
        self, request: pb.ProjectOfficers, context: Context
    ) -> pb.ProjectOfficers:
        named = self.hub.set_project_officers(
            current_identity(), request.project, list(request.officers)
        )
        return pb.ProjectOfficers(project=request.project.strip(), officers=named)

    def GetProjectOfficers(
        self, request: pb.GetProjectOfficersRequest, context: Context
    ) -> pb.ProjectOfficers:
        return pb.ProjectOfficers(
            project=request.project, officers=self.hub.project_officers(request.project)
        )

    def GetPreferences(
        self, request: pb.GetPreferencesRequest, context: Context
    ) -> pb.NotificationPreferences:
        return _prefs(self.hub.preferences(current_identity()))

    def PutPreferences(
        self, request: pb.NotificationPreferences, context: Context
    ) -> pb.NotificationPreferences:
        prefs = self.hub.set_preferences(
            current_identity(),
            request.email,
            request.default_delivery,
            {k.kind: k.delivery for k in request.kinds},
        )
        return _prefs(prefs)

    def ListInfohubAuditEntries(
        self, request: audit_pb2.AuditSearchRequest, context: Context
    ) -> audit_pb2.AuditSearchResponse:
        """X-04: the audit trail, by the shared helper with this service's X-03 redaction."""
        if self.audit_trail is None:
            raise PreconditionFailed("the audit trail is not wired in this process")
        return self.audit_trail.search(current_identity(), request)
