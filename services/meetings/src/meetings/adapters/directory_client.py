"""The Directory client is shared by every service: see secretariat_shared.directory."""

from secretariat_shared.directory import GrpcDirectory

__all__ = ["GrpcDirectory"]
