"""The current month's effectiveness rates as gauges, computed at scrape time (SPEC I-06)."""

from __future__ import annotations

from collections.abc import Iterator

from prometheus_client.core import GaugeMetricFamily
from prometheus_client.registry import Collector

from infohub.service_layer.information import InformationHub


class EffectivenessCollector(Collector):
    def __init__(self, hub: InformationHub) -> None:
        self._hub = hub

    def collect(self) -> Iterator[GaugeMetricFamily]:
        gauge = GaugeMetricFamily(
            "secretariat_info_effectiveness_rate",
            "This month's awareness, execution and achievement rates by department (I-06), 0..1",
            labels=["department", "rate"],
        )
        for r in self._hub.rates_of(self._hub.current_month()):
            department = r.department_code or "leaders"
            gauge.add_metric([department, "awareness"], r.awareness_rate)
            gauge.add_metric([department, "execution"], r.execution_rate)
            gauge.add_metric([department, "achievement"], r.achievement_rate)
        yield gauge
