"""The Directory's service-account RPCs (issue 19): administrators only, for
reading as well as writing, since an account's grants say what an outside
system may reach. Mixed into :class:`directory.servicer.DirectoryServicer`."""

from __future__ import annotations

from datetime import UTC
from typing import Any

import grpc

from directory.domain.roles import ADMIN
from directory.domain.service_accounts import ServiceAccount
from directory.service_layer.service_accounts import ServiceAccounts
from secretariat.directory.v1 import directory_pb2
from secretariat_shared.errors import PermissionDenied
from secretariat_shared.grpc_server import current_identity
from secretariat_shared.paging import page_of


def admin_username() -> str:
    """The calling administrator's username; directory writes are theirs only (X-01)."""
    identity = current_identity()
    if identity.is_service or not identity.has_role(ADMIN):
        raise PermissionDenied("This needs the role admin.")
    return identity.username


def service_account_message(
    account: ServiceAccount, secret: str | None = None
) -> directory_pb2.ServiceAccount:
    message = directory_pb2.ServiceAccount(
        client_id=account.client_id,
        name=account.name,
        allowed_methods=list(account.allowed_methods),
        active=account.active,
        created_by=account.created_by,
    )
    if account.created_at is not None:
        message.created_at.FromDatetime(account.created_at.astimezone(UTC))
    if account.secret_rotated_at is not None:
        message.secret_rotated_at.FromDatetime(account.secret_rotated_at.astimezone(UTC))
    if secret is not None:
        message.client_secret = secret
    return message


class ServiceAccountRpcs:
    _service_accounts: ServiceAccounts

    def CreateServiceAccount(  # noqa: N802 - gRPC method name
        self, request: Any, context: grpc.ServicerContext
    ) -> directory_pb2.ServiceAccount:
        actor = admin_username()
        issued = self._service_accounts.create(
            actor,
            ServiceAccount(
                client_id=request.client_id,
                name=request.name,
                allowed_methods=tuple(request.allowed_methods),
                created_by=actor,
            ),
        )
        return service_account_message(issued.account, issued.secret)

    def ListServiceAccounts(  # noqa: N802 - gRPC method name
        self, request: Any, context: grpc.ServicerContext
    ) -> directory_pb2.ListServiceAccountsResponse:
        admin_username()
        page = page_of(request.page, request.page_size)
        items, total = self._service_accounts.list(page.page, page.page_size)
        return directory_pb2.ListServiceAccountsResponse(
            items=[service_account_message(a) for a in items],
            total=total,
            page=page.page,
            page_size=page.page_size,
        )

    def GetServiceAccount(  # noqa: N802 - gRPC method name
        self, request: Any, context: grpc.ServicerContext
    ) -> directory_pb2.ServiceAccount:
        admin_username()
        return service_account_message(self._service_accounts.get(request.client_id))

    def DisableServiceAccount(  # noqa: N802 - gRPC method name
        self, request: Any, context: grpc.ServicerContext
    ) -> directory_pb2.ServiceAccount:
        actor = admin_username()
        return service_account_message(self._service_accounts.disable(actor, request.client_id))

    def RotateServiceAccountSecret(  # noqa: N802 - gRPC method name
        self, request: Any, context: grpc.ServicerContext
    ) -> directory_pb2.ServiceAccount:
        actor = admin_username()
        issued = self._service_accounts.rotate_secret(actor, request.client_id)
        return service_account_message(issued.account, issued.secret)
