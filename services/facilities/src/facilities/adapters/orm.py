"""The facilities service's own tables (its database, nobody else's).

Lines of documents that are always read and written whole (requisition
lines, list lines, order lines, check results) are JSON columns; what is
locked, summed or searched (batches, ledger, replenishments,
rectifications) has its own table.
"""

from __future__ import annotations

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    Column,
    Date,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    UniqueConstraint,
    text,
)

from secretariat_shared.db import UtcDateTime
from secretariat_shared.tables import BigIntId, PlatformTables

metadata = MetaData()
platform = PlatformTables(metadata)

ID = 36
USER = 100

items = Table(
    "items",
    metadata,
    Column("id", String(ID), primary_key=True),
    Column("code", String(40), nullable=False, unique=True),
    Column("name", String(200), nullable=False),
    Column("unit", String(20), nullable=False),
    Column("supplier", String(200), nullable=False),
    Column("agreed_price_fen", BigInteger, nullable=False),
    Column("min_stock_override", BigInteger, nullable=True),
    Column("active", Boolean, nullable=False, default=True),
    Column("updated_at", UtcDateTime(), nullable=False),
)

# SPEC F-03: one row per delivery; issues draw from the oldest first.
batches = Table(
    "batches",
    metadata,
    Column("id", String(ID), primary_key=True),
    Column("seq", BigInteger, nullable=False),  # booking order within the item
    Column("item_id", String(ID), ForeignKey("items.id"), nullable=False),
    Column("quantity_received", BigInteger, nullable=False),
    Column("remaining", BigInteger, nullable=False),
    Column("unit_cost_fen", BigInteger, nullable=False),
    Column("received_at", UtcDateTime(), nullable=False),
    Column("source", String(100), nullable=False),
    Index("ix_batches_item_fifo", "item_id", "received_at", "seq"),
)

# The stock ledger: every receipt, issue and adjustment of one item (F-05).
stock_movements = Table(
    "stock_movements",
    metadata,
    Column("id", BigIntId, primary_key=True, autoincrement=True),
    Column("item_id", String(ID), ForeignKey("items.id"), nullable=False),
    Column("kind", String(20), nullable=False),
    Column("quantity", BigInteger, nullable=False),
    Column("cost_fen", BigInteger, nullable=False),
    Column("draws", JSON, nullable=False),
    Column("ref", String(100), nullable=False),
    Column("actor", String(USER), nullable=False),
    Column("reason", Text, nullable=False, default=""),
    Column("at", UtcDateTime(), nullable=False),
    Column("on_hand_after", BigInteger, nullable=False),
    Index("ix_movements_item_kind_at", "item_id", "kind", "at"),
)

issues = Table(
    "issues",
    metadata,
    Column("id", String(ID), primary_key=True),
    Column("requisition_id", String(ID), nullable=True, unique=True),
    Column("recipient", String(USER), nullable=False),
    Column("issued_by", String(USER), nullable=False),
    Column("lines", JSON, nullable=False),
    Column("total_cost_fen", BigInteger, nullable=False),
    Column("issued_at", UtcDateTime(), nullable=False),
    Column("reason", Text, nullable=False, default=""),
    Index("ix_issues_issued_at", "issued_at"),
)

requisitions = Table(
    "requisitions",
    metadata,
    Column("id", String(ID), primary_key=True),
    Column("requester", String(USER), nullable=False),
    Column("department_code", String(20), nullable=False),
    Column("purpose", Text, nullable=False),
    Column("lines", JSON, nullable=False),
    Column("state", String(30), nullable=False),
    Column("approval_id", String(100), nullable=False, default=""),
    Column("demand_list_id", String(ID), nullable=False, default=""),
    Column("submitted_at", UtcDateTime(), nullable=False),
    Column("decided_at", UtcDateTime(), nullable=True),
    Column("collected_at", UtcDateTime(), nullable=True),
    Column("issue_id", String(ID), nullable=False, default=""),
    Column("signers", JSON, nullable=False, default=list),
    Column("signed_by", String(USER), nullable=False, default=""),
    Column("signed_at", UtcDateTime(), nullable=True),
    Column("sign_comment", Text, nullable=False, default=""),
    Index("ix_requisitions_state", "state", "demand_list_id"),
    Index("ix_requisitions_requester", "requester", "submitted_at"),
)

# SPEC F-04: at most one open replenishment request per item, enforced by the database.
replenishments = Table(
    "replenishments",
    metadata,
    Column("id", String(ID), primary_key=True),
    Column("item_id", String(ID), ForeignKey("items.id"), nullable=False),
    Column("item_code", String(40), nullable=False),
    Column("line", BigInteger, nullable=False),
    Column("on_hand", BigInteger, nullable=False),
    Column("suggested_quantity", BigInteger, nullable=False),
    Column("state", String(20), nullable=False),
    Column("raised_at", UtcDateTime(), nullable=False),
    Column("closed_at", UtcDateTime(), nullable=True),
    Column("demand_list_id", String(ID), nullable=False, default=""),
    Index(
        "ux_replenishments_open_item",
        "item_id",
        unique=True,
        sqlite_where=text("state = 'open'"),
        postgresql_where=text("state = 'open'"),
    ),
)

demand_lists = Table(
    "demand_lists",
    metadata,
    Column("id", String(ID), primary_key=True),
    Column("month", String(7), nullable=False),
    Column("state", String(30), nullable=False),
    Column("lines", JSON, nullable=False),
    Column("requisition_ids", JSON, nullable=False),
    Column("approval_id", String(100), nullable=False, default=""),
    Column("consolidated_by", String(USER), nullable=False),
    Column("created_at", UtcDateTime(), nullable=False),
    Column("decided_at", UtcDateTime(), nullable=True),
    Column("purchase_order_ids", JSON, nullable=False),
    Column("departments", JSON, nullable=False, default=list),
    Index("ix_demand_lists_month", "month", "state"),
)

# SPEC F-01: each department's supplies budget per year, set by finance.
supply_budgets = Table(
    "supply_budgets",
    metadata,
    Column("id", String(ID), primary_key=True),
    Column("department_code", String(20), nullable=False),
    Column("year", Integer, nullable=False),
    Column("amount_fen", BigInteger, nullable=False),
    Column("set_by", String(USER), nullable=False),
    Column("set_at", UtcDateTime(), nullable=False),
    UniqueConstraint("department_code", "year", name="uq_supply_budgets_department_year"),
)

purchase_orders = Table(
    "purchase_orders",
    metadata,
    Column("id", String(ID), primary_key=True),
    Column("number", String(40), nullable=False, unique=True),
    Column("demand_list_id", String(ID), nullable=False),
    Column("supplier", String(200), nullable=False),
    Column("lines", JSON, nullable=False),
    Column("delivery_date", Date, nullable=False),
    Column("state", String(30), nullable=False),
    Column("placed_at", UtcDateTime(), nullable=False),
    Column("received_at", UtcDateTime(), nullable=True),
    Index("ix_purchase_orders_list", "demand_list_id"),
)

stock_takes = Table(
    "stock_takes",
    metadata,
    Column("id", String(ID), primary_key=True),
    Column("taken_by", String(USER), nullable=False),
    Column("taken_at", UtcDateTime(), nullable=False),
    Column("lines", JSON, nullable=False),
    Column("note", Text, nullable=False, default=""),
)

repairs = Table(
    "repairs",
    metadata,
    Column("id", String(ID), primary_key=True),
    Column("title", String(200), nullable=False),
    Column("description", Text, nullable=False),
    Column("location", String(200), nullable=False),
    Column("severity", String(10), nullable=False),
    Column("state", String(20), nullable=False),
    Column("requester", String(USER), nullable=False),
    Column("assignee", String(USER), nullable=False, default=""),
    Column("reported_at", UtcDateTime(), nullable=False),
    Column("response_due_at", UtcDateTime(), nullable=False),
    Column("responded_at", UtcDateTime(), nullable=True),
    Column("resolve_due_at", UtcDateTime(), nullable=True),
    Column("resolved_at", UtcDateTime(), nullable=True),
    Column("result", Text, nullable=False, default=""),
    Column("accepted_at", UtcDateTime(), nullable=True),
    Column("response_outcome", String(10), nullable=False, default=""),
    Column("resolution_outcome", String(10), nullable=False, default=""),
    Column("history", JSON, nullable=False),
    Index("ix_repairs_state", "state", "reported_at"),
)

zones = Table(
    "zones",
    metadata,
    Column("id", String(ID), primary_key=True),
    Column("code", String(40), nullable=False, unique=True),
    Column("name", String(200), nullable=False),
    Column("kind", String(20), nullable=False),
    Column("owner", String(USER), nullable=False),
    Column("checklist", JSON, nullable=False),
    Column("round_time", String(5), nullable=False),
    Column("next_round_due_at", UtcDateTime(), nullable=True),
)

inspection_rounds = Table(
    "inspection_rounds",
    metadata,
    Column("id", String(ID), primary_key=True),
    Column("zone_code", String(40), nullable=False),
    Column("day", Date, nullable=False),
    Column("inspector", String(USER), nullable=False),
    Column("recorded_at", UtcDateTime(), nullable=False),
    Column("results", JSON, nullable=False),
    Column("on_time", Boolean, nullable=False),
    UniqueConstraint("zone_code", "day", name="uq_inspection_rounds_zone_day"),
)

safety_inspections = Table(
    "safety_inspections",
    metadata,
    Column("id", String(ID), primary_key=True),
    Column("quarter", String(7), nullable=False),
    Column("inspected_on", Date, nullable=False),
    Column("inspector", String(USER), nullable=False),
    Column("summary", Text, nullable=False),
    Index("ix_safety_inspections_quarter", "quarter"),
)

rectifications = Table(
    "rectifications",
    metadata,
    Column("id", String(ID), primary_key=True),
    Column("inspection_id", String(ID), ForeignKey("safety_inspections.id"), nullable=False),
    Column("position", Integer, nullable=False),
    Column("description", Text, nullable=False),
    Column("location", String(200), nullable=False),
    Column("owner", String(USER), nullable=False),
    Column("due_date", Date, nullable=False),
    Column("state", String(10), nullable=False),
    Column("overdue", Boolean, nullable=False, default=False),
    Column("closed_at", UtcDateTime(), nullable=True),
    Column("closed_by", String(USER), nullable=False, default=""),
    Column("note", Text, nullable=False, default=""),
    Index("ix_rectifications_inspection", "inspection_id", "position"),
)

trips = Table(
    "trips",
    metadata,
    Column("id", String(ID), primary_key=True),
    Column("traveller", String(USER), nullable=False),
    Column("department_code", String(20), nullable=False),
    Column("destination", String(200), nullable=False),
    Column("purpose", Text, nullable=False),
    Column("start_date", Date, nullable=False),
    Column("end_date", Date, nullable=False),
    Column("needs_flight", Boolean, nullable=False),
    Column("needs_hotel", Boolean, nullable=False),
    Column("needs_visa", Boolean, nullable=False),
    Column("estimated_cost_fen", BigInteger, nullable=False),
    Column("state", String(30), nullable=False),
    Column("requested_at", UtcDateTime(), nullable=False),
    Column("approval_id", String(100), nullable=False, default=""),
    Column("decided_at", UtcDateTime(), nullable=True),
    Column("destination_country", String(2), nullable=False, default="CN"),
    Index("ix_trips_traveller", "traveller", "requested_at"),
)

expenses = Table(
    "expenses",
    metadata,
    Column("id", String(ID), primary_key=True),
    Column("claimant", String(USER), nullable=False),
    Column("department_code", String(20), nullable=False),
    Column("trip_id", String(ID), nullable=False, default=""),
    Column("lines", JSON, nullable=False),
    Column("state", String(30), nullable=False),
    Column("submitted_at", UtcDateTime(), nullable=False),
    Column("approval_id", String(100), nullable=False, default=""),
    Column("decided_at", UtcDateTime(), nullable=True),
    Column("reimbursed_at", UtcDateTime(), nullable=True),
    Column("reimbursed_by", String(USER), nullable=False, default=""),
    Index("ix_expenses_claimant", "claimant", "submitted_at"),
)

company_events = Table(
    "company_events",
    metadata,
    Column("id", String(ID), primary_key=True),
    Column("title", String(200), nullable=False),
    Column("kind", String(20), nullable=False),
    Column("event_date", Date, nullable=False),
    Column("venue", String(200), nullable=False),
    Column("catering", Text, nullable=False),
    Column("plan", Text, nullable=False),
    Column("headcount", Integer, nullable=False),
    Column("budget_fen", BigInteger, nullable=False),
    Column("organiser", String(USER), nullable=False),
    Column("created_at", UtcDateTime(), nullable=False),
)

incidents = Table(
    "incidents",
    metadata,
    Column("id", String(ID), primary_key=True),
    Column("kind", String(20), nullable=False),
    Column("description", Text, nullable=False),
    Column("location", String(200), nullable=False),
    Column("reporter", String(USER), nullable=False),
    Column("state", String(20), nullable=False),
    Column("reported_at", UtcDateTime(), nullable=False),
    Column("plan_due_at", UtcDateTime(), nullable=False),
    Column("restore_due_at", UtcDateTime(), nullable=False),
    Column("plan_started_at", UtcDateTime(), nullable=True),
    Column("plan_started_by", String(USER), nullable=False, default=""),
    Column("plan_outcome", String(10), nullable=False, default=""),
    Column("restored_at", UtcDateTime(), nullable=True),
    Column("restored_by", String(USER), nullable=False, default=""),
    Column("restore_outcome", String(10), nullable=False, default=""),
    Column("closed_at", UtcDateTime(), nullable=True),
    Column("note", Text, nullable=False, default=""),
    Index("ix_incidents_reported", "reported_at"),
)
