"""Write the shipped China holiday schedules (SPEC X-02) from ``chinesecalendar``.

``python scripts/generate_holiday_data.py`` rewrites
``shared/src/secretariat_shared/data/china_holidays.json`` with every year
the installed ``chinesecalendar`` knows (2004–2026 with 1.11.0). Years it
does not know are left out on purpose: an operator loads them through
``PUT /api/v1/calendar/years/{year}`` once the State Council publishes them
(docs/operations/calendar.md).
"""

from __future__ import annotations

import json
from collections import defaultdict
from datetime import date
from importlib.metadata import version
from pathlib import Path

import chinese_calendar

TARGET = (
    Path(__file__).resolve().parents[1] / "shared/src/secretariat_shared/data/china_holidays.json"
)


def _name(value: object) -> str:
    return str(getattr(value, "value", value))


def main() -> None:
    years: dict[int, dict[str, dict[str, str]]] = defaultdict(
        lambda: {"holidays": {}, "workdays": {}}
    )
    for day, holiday in sorted(chinese_calendar.holidays.items()):
        if isinstance(day, date):
            years[day.year]["holidays"][day.isoformat()] = _name(holiday)
    for day, holiday in sorted(chinese_calendar.workdays.items()):
        if isinstance(day, date):
            years[day.year]["workdays"][day.isoformat()] = _name(holiday)
    document = {
        "source": f"chinesecalendar {version('chinesecalendar')}",
        "years": {str(year): years[year] for year in sorted(years)},
    }
    TARGET.write_text(json.dumps(document, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    print(f"wrote {len(years)} years ({min(years)}–{max(years)}) to {TARGET}")


if __name__ == "__main__":
    main()
