"""The gateway database's tables (SQLAlchemy Core): the gateway's own (login
failures, idempotency keys) and the directory's, which the Directory server
uses (:mod:`directory.adapters.tables`); the migrations create all of them.
"""

from __future__ import annotations

from sqlalchemy import (
    JSON,
    Column,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    UniqueConstraint,
)

from directory.adapters import tables as directory_tables
from directory.adapters.tables import BigIntId
from secretariat_shared.db import UtcDateTime

metadata = MetaData(naming_convention=directory_tables.NAMING_CONVENTION)
for _table in directory_tables.metadata.sorted_tables:
    _table.to_metadata(metadata)

idempotency_keys = Table(
    "idempotency_keys",
    metadata,
    Column("id", BigIntId, primary_key=True, autoincrement=True),
    Column("username", String(64), nullable=False),
    Column("key", String(200), nullable=False),
    Column("method", String(10), nullable=False),
    Column("path", String(500), nullable=False),
    Column("request_hash", String(64), nullable=False),
    Column("status_code", Integer, nullable=True),
    Column("response_body", Text, nullable=True),
    Column("response_headers", JSON, nullable=True),
    Column("created_at", UtcDateTime(), nullable=False),
    Column("completed_at", UtcDateTime(), nullable=True),
    UniqueConstraint("username", "key"),
)

login_failures = Table(
    "login_failures",
    metadata,
    Column("id", BigIntId, primary_key=True, autoincrement=True),
    Column("username", String(200), nullable=False),
    Column("failed_at", UtcDateTime(), nullable=False),
    # The client's address (IPv6 by its /64), see directory.domain.login_throttling.client_key.
    Column("client", String(64), nullable=False, server_default="unknown"),
    Index("ix_login_failures_username_failed_at", "username", "failed_at"),
    Index("ix_login_failures_client_failed_at", "client", "failed_at"),
    Index("ix_login_failures_failed_at", "failed_at"),
)
