"""The facilities process's settings: the common ones plus its own."""

from __future__ import annotations

from dataclasses import dataclass

from secretariat_shared.settings import ServiceSettings, setting


@dataclass(frozen=True)
class FacilitiesSettings(ServiceSettings):
    documents_address: str = setting(
        "host:port of the documents service, whose approval engine runs our approvals", ""
    )
    collection_code_key: str = setting(
        "HMAC key of collection codes (F-05); empty: derived from the internal token secret", ""
    )
    collection_code_ttl_hours: float = setting("hours a collection code stays valid", 168.0)
    min_stock_window_days: int = setting(
        "trailing days of issues averaged for the minimum-stock line (F-04)", 90
    )
    demand_list_template: str = setting(
        "approval template for the monthly demand list (finance, office director)", "purchase"
    )
