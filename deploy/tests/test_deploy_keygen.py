"""The umbrella's keygen hook Job against a stand-in Kubernetes API.

The script is taken from the rendered Job and run as the pod would run it
(its environment, a service account folder, HTTPS to the API server), so
what is tested is what gets deployed.
"""

from __future__ import annotations

import base64
import datetime
import ipaddress
import json
import os
import ssl
import subprocess
import sys
import threading
from collections.abc import Callable, Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from cryptography.x509.oid import NameOID

TOKEN = "service-account-token"
NAMESPACE = "trial"
PREFIX = f"/api/v1/namespaces/{NAMESPACE}/secrets"


class FakeApi:
    """Secrets in one namespace: GET, POST and merge-PATCH, as the API server answers them."""

    def __init__(self) -> None:
        self.secrets: dict[str, dict[str, Any]] = {}
        self.calls: list[tuple[str, str]] = []


def handler_for(api: FakeApi) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *args: Any) -> None:
            return

        def _reply(self, status: int, body: dict[str, Any]) -> None:
            data = json.dumps(body).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def _handle(self) -> None:
            api.calls.append((self.command, self.path))
            if self.headers.get("Authorization") != f"Bearer {TOKEN}":
                self._reply(401, {"kind": "Status", "code": 401})
                return
            length = int(self.headers.get("Content-Length") or 0)
            body = json.loads(self.rfile.read(length)) if length else None
            name = self.path.removeprefix(PREFIX).strip("/")
            if self.command == "POST" and not name:
                assert body is not None
                created = body["metadata"]["name"]
                if created in api.secrets:
                    self._reply(409, {"kind": "Status", "code": 409})
                    return
                api.secrets[created] = body
                self._reply(201, body)
            elif name not in api.secrets:
                self._reply(404, {"kind": "Status", "code": 404})
            elif self.command == "GET":
                self._reply(200, api.secrets[name])
            elif self.command == "PATCH":
                assert self.headers["Content-Type"] == "application/merge-patch+json"
                assert body is not None
                data = api.secrets[name]["data"]
                for key, value in body["data"].items():
                    if value is None:
                        data.pop(key, None)
                    else:
                        data[key] = value
                self._reply(200, api.secrets[name])
            else:
                self._reply(405, {"kind": "Status", "code": 405})

        do_GET = do_POST = do_PATCH = _handle  # noqa: N815 - http.server method names

    return Handler


def self_signed(folder: Path) -> tuple[Path, Path]:
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "kubernetes")])
    now = datetime.datetime.now(datetime.UTC)
    certificate = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=5))
        .not_valid_after(now + datetime.timedelta(hours=1))
        .add_extension(
            x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]), False
        )
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    cert_path, key_path = folder / "tls.crt", folder / "tls.key"
    cert_path.write_bytes(certificate.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    return cert_path, key_path


@pytest.fixture
def kubernetes(tmp_path: Path) -> Iterator[tuple[FakeApi, dict[str, str]]]:
    """A fake API server over HTTPS and the environment a pod would have to reach it."""
    api = FakeApi()
    cert, key = self_signed(tmp_path)
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler_for(api))
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(cert, key)
    server.socket = context.wrap_socket(server.socket, server_side=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    account = tmp_path / "serviceaccount"
    account.mkdir()
    (account / "token").write_text(TOKEN)
    (account / "namespace").write_text(NAMESPACE)
    (account / "ca.crt").write_bytes(cert.read_bytes())
    env = {
        "SERVICE_ACCOUNT_DIR": str(account),
        "KUBERNETES_SERVICE_HOST": "127.0.0.1",
        "KUBERNETES_SERVICE_PORT": str(server.server_address[1]),
    }
    try:
        yield api, env
    finally:
        server.shutdown()
        server.server_close()


@pytest.fixture
def keygen(render: Callable[..., list[dict[str, Any]]]) -> tuple[str, dict[str, str]]:
    """The rendered Job's script and environment."""
    docs = render("secretariat", "global:\n  instance: trial\n")
    job = next(d for d in docs if d["kind"] == "Job" and d["metadata"]["name"] == "trial-keygen")
    spec = job["spec"]["template"]["spec"]
    assert spec["serviceAccountName"] == "trial-keygen"
    assert spec["automountServiceAccountToken"] is True
    container = spec["containers"][0]
    assert container["command"] == ["python", "-c"]
    return container["args"][0], {e["name"]: e["value"] for e in container["env"]}


def run(script: str, env: dict[str, str]) -> str:
    result = subprocess.run(
        [sys.executable, "-c", script],
        env={**os.environ, **env},
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    return result.stdout


def decoded(secret: dict[str, Any]) -> dict[str, str]:
    return {k: base64.b64decode(v).decode() for k, v in secret["data"].items()}


def test_keygen_creates_the_platform_secret_once_and_never_changes_a_key(
    kubernetes: tuple[FakeApi, dict[str, str]], keygen: tuple[str, dict[str, str]]
) -> None:
    api, api_env = kubernetes
    script, job_env = keygen
    env = {**job_env, **api_env}
    assert job_env["SECRET_NAME"] == "trial-secrets"

    assert "created secret trial-secrets" in run(script, env)
    secret = api.secrets["trial-secrets"]
    assert secret["metadata"]["labels"] == {
        "app.kubernetes.io/part-of": "secretariat",
        "secretariat.io/platform": "trial",
    }
    values = decoded(secret)
    assert set(values) == {
        "identity-public-key",
        "service-public-keys",
        "internal-token-secret",
        "admin-password",
        "demo-password",
        "postgres-password",
        "rabbitmq-password",
        "seal-private-key",
        "web-secret-key",
    }
    # Issue 19: the signing key only in the gateway's Secret, each service's key in its own.
    gateway = decoded(api.secrets["trial-gateway-identity"])
    assert set(gateway) == {"identity-private-key"}
    private = serialization.load_pem_private_key(gateway["identity-private-key"].encode(), None)
    public = serialization.load_pem_public_key(values["identity-public-key"].encode())
    assert isinstance(private, Ed25519PrivateKey)
    assert isinstance(public, Ed25519PublicKey)
    assert private.public_key().public_bytes_raw() == public.public_bytes_raw()
    service_keys = json.loads(values["service-public-keys"])
    assert set(service_keys) >= {"documents", "facilities", "archives"}
    assert "gateway" not in service_keys
    for service, public_pem in service_keys.items():
        own = decoded(api.secrets[f"trial-{service}-credentials"])
        assert set(own) == {"service-private-key"}
        key = serialization.load_pem_private_key(own["service-private-key"].encode(), None)
        assert isinstance(key, Ed25519PrivateKey)
        served = serialization.load_pem_public_key(public_pem.encode())
        assert isinstance(served, Ed25519PublicKey)
        assert key.public_key().public_bytes_raw() == served.public_bytes_raw()
    seal = serialization.load_pem_private_key(values["seal-private-key"].encode(), None)
    assert isinstance(seal, Ed25519PrivateKey)
    assert values["postgres-password"].isalnum()  # goes into database URLs as is

    assert "nothing changed" in run(script, env)
    assert decoded(api.secrets["trial-secrets"]) == values

    del api.secrets["trial-secrets"]["data"]["seal-private-key"]
    assert "added ['seal-private-key']" in run(script, env)
    after = decoded(api.secrets["trial-secrets"])
    assert {k: v for k, v in after.items() if k != "seal-private-key"} == {
        k: v for k, v in values.items() if k != "seal-private-key"
    }
    assert after["seal-private-key"] != values["seal-private-key"]


def test_keygen_moves_an_older_installations_signing_key_into_the_gateways_secret(
    kubernetes: tuple[FakeApi, dict[str, str]], keygen: tuple[str, dict[str, str]]
) -> None:
    """Issue 19: upgrading a trial whose platform Secret held the signing key keeps the key
    (sessions and tokens stay valid) but leaves it only in the gateway's Secret."""
    api, api_env = kubernetes
    script, job_env = keygen
    env = {**job_env, **api_env}
    run(script, env)
    old_private = decoded(api.secrets["trial-gateway-identity"])["identity-private-key"]
    del api.secrets["trial-gateway-identity"]
    api.secrets["trial-secrets"]["data"]["identity-private-key"] = base64.b64encode(
        old_private.encode()
    ).decode()

    assert "moved ['identity-private-key'] out" in run(script, env)
    assert "identity-private-key" not in decoded(api.secrets["trial-secrets"])
    moved = decoded(api.secrets["trial-gateway-identity"])["identity-private-key"]
    assert moved == old_private
