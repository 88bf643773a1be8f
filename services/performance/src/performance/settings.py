"""The performance process's settings: the common ones plus its own."""

from __future__ import annotations

from dataclasses import dataclass

from secretariat_shared.settings import ServiceSettings, setting


@dataclass(frozen=True)
class PerformanceSettings(ServiceSettings):
    documents_address: str = setting(
        "host:port of the documents service, whose approval engine runs the appeals (P-10)", ""
    )
