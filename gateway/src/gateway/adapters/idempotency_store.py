"""``Idempotency-Key`` records, per user, in the gateway's database."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import delete, insert, select, update
from sqlalchemy.exc import IntegrityError

from gateway.adapters.tables import idempotency_keys
from gateway.domain.idempotency import IdempotencyPolicy, Outcome, StoredRequest
from secretariat_shared.db import Database


class SqlIdempotencyStore:
    """Claims are committed before the request runs, so a concurrent duplicate sees them."""

    def __init__(self, db: Database, policy: IdempotencyPolicy | None = None) -> None:
        self._db = db
        self.policy = policy or IdempotencyPolicy()

    def claim(
        self,
        username: str,
        key: str,
        method: str,
        path: str,
        request_hash: str,
        now: datetime,
    ) -> tuple[Outcome, StoredRequest | None]:
        """Decide what to do with a keyed request; on PROCEED the key is now claimed."""
        for _attempt in range(3):
            with self._db.write_session() as session:
                row = session.execute(
                    select(idempotency_keys).where(
                        idempotency_keys.c.username == username, idempotency_keys.c.key == key
                    )
                ).first()
                stored = (
                    StoredRequest(
                        request_hash=row.request_hash,
                        created_at=row.created_at,
                        status_code=row.status_code,
                        response_body=row.response_body,
                        response_headers=row.response_headers,
                    )
                    if row
                    else None
                )
                outcome = self.policy.decide(stored, request_hash, now)
                if outcome is not Outcome.PROCEED:
                    return outcome, stored
                values = {
                    "method": method,
                    "path": path,
                    "request_hash": request_hash,
                    "status_code": None,
                    "response_body": None,
                    "response_headers": None,
                    "created_at": now,
                    "completed_at": None,
                }
                try:
                    if row is None:
                        session.execute(
                            insert(idempotency_keys).values(username=username, key=key, **values)
                        )
                    else:
                        taken = session.execute(
                            update(idempotency_keys)
                            .where(
                                idempotency_keys.c.id == row.id,
                                idempotency_keys.c.created_at == row.created_at,
                            )
                            .values(**values)
                        )
                        if taken.rowcount != 1:  # type: ignore[attr-defined]
                            session.rollback()
                            continue
                    session.commit()
                except IntegrityError:
                    session.rollback()
                    continue
                return Outcome.PROCEED, None
        return Outcome.IN_FLIGHT, None

    def complete(
        self,
        username: str,
        key: str,
        status_code: int,
        body: str,
        headers: dict[str, str],
        now: datetime,
    ) -> None:
        with self._db.write_session() as session:
            session.execute(
                update(idempotency_keys)
                .where(idempotency_keys.c.username == username, idempotency_keys.c.key == key)
                .values(
                    status_code=status_code,
                    response_body=body,
                    response_headers=headers,
                    completed_at=now,
                )
            )
            session.commit()

    def release(self, username: str, key: str) -> None:
        """Forget a claim whose request failed on the server side, so a retry runs again."""
        with self._db.write_session() as session:
            session.execute(
                delete(idempotency_keys).where(
                    idempotency_keys.c.username == username,
                    idempotency_keys.c.key == key,
                    idempotency_keys.c.status_code.is_(None),
                )
            )
            session.commit()
