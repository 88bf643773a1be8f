"""The Directory gRPC server over a real channel (SPEC X-01, ENGINEERING rule 7):
services resolve people, heads and role holders; callers without a valid
identity are UNAUTHENTICATED."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import grpc
import pytest
from grpc_health.v1 import health_pb2, health_pb2_grpc

from directory.adapters.passwords import fast_passwords
from directory.seed import seed_demo
from directory.server import directory_service_spec
from directory.service_layer.directory import DirectoryService
from secretariat.directory.v1 import directory_pb2, directory_pb2_grpc
from secretariat_shared.clock import ManualClock
from secretariat_shared.contract.status import field_errors_of
from secretariat_shared.db import Database
from secretariat_shared.grpc_server import RunningService, identity_metadata
from secretariat_shared.identity import (
    ACCESS_AUDIENCE,
    SERVICE_AUDIENCE,
    Identity,
    IdentitySigner,
    IdentityVerifier,
    generate_keypair,
    service_token,
)

pytestmark = pytest.mark.integration


@dataclass
class DirectoryUnderTest:
    stub: directory_pb2_grpc.DirectoryStub
    channel: grpc.Channel
    signer: IdentitySigner
    clock: ManualClock
    secret: str

    def person_token(self, username: str = "zhang.wei", audience: str = SERVICE_AUDIENCE) -> str:
        return self.signer.sign(Identity(username=username), audience, 60)

    def as_person(self) -> tuple[tuple[str, str], ...]:
        return identity_metadata(self.person_token())


@pytest.fixture
def directory(
    migrated_database_url: str, keypair: tuple[str, str], internal_secret: str
) -> Iterator[DirectoryUnderTest]:
    clock = ManualClock()
    database = Database(migrated_database_url)
    seed_demo(DirectoryService(database, fast_passwords(), clock))
    verifier = IdentityVerifier(keypair[1], clock, internal_secret)
    running = RunningService(directory_service_spec(database, verifier, clock)).start()
    channel = grpc.insecure_channel(f"127.0.0.1:{running.port}")
    try:
        yield DirectoryUnderTest(
            directory_pb2_grpc.DirectoryStub(channel),
            channel,
            IdentitySigner(keypair[0], clock),
            clock,
            internal_secret,
        )
    finally:
        channel.close()
        running.stop()
        database.dispose()


def test_x01_get_person_resolves_department_superior_and_headships(
    directory: DirectoryUnderTest,
) -> None:
    head = directory.stub.GetPerson(
        directory_pb2.GetPersonRequest(username="zhao.min"), metadata=directory.as_person()
    )
    assert head.name == "赵敏"
    assert head.department_code == "SEC"
    assert head.superior_username == "li.hua"
    assert list(head.headed_departments) == ["SEC"]
    assert list(head.roles) == ["employee", "secretariat"]
    assert head.active


def test_x01_get_department_names_head_and_leader_in_charge(
    directory: DirectoryUnderTest,
) -> None:
    department = directory.stub.GetDepartment(
        directory_pb2.GetDepartmentRequest(code="FIN"), metadata=directory.as_person()
    )
    assert (department.name, department.head_username) == ("财务部", "huang.lei")
    assert department.supervising_leader_username == "yang.fan"


def test_x01_list_role_holders_optionally_by_department(directory: DirectoryUnderTest) -> None:
    everyone = directory.stub.ListRoleHolders(
        directory_pb2.ListRoleHoldersRequest(role="it_support"), metadata=directory.as_person()
    )
    assert {p.username for p in everyone.people} == {"lin.feng", "guo.tao"}
    in_sec = directory.stub.ListRoleHolders(
        directory_pb2.ListRoleHoldersRequest(role="employee", department_code="SEC"),
        metadata=directory.as_person(),
    )
    assert {p.username for p in in_sec.people} == {"zhao.min", "sun.li", "zhang.wei", "qian.mi"}


def test_x03_directory_names_supervised_departments_and_confidential_clerks(
    directory: DirectoryUnderTest,
) -> None:
    leader = directory.stub.GetPerson(
        directory_pb2.GetPersonRequest(username="yang.fan"), metadata=directory.as_person()
    )
    assert list(leader.supervised_departments) == ["FIN", "HR"]
    clerks = directory.stub.ListRoleHolders(
        directory_pb2.ListRoleHoldersRequest(role="confidential_clerk"),
        metadata=directory.as_person(),
    )
    assert [p.username for p in clerks.people] == ["qian.mi"]


def test_x01_unknown_names_are_not_found_and_unknown_roles_invalid(
    directory: DirectoryUnderTest,
) -> None:
    calls = [
        (directory.stub.GetPerson, directory_pb2.GetPersonRequest(username="nobody")),
        (directory.stub.GetDepartment, directory_pb2.GetDepartmentRequest(code="ZZ")),
    ]
    for method, request in calls:
        with pytest.raises(grpc.RpcError) as exc:
            method(request, metadata=directory.as_person())
        assert exc.value.code() == grpc.StatusCode.NOT_FOUND
    with pytest.raises(grpc.RpcError) as exc:
        directory.stub.ListRoleHolders(
            directory_pb2.ListRoleHoldersRequest(role="king"), metadata=directory.as_person()
        )
    assert exc.value.code() == grpc.StatusCode.INVALID_ARGUMENT


def test_internal_service_token_is_accepted(directory: DirectoryUnderTest) -> None:
    token = service_token("documents", directory.secret, directory.clock)
    person = directory.stub.GetPerson(
        directory_pb2.GetPersonRequest(username="wang.jian"), metadata=identity_metadata(token)
    )
    assert person.name == "王建"


def _rejected(directory: DirectoryUnderTest, metadata: tuple[tuple[str, str], ...]) -> None:
    with pytest.raises(grpc.RpcError) as exc:
        directory.stub.GetPerson(
            directory_pb2.GetPersonRequest(username="wang.jian"), metadata=metadata
        )
    assert exc.value.code() == grpc.StatusCode.UNAUTHENTICATED


def test_no_token_is_unauthenticated(directory: DirectoryUnderTest) -> None:
    _rejected(directory, ())


def test_forged_token_is_unauthenticated(directory: DirectoryUnderTest) -> None:
    forger = IdentitySigner(generate_keypair()[0], directory.clock)
    forged = forger.sign(
        Identity(username="wang.jian", roles=frozenset({"admin"})), SERVICE_AUDIENCE, 60
    )
    _rejected(directory, identity_metadata(forged))
    wrong_secret = service_token("documents", "not-the-secret-but-long-enough-!!", directory.clock)
    _rejected(directory, identity_metadata(wrong_secret))


def test_expired_token_is_unauthenticated(directory: DirectoryUnderTest) -> None:
    token = directory.person_token()
    directory.clock.advance(61)
    _rejected(directory, identity_metadata(token))


def test_access_token_is_not_a_service_identity(directory: DirectoryUnderTest) -> None:
    _rejected(directory, identity_metadata(directory.person_token(audience=ACCESS_AUDIENCE)))


def test_health_is_serving_without_a_token(directory: DirectoryUnderTest) -> None:
    answer = health_pb2_grpc.HealthStub(directory.channel).Check(
        health_pb2.HealthCheckRequest(service="secretariat.directory.v1.Directory")
    )
    assert answer.status == health_pb2.HealthCheckResponse.SERVING


def test_x01_only_an_administrator_writes_over_grpc_and_a_taken_key_names_its_field(
    directory: DirectoryUnderTest,
) -> None:
    new_department = directory_pb2.CreateDepartmentRequest(code="QA", name="质量部")
    service = identity_metadata(service_token("documents", directory.secret, directory.clock))
    for metadata in (directory.as_person(), service):
        with pytest.raises(grpc.RpcError) as refused:
            directory.stub.CreateDepartment(new_department, metadata=metadata)
        assert refused.value.code() == grpc.StatusCode.PERMISSION_DENIED
    admin = identity_metadata(
        directory.signer.sign(
            Identity(username="admin", roles=frozenset({"admin"})), SERVICE_AUDIENCE, 60
        )
    )
    created = directory.stub.CreateDepartment(new_department, metadata=admin)
    assert (created.code, created.HasField("head_username")) == ("QA", False)
    with pytest.raises(grpc.RpcError) as taken:
        directory.stub.CreateDepartment(new_department, metadata=admin)
    assert taken.value.code() == grpc.StatusCode.ALREADY_EXISTS
    assert [e.field for e in field_errors_of(taken.value)] == ["code"]
    # Without `sent`, a PATCH changes the fields it sets and clears none.
    changed = directory.stub.UpdatePerson(
        directory_pb2.UpdatePersonRequest(username="he.ping", phone="010-1234 5678"),
        metadata=admin,
    )
    assert (changed.phone, changed.superior_username) == ("010-1234 5678", "zheng.qiang")


def test_i05_person_carries_phone_and_email(directory: DirectoryUnderTest) -> None:
    person = directory.stub.GetPerson(
        directory_pb2.GetPersonRequest(username="zhang.wei"), metadata=directory.as_person()
    )
    assert person.phone.startswith("010-")
    assert person.email == "zhang.wei@secretariat.example"
