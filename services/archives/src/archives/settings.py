"""The archives process's settings: the common ones plus its own."""

from __future__ import annotations

from dataclasses import dataclass

from secretariat_shared.settings import ServiceSettings, setting


@dataclass(frozen=True)
class ArchivesSettings(ServiceSettings):
    documents_address: str = setting(
        "host:port of the documents service: archived documents, seals and the approval engine", ""
    )
    archives_master_keys: str = setting(
        "master keys of the copy store, 'id:base64(32 bytes),…' (from the secret store); "
        "empty: one key derived from the internal token secret",
        "",
    )
    archives_active_key_id: str = setting(
        "id of the master key new copies are wrapped with; empty: the first configured", ""
    )
    climate_clear_minutes: float = setting(
        "minutes readings must stay in band before a climate alert clears (A-04)", 30.0
    )
