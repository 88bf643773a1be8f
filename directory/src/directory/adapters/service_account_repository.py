"""Service accounts in the gateway's database (issue 19)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Row, func, insert, select, update
from sqlalchemy.orm import Session

from directory.adapters.tables import service_accounts
from directory.domain.service_accounts import ServiceAccount


def _account(row: Row[Any]) -> ServiceAccount:
    return ServiceAccount(
        client_id=row.client_id,
        name=row.name,
        allowed_methods=tuple(row.allowed_methods),
        created_by=row.created_by,
        active=row.active,
        created_at=row.created_at,
        secret_rotated_at=row.secret_rotated_at,
    )


class SqlServiceAccounts:
    def __init__(self, session: Session) -> None:
        self.session = session

    def get(self, client_id: str, *, lock: bool = False) -> ServiceAccount | None:
        query = select(service_accounts).where(service_accounts.c.client_id == client_id)
        row = self.session.execute(query.with_for_update() if lock else query).first()
        return _account(row) if row else None

    def with_secret_hash(self, client_id: str) -> tuple[ServiceAccount, str] | None:
        row = self.session.execute(
            select(service_accounts).where(service_accounts.c.client_id == client_id)
        ).first()
        return (_account(row), row.secret_hash) if row else None

    def page(self, offset: int, limit: int) -> tuple[list[ServiceAccount], int]:
        total = self.session.execute(select(func.count()).select_from(service_accounts)).scalar()
        rows = self.session.execute(
            select(service_accounts)
            .order_by(service_accounts.c.client_id)
            .offset(offset)
            .limit(limit)
        ).all()
        return [_account(row) for row in rows], int(total or 0)

    def add(self, account: ServiceAccount, secret_hash: str, now: datetime) -> None:
        self.session.execute(
            insert(service_accounts).values(
                client_id=account.client_id,
                name=account.name,
                secret_hash=secret_hash,
                allowed_methods=list(account.allowed_methods),
                active=account.active,
                created_by=account.created_by,
                created_at=now,
                secret_rotated_at=now,
            )
        )

    def disable(self, client_id: str) -> None:
        self.session.execute(
            update(service_accounts)
            .where(service_accounts.c.client_id == client_id)
            .values(active=False)
        )

    def set_secret_hash(self, client_id: str, secret_hash: str, now: datetime) -> None:
        self.session.execute(
            update(service_accounts)
            .where(service_accounts.c.client_id == client_id)
            .values(secret_hash=secret_hash, secret_rotated_at=now)
        )
