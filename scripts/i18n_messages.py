"""The services' user-facing messages and their place in the catalogue (issue 10 item 6).

Services raise errors with English text, often an f-string
(``FieldError("room_id", f"unknown room {meeting.room_id!r}")``). This tool
reads every service's source, turns each such message into the msgid it is
made from (``"unknown room {room_id}"``), and compares them with
``services.po``:

    python scripts/i18n_messages.py check    # exit 1 listing msgids without a translation
    python scripts/i18n_messages.py update   # add them to services.po with an empty msgstr

``secretariat_shared.i18n.translate`` finds a filled-in text through its msgid,
so the services need no change to speak the reader's language.
"""

from __future__ import annotations

import ast
import sys
from collections.abc import Iterator
from functools import cache
from pathlib import Path

from babel.messages.catalog import Catalog
from babel.messages.pofile import read_po, write_po

ROOT = Path(__file__).resolve().parent.parent
SERVICES_PO = ROOT / "shared/src/secretariat_shared/i18n/locales/zh_CN/LC_MESSAGES/services.po"
ERROR_NAMES = (
    "ValidationFailed",
    "NotFound",
    "PermissionDenied",
    "Conflict",
    "PreconditionFailed",
    "DomainError",
)
BUILTIN_BASES = ("Exception", "ValueError", "LookupError")


def sources() -> list[Path]:
    """Every service's Python source, and the shared library's use-case helpers."""
    found = sorted(ROOT.glob("services/*/src/**/*.py"))
    found += sorted((ROOT / "shared/src/secretariat_shared").glob("**/*.py"))
    found += sorted((ROOT / "gateway/src").glob("**/*.py"))
    found += sorted((ROOT / "directory/src").glob("**/*.py"))
    return [p for p in found if "/i18n/" not in str(p)]


def _name_of(node: ast.expr) -> str:
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Attribute):
        return node.attr
    if isinstance(node, ast.Subscript):
        return _name_of(node.value)
    if isinstance(node, ast.Call):
        return _name_of(node.func)
    return "value"


def msgid_of(node: ast.expr) -> str | None:
    """The msgid a string or f-string expression is made from; None for anything else."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return node.value or None
    if not isinstance(node, ast.JoinedStr):
        return None
    parts: list[str] = []
    seen: dict[str, int] = {}
    for value in node.values:
        if isinstance(value, ast.Constant) and isinstance(value.value, str):
            parts.append(value.value.replace("{", "{{").replace("}", "}}"))
        elif isinstance(value, ast.FormattedValue):
            name = _name_of(value.value).strip("_") or "value"
            seen[name] = seen.get(name, 0) + 1
            parts.append("{" + (name if seen[name] == 1 else f"{name}{seen[name]}") + "}")
    text = "".join(parts)
    return text if text.strip("{} ") else None


def _callee(node: ast.Call) -> str:
    func = node.func
    if isinstance(func, ast.Attribute):
        return func.attr
    if isinstance(func, ast.Name):
        return func.id
    return ""


@cache
def _nodes(path: Path) -> tuple[list[ast.ClassDef], list[ast.Call]]:
    """The class definitions and calls in ``path``, from one parse and one walk."""
    classes: list[ast.ClassDef] = []
    calls: list[ast.Call] = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), str(path))):
        if isinstance(node, ast.ClassDef):
            classes.append(node)
        elif isinstance(node, ast.Call):
            calls.append(node)
    return classes, calls


def error_classes(paths: list[Path]) -> set[str]:
    """The shared DomainError family and every exception class a service defines
    (their texts reach the caller); Python's own errors (ValueError, RuntimeError...)
    raised directly mean a programming or configuration fault and stay English."""
    bases: dict[str, set[str]] = {}
    for path in paths:
        for node in _nodes(path)[0]:
            bases.setdefault(node.name, set()).update(
                _name_of(b) for b in node.bases if isinstance(b, ast.Name | ast.Attribute)
            )
    found = set(ERROR_NAMES)
    roots = set(ERROR_NAMES) | set(BUILTIN_BASES)
    changed = True
    while changed:
        changed = False
        for name, parents in bases.items():
            if name not in found and parents & (roots | found) and "/settings" not in name:
                found.add(name)
                changed = True
    return found - {"SettingsError", "InvalidIdentity"}


def messages_in(path: Path, errors: set[str]) -> Iterator[tuple[str, int]]:
    """(msgid, line) of each user-facing message raised in ``path``."""
    for node in _nodes(path)[1]:
        name = _callee(node)
        candidates: list[ast.expr] = []
        if name == "FieldError" and len(node.args) >= 2:
            candidates.append(node.args[1])
        elif name in errors and node.args:
            first = node.args[0]
            named_field = (
                isinstance(first, ast.Constant)
                and isinstance(first.value, str)
                and first.value.replace("_", "").isalpha()
                and first.value.islower()
            )
            candidates.append(node.args[1] if named_field and len(node.args) > 1 else first)
        candidates += [k.value for k in node.keywords if k.arg == "message"]
        for candidate in candidates:
            msgid = msgid_of(candidate)
            if msgid and any(c.isalpha() for c in msgid) and msgid.isascii():
                yield msgid, node.lineno


def all_messages() -> dict[str, str]:
    """msgid → where it is first raised (path:line)."""
    found: dict[str, str] = {}
    paths = sources()
    errors = error_classes(paths)
    for path in paths:
        for msgid, line in messages_in(path, errors):
            found.setdefault(msgid, f"{path.relative_to(ROOT)}:{line}")
    return found


def _load() -> Catalog:
    if not SERVICES_PO.exists():
        return Catalog(locale="zh_CN", project="Secretariat")
    with SERVICES_PO.open("rb") as handle:
        return read_po(handle, locale="zh_CN")


def missing() -> dict[str, str]:
    """Messages the services raise that no catalogue file translates."""
    translated: set[str] = set()
    for path in SERVICES_PO.parent.glob("*.po"):
        with path.open("rb") as handle:
            translated |= {str(m.id) for m in read_po(handle) if m.id and m.string}
    return {m: where for m, where in all_messages().items() if m not in translated}


def update() -> int:
    catalog = _load()
    added = 0
    for msgid, where in missing().items():
        if msgid not in catalog:
            path, _, line = where.rpartition(":")
            catalog.add(msgid, "", locations=[(path, int(line))])
            added += 1
    SERVICES_PO.parent.mkdir(parents=True, exist_ok=True)
    with SERVICES_PO.open("wb") as handle:
        write_po(handle, catalog, width=0, omit_header=False, sort_output=False)
    return added


def main(argv: list[str]) -> int:
    command = argv[1] if len(argv) > 1 else "check"
    if command == "update":
        print(f"added {update()} msgids to {SERVICES_PO.relative_to(ROOT)}")
        return 0
    if command == "check":
        gaps = missing()
        for msgid, where in sorted(gaps.items(), key=lambda item: item[1]):
            print(f"{where}: {msgid}")
        print(f"{len(gaps)} of {len(all_messages())} service messages lack a Chinese translation")
        return 1 if gaps else 0
    print(__doc__)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv))
