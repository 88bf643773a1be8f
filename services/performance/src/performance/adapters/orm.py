"""The performance service's own tables."""

from __future__ import annotations

from sqlalchemy import (
    JSON,
    Column,
    Float,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    UniqueConstraint,
)

from secretariat_shared.db import UtcDateTime
from secretariat_shared.tables import PlatformTables

metadata = MetaData()
platform = PlatformTables(metadata, purge_index=True)

facts = Table(
    "facts",
    metadata,
    Column("id", String(36), primary_key=True),
    Column("kind", String(40), nullable=False),
    Column("username", String(100), nullable=False),
    Column("department_code", String(40), nullable=False),
    Column("occurred_at", UtcDateTime(), nullable=False),
    Column("value", Float, nullable=False),
    Column("source_event_id", String(64), nullable=False),
    Column("source_event_type", String(120), nullable=False),
    Column("detail", String(600), nullable=False),
    Column("ref", String(100), nullable=False),
    Column("struck_by_appeal", String(36), nullable=False),
    Column("recorded_at", UtcDateTime(), nullable=False),
    UniqueConstraint(
        "source_event_id", "kind", "username", "department_code", name="uq_fact_source_department"
    ),
    Index("ix_facts_person", "username", "occurred_at"),
    Index("ix_facts_department", "department_code", "occurred_at"),
)

cycles = Table(
    "cycles",
    metadata,
    Column("id", String(36), primary_key=True),
    Column("kind", String(20), nullable=False),
    Column("period", String(10), nullable=False),
    Column("period_start", String(10), nullable=False),
    Column("period_end", String(10), nullable=False),
    Column("state", String(20), nullable=False),
    Column("publication_due_at", UtcDateTime(), nullable=False),
    Column("ratings_close_at", UtcDateTime(), nullable=False),
    Column("published_at", UtcDateTime(), nullable=True),
    Column("publication_met", Integer, nullable=True),
    Column("results", Integer, nullable=False),
    Column("created_by", String(100), nullable=False),
    Column("created_at", UtcDateTime(), nullable=False),
    UniqueConstraint("kind", "period", name="uq_cycle_period"),
)

ratings = Table(
    "ratings",
    metadata,
    Column("id", String(36), primary_key=True),
    Column("cycle_id", String(36), nullable=False),
    Column("subject", String(100), nullable=False),
    Column("rater", String(100), nullable=False),
    Column("group", String(20), nullable=False),
    Column("score", Float, nullable=False),
    Column("comment", Text, nullable=False),
    Column("created_at", UtcDateTime(), nullable=False),
    UniqueConstraint("cycle_id", "subject", "rater", name="uq_rating_once"),
)

results = Table(
    "results",
    metadata,
    Column("id", String(36), primary_key=True),
    Column("cycle_id", String(36), nullable=False),
    Column("username", String(100), nullable=False),
    Column("department_code", String(40), nullable=False),
    Column("score", Float, nullable=False),
    Column("grade", String(30), nullable=False),
    Column("explanation", JSON, nullable=False),
    Column("veto_record", String(64), nullable=False),
    Column("bonus_priority", Integer, nullable=False),
    Column("innovation_bonus", Integer, nullable=False),
    Column("titles", JSON, nullable=False),
    Column("version", Integer, nullable=False),
    Column("published_at", UtcDateTime(), nullable=False),
    Column("appeal_deadline", UtcDateTime(), nullable=False),
    Column("interview_due_at", UtcDateTime(), nullable=False),
    Column("improvement_plan_id", String(36), nullable=False),
    Column("correction", String(300), nullable=False),
    Column("previous_grade", String(30), nullable=False),
    UniqueConstraint("cycle_id", "username", name="uq_result_person"),
    Index("ix_results_person", "username"),
)

appeals = Table(
    "appeals",
    metadata,
    Column("id", String(36), primary_key=True),
    Column("result_id", String(36), nullable=False),
    Column("appellant", String(100), nullable=False),
    Column("reason", Text, nullable=False),
    Column("disputed_fact_ids", JSON, nullable=False),
    Column("state", String(20), nullable=False),
    Column("second", Integer, nullable=False),
    Column("approval_id", String(36), nullable=False),
    Column("period", String(10), nullable=False),
    Column("filed_at", UtcDateTime(), nullable=False),
    Column("deadline", UtcDateTime(), nullable=False),
    Column("decision_due_at", UtcDateTime(), nullable=False),
    Column("review_due_at", UtcDateTime(), nullable=False),
    Column("review_opened_at", UtcDateTime(), nullable=True),
    Column("decided_at", UtcDateTime(), nullable=True),
    Column("decision", Text, nullable=False),
    Column("panel_trail", JSON, nullable=False, server_default="[]"),
    Index("ix_appeals_result", "result_id"),
)

interviews = Table(
    "interviews",
    metadata,
    Column("id", String(36), primary_key=True),
    Column("result_id", String(36), nullable=False, unique=True),
    Column("facts", Text, nullable=False),
    Column("gap", Text, nullable=False),
    Column("guidance", Text, nullable=False),
    Column("development_plan", Text, nullable=False),
    Column("recorded_by", String(100), nullable=False),
    Column("recorded_at", UtcDateTime(), nullable=False),
    Column("met_deadline", Integer, nullable=False),
)

plans = Table(
    "improvement_plans",
    metadata,
    Column("id", String(36), primary_key=True),
    Column("result_id", String(36), nullable=False),
    Column("username", String(100), nullable=False),
    Column("state", String(20), nullable=False),
    Column("opened_at", UtcDateTime(), nullable=False),
    Column("next_check_in_due_at", UtcDateTime(), nullable=False),
    Column("missed_check_ins", Integer, nullable=False),
    Column("check_ins", JSON, nullable=False),
)

settings_table = Table(
    "org_rules",
    metadata,
    Column("key", String(40), primary_key=True),
    Column("value", JSON, nullable=False),
    Column("updated_by", String(100), nullable=False),
    Column("updated_at", UtcDateTime(), nullable=False),
)

title_awards = Table(
    "title_awards",
    metadata,
    Column("id", String(36), primary_key=True),
    Column("cycle_id", String(36), nullable=False),
    Column("result_id", String(36), nullable=False),
    Column("username", String(100), nullable=False),
    Column("code", String(40), nullable=False),
    Column("name", String(100), nullable=False),
    Column("name_en", String(100), nullable=False),
    Column("indicator", String(40), nullable=False),
    Column("value", Float, nullable=False),
    Column("formula", Text, nullable=False),
    Column("rule", JSON, nullable=False),
    Column("fact_ids", JSON, nullable=False),
    Column("awarded_at", UtcDateTime(), nullable=False),
    UniqueConstraint("cycle_id", "code", "username", name="uq_title_award"),
    Index("ix_title_awards_cycle", "cycle_id"),
)

rotation_reviews = Table(
    "rotation_reviews",
    metadata,
    Column("id", String(64), primary_key=True),
    Column("username", String(100), nullable=False),
    Column("department_code", String(40), nullable=False),
    Column("post", String(200), nullable=False),
    Column("state", String(20), nullable=False),
    Column("raters", JSON, nullable=False),
    Column("source_event_id", String(64), nullable=False),
    Column("opened_at", UtcDateTime(), nullable=False),
    Column("closes_at", UtcDateTime(), nullable=False),
    Column("closed_at", UtcDateTime(), nullable=True),
    Column("score", Float, nullable=True),
    Column("formula", Text, nullable=False),
    Column("groups", JSON, nullable=False),
    Index("ix_rotation_reviews_person", "username"),
)
"""One 360 review per finished rotation (C-06, P-05); the id is career's rotation id."""

rotation_ratings = Table(
    "rotation_ratings",
    metadata,
    Column("id", String(36), primary_key=True),
    Column("rotation_id", String(64), nullable=False),
    Column("rater", String(100), nullable=False),
    Column("group", String(20), nullable=False),
    Column("score", Float, nullable=False),
    Column("comment", Text, nullable=False),
    Column("created_at", UtcDateTime(), nullable=False),
    UniqueConstraint("rotation_id", "rater", name="uq_rotation_rating_once"),
)
