"""One message catalogue for what users read (issue 10 item 6).

Messages are written in English in the code (the gettext msgid, with
``{name}`` placeholders) and translated from ``locales/<lang>/LC_MESSAGES/
*.po`` (``messages.po`` for the gateway and the contract, ``services.po`` for
the services' domain messages). Chinese (``zh-CN``) is the organisation's
default language; English is the msgid itself. The gateway, the services and
the workbench read the same catalogue.

Services raise errors with text already filled in (``f"unknown room {room_id!r}"``);
:func:`translate` finds such a text through the msgid it was made from
(``"unknown room {room_id}"``), so a message is translated wherever it is shown
without threading the language through every use case.
"""

from __future__ import annotations

import functools
import re
from pathlib import Path

from babel.messages.pofile import read_po

CHINESE = "zh-CN"
ENGLISH = "en"
SUPPORTED = (CHINESE, ENGLISH)
DEFAULT_LANGUAGE = CHINESE
_LOCALES = Path(__file__).parent / "locales"
_FOLDERS = {CHINESE: "zh_CN"}


_PLACEHOLDER = re.compile(r"\{(\w*)\}")


@functools.cache
def _catalogue(language: str) -> dict[str, str]:
    folder = _FOLDERS.get(language)
    if folder is None:
        return {}
    found: dict[str, str] = {}
    for path in sorted((_LOCALES / folder / "LC_MESSAGES").glob("*.po")):
        with path.open("rb") as handle:
            catalog = read_po(handle)
        found.update(
            {
                str(message.id): str(message.string)
                for message in catalog
                if message.id and message.string and isinstance(message.id, str)
            }
        )
    return found


@functools.cache
def _patterns(language: str) -> list[tuple[re.Pattern[str], list[str], str]]:
    """Each msgid with placeholders as a regular expression over filled-in texts,
    most specific (longest fixed text) first."""
    found: list[tuple[int, re.Pattern[str], list[str], str]] = []
    for msgid, text in _catalogue(language).items():
        names = _PLACEHOLDER.findall(msgid)
        if not names:
            continue
        pieces = _PLACEHOLDER.split(msgid)[::2]
        regex = "(.+?)".join(re.escape(piece) for piece in pieces)
        fixed = sum(len(piece) for piece in pieces)
        found.append((fixed, re.compile(f"^{regex}$", re.DOTALL), names, text))
    found.sort(key=lambda entry: -entry[0])
    return [(pattern, names, text) for _, pattern, names, text in found]


_CODE = re.compile(r"[a-z][a-z_]*")
_CJK_SPACE = re.compile(r"(?<=[\u4e00-\u9fff]) (?=[\u4e00-\u9fff])")


def _code_word(value: str, language: str) -> str:
    """A state code put into a message (``rejected``) in ``language``; other values as they are."""
    if _CODE.fullmatch(value):
        return _catalogue(language).get(value, value)
    return value


def _filled(text: str, language: str) -> str | None:
    """``text`` (a msgid with its placeholders filled) in ``language``, if catalogued."""
    for pattern, names, translated in _patterns(language):
        match = pattern.match(text)
        if match is None:
            continue
        values = {
            name: _code_word(value, language)
            for name, value in zip(names, match.groups(), strict=True)
        }
        try:
            return _CJK_SPACE.sub("", translated.format(**values))
        except (KeyError, IndexError, ValueError):
            return None
    return None


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
    """``msgid`` in ``language``, placeholders filled; the English text when not translated.

    Without ``params``, a text whose placeholders were already filled in is
    recognised through its msgid (see the module docstring)."""
    if language == ENGLISH:
        text = msgid
    else:
        text = _catalogue(language).get(msgid, "")
        if not text:
            text = (None if params else _filled(msgid, language)) or msgid
    if not params:
        return text
    try:
        return text.format(**params)
    except (KeyError, IndexError, ValueError):
        return msgid.format(**params)
