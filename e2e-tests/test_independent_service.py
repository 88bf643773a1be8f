"""Independent teams (issue 10 item 7): a service the gateway has never seen,
given only by its address, is served and documented without a gateway change,
and an RPC added to it appears after the refresh interval with the gateway
left running."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from e2ekit import eventually
from run_system import Ports, System, free_port

pytestmark = pytest.mark.e2e

HERE = Path(__file__).resolve().parent
ADMIN_PASSWORD = "independent-admin-password"

PROTO_HEAD = """
syntax = "proto3";
package sample.v1;
import "google/api/annotations.proto";
import "secretariat/api/v1/options.proto";

// A greeting service of another team.
service Greeter {
  // Greet a person by name.
  rpc Hello(HelloRequest) returns (Greeting) {
    option (google.api.http) = {get: "/api/v1/sample/greetings/{name}"};
    option (secretariat.api.v1.operation) = {summary: "Greet" tag: "sample"};
  }
"""
FAREWELL = """
  // Say goodbye to a person.
  rpc Farewell(HelloRequest) returns (Greeting) {
    option (google.api.http) = {post: "/api/v1/sample/farewells" body: "*"};
    option (secretariat.api.v1.operation) = {summary: "Farewell" tag: "sample" status: 201};
  }
"""
PROTO_TAIL = """
}
// Whom to greet.
message HelloRequest {
  // The person's name.
  string name = 1 [(secretariat.api.v1.rules) = {required: true, max_len: 20}];
}
// A greeting.
message Greeting { string greeting = 1; }
"""


class Sample:
    def __init__(self, system: System, work: Path) -> None:
        self.system = system
        self.work = work
        self.port = free_port()
        self.process: subprocess.Popen[bytes] | None = None

    def start(self, proto: str, version: str) -> None:
        self.stop()
        path = self.work / f"sample-{version}.proto"
        path.write_text(proto, encoding="utf-8")
        env = self.system.service_env("documents")
        log = open(self.work / f"sample-{version}.log", "wb")  # noqa: SIM115 - the child owns it
        self.process = subprocess.Popen(
            [sys.executable, str(HERE / "throwaway_service.py"), str(path), str(self.port),
             str(self.work / f"build-{version}")],
            env=env, stdout=log, stderr=subprocess.STDOUT,
        )  # fmt: skip

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            self.process.wait(10)


def _live(base: str) -> bool:
    try:
        return httpx.get(f"{base}/livez", timeout=2).status_code == 200
    except httpx.HTTPError:
        return False


@pytest.fixture
def gateway_and_sample(tmp_path: Path) -> Iterator[tuple[System, Sample]]:
    # Only the Directory and the gateway run: no service of ours is migrated.
    system = System(
        tmp_path / "system",
        Ports.random(),
        testing=True,
        admin_password=ADMIN_PASSWORD,
        services=(),
        web=False,
    )
    sample = Sample(system, tmp_path)
    system.gateway_extra_env = {
        "SECRETARIAT_SERVICES": f"sample=127.0.0.1:{sample.port}",
        "SECRETARIAT_DESCRIPTOR_REFRESH_SECONDS": "1",
        **{f"SECRETARIAT_{name.upper()}_ADDRESS": "" for name in system.ports.services},
    }
    system.prepare()
    sample.start(PROTO_HEAD + PROTO_TAIL, "v1")
    system.start_process("directory")
    system.start_process("gateway")
    try:
        eventually(lambda: _live(system.http_url), 60)
        yield system, sample
    finally:
        sample.stop()
        system.stop()


def test_an_unknown_service_is_routed_and_documented_and_grows_without_a_gateway_restart(
    gateway_and_sample: tuple[System, Sample],
) -> None:
    system, sample = gateway_and_sample
    base = system.http_url
    token = httpx.post(
        f"{base}/api/v1/auth/login", json={"username": "admin", "password": ADMIN_PASSWORD}
    ).json()["access_token"]
    headers = {"Authorization": f"Bearer {token}"}
    gateway_pid = system.processes["gateway"].pid

    def greeted() -> bool:
        reply = httpx.get(f"{base}/api/v1/sample/greetings/小王", headers=headers, timeout=5)
        return reply.status_code == 200 and reply.json() == {"greeting": "你好，小王"}

    eventually(greeted, 30)
    too_long = httpx.get(f"{base}/api/v1/sample/greetings/{'名' * 21}", headers=headers)
    assert too_long.status_code == 422
    assert too_long.json()["errors"][0]["field"] == "name"
    spec = httpx.get(f"{base}/openapi.json").json()
    assert spec["paths"]["/api/v1/sample/greetings/{name}"]["get"]["summary"] == "Greet"
    assert "/api/v1/sample/farewells" not in spec["paths"]
    missing = httpx.post(f"{base}/api/v1/sample/farewells", json={"name": "小王"}, headers=headers)
    assert missing.status_code == 404

    sample.start(PROTO_HEAD + FAREWELL + PROTO_TAIL, "v2")

    def farewell() -> bool:
        reply = httpx.post(
            f"{base}/api/v1/sample/farewells", json={"name": "小王"}, headers=headers, timeout=5
        )
        return reply.status_code == 201 and reply.json() == {"greeting": "再见，小王"}

    eventually(farewell, 30)

    def documented() -> bool:
        # Each gateway worker refreshes on its own; both must list it in time.
        paths = httpx.get(f"{base}/openapi.json", timeout=5).json()["paths"]
        return paths.get("/api/v1/sample/farewells", {}).get("post", {}).get("summary") == (
            "Farewell"
        )

    for _ in range(4):
        eventually(documented, 30)
    assert system.processes["gateway"].pid == gateway_pid
    assert system.processes["gateway"].poll() is None
