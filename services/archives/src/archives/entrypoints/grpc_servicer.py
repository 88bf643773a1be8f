# ruff: noqa: N802
"""The Archives gRPC API: protobuf in, use case, protobuf out. It is also the
HTTP API: the gateway transcodes each RPC by its ``google.api.http`` rule."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC
from typing import Any, TypeVar
from urllib.parse import quote

import grpc
from google.api import httpbody_pb2
from google.protobuf.message import Message

from archives.domain.climate import Reading
from archives.domain.records import Shelf
from archives.service_layer.climate import Climate
from archives.service_layer.destruction import Destructions
from archives.service_layer.loans import Loans
from archives.service_layer.records import CopyInput, CreateRecord, Records, SearchQuery
from archives.service_layer.stocktake import StockTakes
from secretariat.archives.v1 import archives_pb2 as pb
from secretariat.archives.v1 import archives_pb2_grpc
from secretariat_shared.clock import Clock
from secretariat_shared.errors import DomainError, ValidationFailed
from secretariat_shared.grpc_server import current_identity, status_for
from secretariat_shared.identity import METADATA_KEY, IdentityVerifier, InvalidIdentity
from secretariat_shared.proto_conversions import fill_message
from secretariat_shared.uploads import uploaded_file

Context = grpc.ServicerContext
STREAM_BATCH = 1000


L = TypeVar("L", bound=Message)


def _listing(response: L, listing: tuple[list[dict[str, Any]], int, int, int]) -> L:
    items, total, page, page_size = listing
    for item in items:
        fill_message(response.items.add(), item)  # type: ignore[attr-defined]
    response.total = total  # type: ignore[attr-defined]
    response.page = page  # type: ignore[attr-defined]
    response.page_size = page_size  # type: ignore[attr-defined]
    return response


class ArchivesServicer(archives_pb2_grpc.ArchivesServicer):
    def __init__(
        self,
        records: Records,
        loans: Loans,
        climate: Climate,
        stock_takes: StockTakes,
        destructions: Destructions,
        verifier: IdentityVerifier,
        clock: Clock,
    ) -> None:
        self.records = records
        self.loans = loans
        self.climate = climate
        self.stock_takes = stock_takes
        self.destructions = destructions
        self._verifier = verifier
        self._clock = clock

    # -- records ---------------------------------------------------------------

    def CreateRecord(self, request: pb.CreateRecordRequest, context: Context) -> pb.Record:
        copy = None
        if request.copy_content:
            copy = CopyInput(
                request.copy_content,
                request.copy_file_name or "copy.bin",
                request.copy_content_type or "application/octet-stream",
                request.copy_sha256,
            )
        elif request.copy_sha256:
            raise ValidationFailed([], "copy_sha256 given without copy_content")
        shelf = Shelf()
        if request.HasField("shelf"):
            s = request.shelf
            shelf = Shelf(s.storeroom.strip(), s.cabinet.strip(), s.shelf.strip(), s.box.strip())
        cmd = CreateRecord(
            number=request.number,
            title=request.title,
            type_code=request.type_code,
            department_code=request.department_code,
            security_class=request.security_class,
            retention=request.retention,
            document_date=request.document_date,
            shelf=shelf,
            copy=copy,
            readers=list(request.readers),
            important=request.important,
        )
        return fill_message(pb.Record(), self.records.create(current_identity(), cmd))

    def ImportRecords(
        self, request: pb.ImportRecordsRequest, context: Context
    ) -> pb.ImportRecordsResponse:
        data = uploaded_file(request.file.content_type, request.file.data)
        ids = self.records.import_file(current_identity(), data)
        return pb.ImportRecordsResponse(created=len(ids), record_ids=ids)

    def ListRecords(
        self, request: pb.ListRecordsRequest, context: Context
    ) -> pb.ListRecordsResponse:
        query = SearchQuery(
            q=request.q,
            number=request.number,
            department_code=request.department_code,
            type_code=request.type_code,
            security_class=request.security_class,
            date_from=request.date_from,
            date_to=request.date_to,
            page=request.page,
            page_size=request.page_size,
        )
        return _listing(pb.ListRecordsResponse(), self.records.search(current_identity(), query))

    def GetRecord(self, request: pb.GetRecordRequest, context: Context) -> pb.Record:
        return fill_message(pb.Record(), self.records.get(current_identity(), request.id))

    def GetRecordCopy(
        self, request: pb.GetRecordRequest, context: Context
    ) -> httpbody_pb2.HttpBody:
        copy = self.records.copy(current_identity(), request.id)
        name = copy.file_name.replace('"', "")
        context.send_initial_metadata(
            (
                ("content-disposition", f"attachment; filename*=UTF-8''{quote(name)}"),
                ("x-content-sha256", copy.sha256),
            )
        )
        return httpbody_pb2.HttpBody(content_type=copy.content_type, data=copy.content)

    def SetRecordShelf(self, request: pb.SetRecordShelfRequest, context: Context) -> pb.Record:
        s = request.shelf
        shelf = Shelf(s.storeroom.strip(), s.cabinet.strip(), s.shelf.strip(), s.box.strip())
        return fill_message(
            pb.Record(), self.records.set_shelf(current_identity(), request.id, shelf)
        )

    def ListRecordLoans(
        self, request: pb.ListRecordLoansRequest, context: Context
    ) -> pb.ListLoansResponse:
        listing = self.loans.list_of_record(
            current_identity(), request.record_id, request.page, request.page_size
        )
        return _listing(pb.ListLoansResponse(), listing)

    # -- loans -----------------------------------------------------------------

    def ApplyLoan(self, request: pb.ApplyLoanRequest, context: Context) -> pb.Loan:
        loan = self.loans.apply(
            current_identity(), request.record_id, request.purpose, request.due_date
        )
        return fill_message(pb.Loan(), loan)

    def GetLoan(self, request: pb.GetLoanRequest, context: Context) -> pb.Loan:
        return fill_message(pb.Loan(), self.loans.get(current_identity(), request.id))

    def ListLoans(self, request: pb.ListLoansRequest, context: Context) -> pb.ListLoansResponse:
        listing = self.loans.list_for(
            current_identity(), request.borrower, request.page, request.page_size
        )
        return _listing(pb.ListLoansResponse(), listing)

    def CheckoutLoan(self, request: pb.LoanActionRequest, context: Context) -> pb.Loan:
        return fill_message(
            pb.Loan(), self.loans.checkout(current_identity(), request.id, request.note)
        )

    def ReturnLoan(self, request: pb.LoanActionRequest, context: Context) -> pb.Loan:
        return fill_message(
            pb.Loan(), self.loans.give_back(current_identity(), request.id, request.note)
        )

    # -- climate ---------------------------------------------------------------

    def _reading(self, message: pb.ClimateReading) -> Reading:
        measured = (
            message.measured_at.ToDatetime(tzinfo=UTC)
            if message.HasField("measured_at")
            else self._clock.now()
        )
        return Reading(
            message.storeroom.strip(), message.temperature_c, message.humidity_pct, measured
        )

    def RecordClimateReadings(
        self, request: pb.RecordClimateReadingsRequest, context: Context
    ) -> pb.ClimateIngestSummary:
        summary = self.climate.ingest(
            current_identity(), [self._reading(r) for r in request.readings]
        )
        return pb.ClimateIngestSummary(
            accepted=summary.accepted,
            alerts_raised=summary.alerts_raised,
            alerts_cleared=summary.alerts_cleared,
        )

    def StreamClimateReadings(
        self, request_iterator: Iterator[pb.ClimateReading], context: Context
    ) -> pb.ClimateIngestSummary:
        """Client stream: the shared interceptor wraps unary calls only, so
        the identity is checked here; readings are stored in batches."""
        token = next((v for k, v in context.invocation_metadata() or () if k == METADATA_KEY), None)
        try:
            identity = self._verifier.verify(token if isinstance(token, str) else None)
        except InvalidIdentity as exc:
            context.abort(grpc.StatusCode.UNAUTHENTICATED, str(exc))
        totals = [0, 0, 0]
        batch: list[Reading] = []
        try:
            self.climate.check_caller(identity)
            for message in request_iterator:
                if not message.storeroom.strip():
                    raise ValidationFailed(
                        [], f"reading {totals[0] + len(batch) + 1} has no storeroom"
                    )
                batch.append(self._reading(message))
                if len(batch) >= STREAM_BATCH:
                    self._flush(identity, batch, totals)
            self._flush(identity, batch, totals)
        except DomainError as exc:
            context.abort(status_for(exc), str(exc))
        return pb.ClimateIngestSummary(
            accepted=totals[0], alerts_raised=totals[1], alerts_cleared=totals[2]
        )

    def _flush(self, identity: Any, batch: list[Reading], totals: list[int]) -> None:
        if not batch:
            return
        summary = self.climate.ingest(identity, batch)
        totals[0] += summary.accepted
        totals[1] += summary.alerts_raised
        totals[2] += summary.alerts_cleared
        batch.clear()

    def ListClimateAlerts(
        self, request: pb.ListClimateAlertsRequest, context: Context
    ) -> pb.ListClimateAlertsResponse:
        listing = self.climate.alerts(
            current_identity(),
            request.open_only,
            request.storeroom,
            request.page,
            request.page_size,
        )
        return _listing(pb.ListClimateAlertsResponse(), listing)

    # -- stock-take ------------------------------------------------------------

    def StartStockTake(self, request: pb.StartStockTakeRequest, context: Context) -> pb.StockTake:
        return fill_message(
            pb.StockTake(), self.stock_takes.start(current_identity(), request.year)
        )

    def GetStockTake(self, request: pb.GetStockTakeRequest, context: Context) -> pb.StockTake:
        return fill_message(pb.StockTake(), self.stock_takes.report(current_identity(), request.id))

    def GetStockTakeLabels(
        self, request: pb.GetStockTakeRequest, context: Context
    ) -> httpbody_pb2.HttpBody:
        png = self.stock_takes.labels(current_identity(), request.id)
        return httpbody_pb2.HttpBody(content_type="image/png", data=png)

    def GetStockTakeLabelsPdf(
        self, request: pb.GetStockTakeRequest, context: Context
    ) -> httpbody_pb2.HttpBody:
        pdf = self.stock_takes.labels_pdf(current_identity(), request.id)
        return httpbody_pb2.HttpBody(content_type="application/pdf", data=pdf)

    def CheckStockTakeItem(
        self, request: pb.CheckStockTakeItemRequest, context: Context
    ) -> pb.StockTakeItem:
        item = self.stock_takes.check(
            current_identity(), request.id, request.label, request.result, request.note
        )
        return fill_message(pb.StockTakeItem(), item)

    def ListRepairs(
        self, request: pb.ListRepairsRequest, context: Context
    ) -> pb.ListRepairsResponse:
        listing = self.stock_takes.repairs(
            current_identity(), request.open_only, request.page, request.page_size
        )
        return _listing(pb.ListRepairsResponse(), listing)

    def CompleteRepair(self, request: pb.CompleteRepairRequest, context: Context) -> pb.Repair:
        repair = self.stock_takes.complete_repair(
            current_identity(), request.id, request.resolution
        )
        return fill_message(pb.Repair(), repair)

    # -- retention and destruction ---------------------------------------------

    def ListExpiring(
        self, request: pb.ListExpiringRequest, context: Context
    ) -> pb.ListRecordsResponse:
        listing = self.records.expiring(
            current_identity(), request.as_of, request.page, request.page_size
        )
        return _listing(pb.ListRecordsResponse(), listing)

    def RequestDestruction(
        self, request: pb.RequestDestructionRequest, context: Context
    ) -> pb.Destruction:
        destruction = self.destructions.request(
            current_identity(), list(request.record_ids), request.reason, list(request.witnesses)
        )
        return fill_message(pb.Destruction(), destruction)

    def GetDestruction(self, request: pb.GetDestructionRequest, context: Context) -> pb.Destruction:
        return fill_message(pb.Destruction(), self.destructions.get(current_identity(), request.id))
