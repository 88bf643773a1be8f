"""A service that is not in the repository's protos, for the independent-team
test (issue 10 item 7): compiles the proto it is given and serves every RPC of
it with the shared gRPC bootstrap (identity, field rules, reflection).

Each RPC answers its output message with ``greeting`` set to "你好，<name>"
(or "再见，<name>" for RPCs whose name starts with "Farewell").

    python throwaway_service.py PROTO_FILE PORT WORK_DIR
"""

from __future__ import annotations

import importlib
import os
import sys
from pathlib import Path
from typing import Any

import grpc
from google.api import annotations_pb2
from grpc_tools import protoc

from secretariat_shared.clock import SystemClock
from secretariat_shared.grpc_server import GrpcService, serve_forever
from secretariat_shared.identity import IdentityVerifier

ROOT = Path(__file__).resolve().parents[1]


def compile_proto(proto: Path, work: Path) -> Any:
    work.mkdir(parents=True, exist_ok=True)
    target = work / "sample" / "v1"
    target.mkdir(parents=True, exist_ok=True)
    (target / "sample.proto").write_text(proto.read_text(encoding="utf-8"), encoding="utf-8")
    google_root = Path(annotations_pb2.__file__).resolve().parents[2]
    code = protoc.main(
        [
            "protoc",
            f"-I{work}",
            f"-I{ROOT / 'protos'}",
            f"-I{google_root}",
            f"-I{Path(protoc.__file__).resolve().parent / '_proto'}",
            f"--python_out={work}",
            "sample/v1/sample.proto",
        ]
    )
    if code != 0:
        raise SystemExit(f"protoc failed with {code}")
    for folder in (work / "sample", target):
        (folder / "__init__.py").touch()
    sys.path.insert(0, str(work))
    return importlib.import_module("sample.v1.sample_pb2")


def main() -> None:
    proto, port, work = Path(sys.argv[1]), int(sys.argv[2]), Path(sys.argv[3])
    module = compile_proto(proto, work)
    service = next(iter(module.DESCRIPTOR.services_by_name.values()))
    from google.protobuf import message_factory

    handlers = {}
    for method in service.methods:
        input_class = message_factory.GetMessageClass(method.input_type)
        output_class = message_factory.GetMessageClass(method.output_type)
        word = "再见" if method.name.startswith("Farewell") else "你好"

        def answer(request: Any, context: Any, _out: Any = output_class, _w: str = word) -> Any:
            return _out(greeting=f"{_w}，{request.name}")

        handlers[method.name] = grpc.unary_unary_rpc_method_handler(
            answer,
            request_deserializer=input_class.FromString,
            response_serializer=lambda m: m.SerializeToString(),
        )
    generic = grpc.method_handlers_generic_handler(service.full_name, handlers)
    verifier = IdentityVerifier(
        os.environ["SECRETARIAT_IDENTITY_PUBLIC_KEY"],
        SystemClock(),
        os.environ["SECRETARIAT_INTERNAL_TOKEN_SECRET"],
    )
    serve_forever(
        GrpcService(
            name="sample",
            verifier=verifier,
            register=lambda server: server.add_generic_rpc_handlers((generic,)),
            service_names=[service.full_name],
            port=port,
            grace_seconds=0.5,
        )
    )


if __name__ == "__main__":
    main()
