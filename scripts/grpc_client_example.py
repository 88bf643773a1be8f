"""An internal system calling a service over gRPC with a service account (docs/grpc.md).

Against ``make run`` (the demo seed creates the service account)::

    .venv/bin/python scripts/grpc_client_example.py

It exchanges the client id and secret at the gateway for a token (OAuth 2
client credentials, ``POST /api/v1/auth/token``), then lists the documents
it may read straight from the documents service's gRPC port, sending the
token as ``authorization: Bearer …`` metadata. Run by
``e2e-tests/test_grpc_clients.py``.
"""

from __future__ import annotations

import argparse
import base64
import json
import urllib.parse
import urllib.request
from typing import Any

import grpc

from secretariat.documents.v1 import documents_pb2, documents_pb2_grpc


def client_token(
    gateway: str, client_id: str, client_secret: str, scope: str = ""
) -> dict[str, Any]:
    """The token answer (``access_token``, ``expires_in``, ``scope``) for the client's
    credentials, sent with HTTP Basic (RFC 6749 §2.3.1)."""
    form = {"grant_type": "client_credentials"}
    if scope:
        form["scope"] = scope
    pair = f"{urllib.parse.quote_plus(client_id)}:{urllib.parse.quote_plus(client_secret)}"
    request = urllib.request.Request(
        gateway.rstrip("/") + "/api/v1/auth/token",
        data=urllib.parse.urlencode(form).encode(),
        headers={
            "Content-Type": "application/x-www-form-urlencoded",
            "Authorization": "Basic " + base64.b64encode(pair.encode()).decode(),
        },
        method="POST",
    )
    with urllib.request.urlopen(request, timeout=10) as response:
        answer: dict[str, Any] = json.load(response)
    return answer


def list_documents(target: str, token: str, query: str = "") -> documents_pb2.ListDocumentsResponse:
    """The first page of documents the service account may read (public ones, X-03)."""
    with grpc.insecure_channel(target) as channel:
        stub = documents_pb2_grpc.DocumentRegistryStub(channel)
        answer: documents_pb2.ListDocumentsResponse = stub.ListDocuments(
            documents_pb2.ListDocumentsRequest(q=query, page_size=20),
            metadata=(("authorization", f"Bearer {token}"), ("accept-language", "zh-CN")),
            timeout=10,
        )
    return answer


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--gateway", default="http://127.0.0.1:8080")
    parser.add_argument("--target", default="127.0.0.1:50051", help="the documents service")
    parser.add_argument("--client-id", default="demo-reader")
    parser.add_argument("--client-secret", default="demo-reader-secret")
    args = parser.parse_args()
    token = client_token(args.gateway, args.client_id, args.client_secret)
    print(f"token for {token['scope']} (expires in {token['expires_in']} s)")
    answer = list_documents(args.target, token["access_token"])
    print(f"{answer.total} documents readable by {args.client_id}")
    for document in answer.items:
        print(f"  {document.number}  {document.title}  ({document.security_class})")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
