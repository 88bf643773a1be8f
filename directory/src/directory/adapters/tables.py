"""The directory's tables (SQLAlchemy Core) in the gateway's database.

``departments.head_username`` and ``supervising_leader_username`` are
checked by the directory rules rather than by foreign keys, which would
make departments and people depend on each other in a cycle. The
gateway's migrations (``gateway/migrations``) create these tables with the
gateway's own; tests of this package create them from this metadata.
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
)

from secretariat_shared.db import UtcDateTime
from secretariat_shared.tables import PlatformTables

# SQLite only auto-increments INTEGER PRIMARY KEY; PostgreSQL gets BIGINT.
BigIntId = BigInteger().with_variant(Integer(), "sqlite")

NAMING_CONVENTION = {
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}
metadata = MetaData(naming_convention=NAMING_CONVENTION)

departments = Table(
    "departments",
    metadata,
    Column("code", String(10), primary_key=True),
    Column("name", String(200), nullable=False),
    Column("parent_code", String(10), ForeignKey("departments.code"), nullable=True),
    Column("head_username", String(64), nullable=True, index=True),
    Column("supervising_leader_username", String(64), nullable=True),
    Column("created_at", UtcDateTime(), nullable=False),
    Column("updated_at", UtcDateTime(), nullable=False),
)

people = Table(
    "people",
    metadata,
    Column("username", String(64), primary_key=True),
    Column("name", String(200), nullable=False),
    Column("password_hash", String(255), nullable=False),
    Column("department_code", String(10), ForeignKey("departments.code"), nullable=True),
    Column("roles", JSON, nullable=False),
    Column("superior_username", String(64), ForeignKey("people.username"), nullable=True),
    Column("active", Boolean, nullable=False, default=True),
    Column("post", String(100), nullable=True),
    Column("grade", String(100), nullable=True),
    Column("phone", String(40), nullable=True),
    Column("email", String(200), nullable=True),
    Column("created_at", UtcDateTime(), nullable=False),
    Column("updated_at", UtcDateTime(), nullable=False),
    # Raised by a password change, a deactivation or a role change: access
    # tokens carry the version they were issued under and older ones fail.
    Column("token_version", Integer, nullable=False, default=0, server_default="0"),
    Index("ix_people_department_code", "department_code"),
)

# SPEC X-04: who changed the directory, when, and what it was before and after.
directory_audit = Table(
    "directory_audit",
    metadata,
    Column("id", BigIntId, primary_key=True, autoincrement=True),
    Column("at", UtcDateTime(), nullable=False),
    Column("actor", String(100), nullable=False),
    Column("action", String(100), nullable=False),
    Column("entity_type", String(50), nullable=False),
    Column("entity_id", String(100), nullable=False),
    Column("before", JSON, nullable=True),
    Column("after", JSON, nullable=True),
    Index("ix_directory_audit_entity", "entity_type", "entity_id"),
)

# SPEC X-02: holidays and make-up working days an administrator loaded or
# corrected; years absent here use the schedule shipped with the release.
calendar_years = Table(
    "calendar_years",
    metadata,
    Column("year", Integer, primary_key=True, autoincrement=False),
    Column("updated_at", UtcDateTime(), nullable=False),
    Column("updated_by", String(64), nullable=False),
)

calendar_days = Table(
    "calendar_days",
    metadata,
    Column("day", Date, primary_key=True),
    Column("year", Integer, ForeignKey("calendar_years.year"), nullable=False),
    Column("kind", String(10), nullable=False),  # holiday | workday
    Column("name", String(100), nullable=False),
    Index("ix_calendar_days_year", "year"),
)

# Issue 19: internal systems allowed to call named gRPC methods with a
# client-credentials token from POST /api/v1/auth/token. Only the secret's
# hash is kept; the secret itself is shown once.
service_accounts = Table(
    "service_accounts",
    metadata,
    Column("client_id", String(64), primary_key=True),
    Column("name", String(100), nullable=False),
    Column("secret_hash", String(100), nullable=False),
    Column("allowed_methods", JSON, nullable=False),
    Column("active", Boolean, nullable=False, default=True),
    Column("created_by", String(64), nullable=False),
    Column("created_at", UtcDateTime(), nullable=False),
    Column("secret_rotated_at", UtcDateTime(), nullable=False),
)

# Events the gateway emits (directory.calendar.updated), written in the
# business transaction; the Directory server's relay publishes them (rule 4).
outbox = PlatformTables(MetaData()).outbox.to_metadata(metadata)
