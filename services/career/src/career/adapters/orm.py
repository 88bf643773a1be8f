"""The career service's own tables (SPEC C-01..C-08)."""

from __future__ import annotations

from sqlalchemy import (
    JSON,
    Boolean,
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

# C-01: the organisation's edits of the default rungs' criteria.
rungs = Table(
    "rungs",
    metadata,
    Column("ladder", String(30), primary_key=True),
    Column("rung", String(30), primary_key=True),
    Column("criteria", JSON, nullable=False),
    Column("updated_by", String(100), nullable=False),
    Column("updated_at", UtcDateTime(), nullable=False),
)

# Tenure in post: the Directory keeps no post history, so HR records it here.
posts = Table(
    "posts",
    metadata,
    Column("username", String(100), primary_key=True),
    Column("ladder", String(30), nullable=False),
    Column("rung", String(30), nullable=False),
    Column("post", String(100), nullable=False),
    Column("started_on", String(10), nullable=False),
    Column("updated_at", UtcDateTime(), nullable=False),
)

# Annual results learnt from performance events (P-07).
annual_results = Table(
    "annual_results",
    metadata,
    Column("username", String(100), primary_key=True),
    Column("year", Integer, primary_key=True),
    Column("grade", String(30), nullable=False),
    Column("teamwork", Float, nullable=True),
    Column("received_at", UtcDateTime(), nullable=False),
)

priority_flags = Table(
    "priority_flags",
    metadata,
    Column("username", String(100), primary_key=True),
    Column("years", JSON, nullable=False),
    Column("source", String(30), nullable=False),
    Column("flagged_at", UtcDateTime(), nullable=False),
)

transfer_assessments = Table(
    "transfer_assessments",
    metadata,
    Column("username", String(100), primary_key=True),
    Column("passed", Boolean, nullable=False),
    Column("assessed_on", String(10), nullable=False),
)

promotions = Table(
    "promotions",
    metadata,
    Column("id", String(36), primary_key=True),
    Column("username", String(100), nullable=False),
    Column("target_rung", String(30), nullable=False),
    Column("reasons", Text, nullable=False),
    Column("proposed_by", String(100), nullable=False),
    Column("state", String(20), nullable=False),
    Column("approval_id", String(64), nullable=False),
    Column("criteria", JSON, nullable=False),
    Column("created_at", UtcDateTime(), nullable=False),
)

vacancies = Table(
    "vacancies",
    metadata,
    Column("id", String(36), primary_key=True),
    Column("title", String(200), nullable=False),
    Column("department_code", String(20), nullable=False),
    Column("quarter", String(7), nullable=False),
    Column("description", Text, nullable=False),
    Column("state", String(20), nullable=False),
    Column("created_by", String(100), nullable=False),
    Column("created_at", UtcDateTime(), nullable=False),
)

applications = Table(
    "applications",
    metadata,
    Column("id", String(36), primary_key=True),
    Column("vacancy_id", String(36), nullable=False),
    Column("username", String(100), nullable=False),
    Column("statement", Text, nullable=False),
    Column("state", String(20), nullable=False),
    Column("approval_id", String(64), nullable=False),
    Column("criteria", JSON, nullable=False),
    Column("check_ins", JSON, nullable=False),
    Column("created_at", UtcDateTime(), nullable=False),
    UniqueConstraint("vacancy_id", "username", name="uq_application_vacancy_person"),
)

career_files = Table(
    "career_files",
    metadata,
    Column("username", String(100), primary_key=True),
    Column("interests", JSON, nullable=False),
    Column("skills", JSON, nullable=False),
    Column("goals", JSON, nullable=False),
    Column("anchor_answers", JSON, nullable=False),
    Column("anchors", JSON, nullable=False),
    Column("rotation_reports", JSON, nullable=False),
    Column("reviewed_at", UtcDateTime(), nullable=True),
    Column("next_review_due", UtcDateTime(), nullable=True),
)

courses = Table(
    "courses",
    metadata,
    Column("id", String(36), primary_key=True),
    Column("title", String(200), nullable=False),
    Column("kind", String(20), nullable=False),
    Column("hours", Float, nullable=False),
    Column("certificate", String(200), nullable=False),
    Column("created_at", UtcDateTime(), nullable=False),
)

enrolments = Table(
    "enrolments",
    metadata,
    Column("course_id", String(36), primary_key=True),
    Column("username", String(100), primary_key=True),
    Column("enrolled_at", UtcDateTime(), nullable=False),
)

completions = Table(
    "completions",
    metadata,
    Column("id", String(36), primary_key=True),
    Column("course_id", String(36), nullable=False),
    Column("username", String(100), nullable=False),
    Column("hours", Float, nullable=False),
    Column("certificate", String(200), nullable=False),
    Column("completed_on", String(10), nullable=False),
    Column("year", Integer, nullable=False),
    UniqueConstraint("course_id", "username", "year", name="uq_completion_course_person_year"),
    Index("ix_completions_person_year", "username", "year"),
)

mentorships = Table(
    "mentorships",
    metadata,
    Column("id", String(36), primary_key=True),
    Column("mentor", String(100), nullable=False),
    Column("mentee", String(100), nullable=False),
    Column("kind", String(20), nullable=False),
    Column("starts_on", String(10), nullable=False),
    Column("ends_on", String(10), nullable=False),
    Column("feedback", JSON, nullable=False),
    Column("created_at", UtcDateTime(), nullable=False),
)

sessions = Table(
    "sessions",
    metadata,
    Column("id", String(36), primary_key=True),
    Column("mentorship_id", String(36), nullable=False, index=True),
    Column("held_on", String(10), nullable=False),
    Column("hours", Float, nullable=False),
    Column("note", Text, nullable=False),
    Column("logged_by", String(100), nullable=False),
    Column("created_at", UtcDateTime(), nullable=False),
)

rotations = Table(
    "rotations",
    metadata,
    Column("id", String(36), primary_key=True),
    Column("username", String(100), nullable=False),
    Column("to_department", String(20), nullable=False),
    Column("post", String(100), nullable=False),
    Column("goal_statement", Text, nullable=False),
    Column("starts_on", String(10), nullable=False),
    Column("business_mentor", String(100), nullable=False),
    Column("mentorship_id", String(36), nullable=False),
    Column("state", String(20), nullable=False),
    Column("report", Text, nullable=False),
)

placements = Table(
    "placements",
    metadata,
    Column("year", Integer, primary_key=True),
    Column("username", String(100), primary_key=True),
    Column("results", Integer, nullable=False),
    Column("potential", Integer, nullable=False),
    Column("placed_by", String(100), nullable=False),
    Column("placed_at", UtcDateTime(), nullable=False),
)

successions = Table(
    "successions",
    metadata,
    Column("post", String(50), primary_key=True),
    Column("title", String(200), nullable=False),
    Column("holder", String(100), nullable=False),
    Column("successors", JSON, nullable=False),
    Column("growth_plans", JSON, nullable=False),
    Column("updated_at", UtcDateTime(), nullable=False),
)

# C-05: new hires announced by the directory, until a new-hire mentor is named.
new_hires = Table(
    "new_hires",
    metadata,
    Column("username", String(100), primary_key=True),
    Column("department_code", String(20), nullable=False),
    Column("due_at", UtcDateTime(), nullable=False),
    Column("state", String(20), nullable=False),
    Column("mentorship_id", String(36), nullable=True),
    Column("created_at", UtcDateTime(), nullable=False),
    Column("closed_at", UtcDateTime(), nullable=True),
)
