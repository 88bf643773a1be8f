"""Chinese first, English by a switch (issue 18).

Flask-Babel picks the locale and the time zone; the messages come from two
catalogues merged: the workbench's own (``translations/``) and the one the
API shares (``secretariat_shared/i18n``), so a label the API already
translates reads the same here.
"""

from __future__ import annotations

import io
from pathlib import Path

from babel import Locale
from babel.messages.catalog import Catalog
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.support import Translations
from flask import Flask, request, session
from flask_babel import Babel

import secretariat_shared.i18n as shared_i18n

CHINESE = shared_i18n.CHINESE
ENGLISH = shared_i18n.ENGLISH
LANGUAGES = {CHINESE: "中文", ENGLISH: "English"}
_BABEL_LOCALE = {CHINESE: "zh_CN", ENGLISH: "en"}
OWN_CATALOGUE = Path(__file__).parent / "translations" / "zh_CN" / "LC_MESSAGES" / "messages.po"
SHARED_CATALOGUE = (
    Path(shared_i18n.__file__).parent / "locales" / "zh_CN" / "LC_MESSAGES" / "messages.po"
)


def current_language() -> str:
    """The language the person chose; Chinese unless they switched."""
    chosen = session.get("lang")
    if chosen in LANGUAGES:
        return str(chosen)
    asked = request.args.get("lang")
    if asked in LANGUAGES:
        return str(asked)
    return CHINESE


def _compiled(*paths: Path) -> Translations:
    merged = Catalog(locale="zh_CN")
    for path in paths:
        if not path.exists():
            continue
        with path.open("rb") as handle:
            for message in read_po(handle, locale="zh_CN"):
                if message.id and message.string and message.id not in merged:
                    merged.add(message.id, message.string)
    buffer = io.BytesIO()
    write_mo(buffer, merged)
    buffer.seek(0)
    return Translations(fp=buffer)


def install(app: Flask, timezone: str) -> Babel:
    babel = Babel(
        app,
        default_locale="zh_CN",
        default_timezone=timezone,
        locale_selector=lambda: _BABEL_LOCALE[current_language()],
        timezone_selector=lambda: timezone,
    )
    with app.app_context():
        domain = babel.domain_instance
        chinese = str(Locale.parse(_BABEL_LOCALE[CHINESE]))  # "zh_Hans_CN"
        domain.cache[(chinese, domain.domain[0])] = _compiled(OWN_CATALOGUE, SHARED_CATALOGUE)
        domain.cache[(str(Locale.parse("en")), domain.domain[0])] = Translations()
    return babel
