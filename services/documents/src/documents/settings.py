"""Settings of the documents service process: the common ones plus the seal key."""

from __future__ import annotations

from dataclasses import dataclass

from secretariat_shared.settings import ServiceSettings, setting


@dataclass(frozen=True)
class DocumentsSettings(ServiceSettings):
    seal_private_key: str = setting(
        "PEM of the Ed25519 key that signs sealed approvals (SPEC D-09); "
        "required unless testing or demo",
        "",
    )
    demo: bool = setting("demo mode: an unset seal key is replaced by an ephemeral one", False)
