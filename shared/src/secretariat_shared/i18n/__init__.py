"""One message catalogue for what users read (issue 10 item 6).

Messages are written in English in the code (the gettext msgid, with
``{name}`` placeholders) and translated from ``locales/<lang>/LC_MESSAGES/
messages.po``. Chinese (``zh-CN``) is the organisation's default language;
English is the msgid itself. The gateway, the services and the workbench
read the same catalogue.
"""

from __future__ import annotations

import functools
from pathlib import Path

from babel.messages.pofile import read_po

CHINESE = "zh-CN"
ENGLISH = "en"
SUPPORTED = (CHINESE, ENGLISH)
DEFAULT_LANGUAGE = CHINESE
_LOCALES = Path(__file__).parent / "locales"
_FOLDERS = {CHINESE: "zh_CN"}


@functools.cache
def _catalogue(language: str) -> dict[str, str]:
    folder = _FOLDERS.get(language)
    if folder is None:
        return {}
    path = _LOCALES / folder / "LC_MESSAGES" / "messages.po"
    with path.open("rb") as handle:
        catalog = read_po(handle)
    return {
        str(message.id): str(message.string)
        for message in catalog
        if message.id and message.string and isinstance(message.id, str)
    }


def negotiate(accept_language: str | None, default: str = DEFAULT_LANGUAGE) -> str:
    """The supported language the header prefers most; ``default`` when it names none."""
    if not accept_language:
        return default
    ranked: list[tuple[float, int, str]] = []
    for index, part in enumerate(accept_language.split(",")):
        tag, _, params = part.strip().partition(";")
        quality = 1.0
        if params.strip().startswith("q="):
            try:
                quality = float(params.strip()[2:])
            except ValueError:
                quality = 0.0
        ranked.append((-quality, index, tag.strip().lower()))
    for _, _, tag in sorted(ranked):
        if tag.startswith("zh"):
            return CHINESE
        if tag.startswith("en"):
            return ENGLISH
        if tag == "*":
            return default
    return default


def translate(msgid: str, language: str, **params: object) -> str:
    """``msgid`` in ``language``, placeholders filled; the English text when not translated."""
    text = _catalogue(language).get(msgid, msgid) if language != ENGLISH else msgid
    if not params:
        return text
    try:
        return text.format(**params)
    except (KeyError, IndexError, ValueError):
        return msgid.format(**params)
