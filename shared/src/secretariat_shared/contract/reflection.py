"""Server reflection that carries the protos' comments.

The generated modules drop ``source_code_info``, so plain reflection serves
descriptors without documentation. ``make gen`` also writes the descriptor
set with source info (``secretariat/descriptors.binpb``); this servicer puts
each file's comments back before answering, so the gateway's OpenAPI
document is described by the proto comments.
"""

from __future__ import annotations

import functools
from importlib import resources
from typing import Any

import grpc
from google.protobuf import descriptor_pb2
from grpc_reflection.v1alpha import reflection, reflection_pb2

DESCRIPTOR_SET = "descriptors.binpb"


@functools.cache
def documented_files() -> dict[str, bytes]:
    """Source info by file name, from the generated descriptor set (empty if absent)."""
    try:
        raw = resources.files("secretariat").joinpath(DESCRIPTOR_SET).read_bytes()
    except (FileNotFoundError, ModuleNotFoundError, OSError):
        return {}
    found = descriptor_pb2.FileDescriptorSet.FromString(raw)
    return {
        item.name: item.source_code_info.SerializeToString()
        for item in found.file
        if item.source_code_info.location
    }


def with_comments(answer: Any) -> Any:
    documented = documented_files()
    if not documented or not answer.HasField("file_descriptor_response"):
        return answer
    files = []
    for raw in answer.file_descriptor_response.file_descriptor_proto:
        proto = descriptor_pb2.FileDescriptorProto.FromString(raw)
        info = documented.get(proto.name)
        if info is not None and not proto.source_code_info.location:
            proto.source_code_info.MergeFromString(info)
            raw = proto.SerializeToString()
        files.append(raw)
    del answer.file_descriptor_response.file_descriptor_proto[:]
    answer.file_descriptor_response.file_descriptor_proto.extend(files)
    return answer


class DocumentedReflection(reflection.ReflectionServicer):
    def _file_by_filename(self, request: Any, filename: str) -> Any:
        return with_comments(super()._file_by_filename(request, filename))

    def _file_containing_symbol(self, request: Any, name: str) -> Any:
        return with_comments(super()._file_containing_symbol(request, name))


def enable_reflection(service_names: list[str], server: grpc.Server) -> None:
    from grpc_reflection.v1alpha import reflection_pb2_grpc

    reflection_pb2_grpc.add_ServerReflectionServicer_to_server(
        DocumentedReflection([*service_names, reflection.SERVICE_NAME]), server
    )


__all__ = ["enable_reflection", "reflection_pb2"]
