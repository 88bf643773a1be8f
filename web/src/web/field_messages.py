"""Chinese for the English validation messages the API still answers with.

The gateway translates its own messages, but some (pydantic's, a service's) come
back in English whatever ``Accept-Language`` says. Each pattern below maps such a
message to a catalogue msgid, so the person reads their language beside the field.
"""

from __future__ import annotations

import re

from babel.support import NullTranslations

from web.labels import N_

PATTERNS: tuple[tuple[re.Pattern[str], str], ...] = (
    (re.compile(r"^Field required$"), N_("Required")),
    (re.compile(r"^String should have at least 1 character"), N_("Required")),
    (re.compile(r"^String should have at most (\d+) characters?"), N_("Too long")),
    (re.compile(r"^Input should be a valid integer"), N_("Enter a whole number")),
    (re.compile(r"^Input should be a valid number"), N_("Enter a number")),
    (re.compile(r"^Input should be a valid (datetime|date)"), N_("Enter a valid date and time")),
    (re.compile(r"^Input should be a valid boolean"), N_("Choose yes or no")),
    (re.compile(r"^String should match pattern"), N_("Invalid format")),
    (re.compile(r"^Input should be '"), N_("Choose one of the listed options")),
    (re.compile(r"^Input should be greater than"), N_("Too small")),
    (re.compile(r"^Input should be less than"), N_("Too large")),
    (re.compile(r"^must be positive$"), N_("Must be more than zero")),
    (re.compile(r"^List should have at least 1 item"), N_("Add at least one")),
    (re.compile(r"^Extra inputs are not permitted"), N_("Not expected here")),
)


def localise(message: str, translations: NullTranslations) -> str:
    for pattern, msgid in PATTERNS:
        if pattern.search(message):
            return translations.gettext(msgid)
    return message
