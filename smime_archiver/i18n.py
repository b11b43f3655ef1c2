"""Translation of the core's and the CLI's user-visible strings.

Strings are marked with :func:`_` (named ``{placeholders}`` filled with
``str.format`` after translation).  Catalogues are gettext ``.po`` files in
``resources/translations/``, read directly at start-up, so there is no compile
step to forget.  The Qt face has its own ``.ts`` files for widget texts.
"""

from __future__ import annotations

import ast
import locale
import logging
import os
import re
from pathlib import Path

from smime_archiver.resources import resource_path

log = logging.getLogger(__name__)

SUPPORTED = ("en", "da")
DOMAIN = "smime_archiver"

_catalog: dict[str, str] = {}
_language = "en"


def _(message: str) -> str:
    """Translate ``message`` into the current language (identity for English)."""
    return _catalog.get(message) or message


def ngettext(singular: str, plural: str, n: int) -> str:
    """Pick singular or plural and translate it (Danish and English share the rule)."""
    return _(singular if n == 1 else plural)


def current_language() -> str:
    return _language


def detect_language() -> str:
    """The language the environment asks for, among :data:`SUPPORTED`."""
    for var in ("SMIME_ARCHIVER_LANG", "LANGUAGE", "LC_ALL", "LC_MESSAGES", "LANG"):
        value = os.environ.get(var, "")
        for part in value.split(":"):
            code = part.split(".")[0].split("_")[0].lower()
            if code in SUPPORTED:
                return code
            if code in ("nb", "nn", "no", "sv"):  # Scandinavians read Danish better than English
                return "da"
    try:
        loc = locale.getlocale()[0] or ""
    except ValueError:
        loc = ""
    return "da" if loc.lower().startswith("da") else "en"


def set_language(language: str | None = None) -> str:
    """Switch the catalogue; ``None`` detects from the environment. Returns the code used."""
    global _language
    code = (language or detect_language()).split("_")[0].lower()
    if code not in SUPPORTED:
        code = "en"
    _catalog.clear()
    if code != "en":
        _catalog.update(load_po(po_path(code)))
    _language = code
    return code


def po_path(language: str) -> Path:
    return resource_path("translations", f"{DOMAIN}_{language}.po")


def load_po(path: Path) -> dict[str, str]:
    """Read a gettext ``.po`` file into ``{msgid: msgstr}``; fuzzy and empty entries skipped."""
    catalog: dict[str, str] = {}
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as e:
        log.warning("translation catalogue %s not readable: %s", path, e)
        return catalog
    for msgid, msgstr, fuzzy in _po_entries(text):
        if msgid and msgstr and not fuzzy:
            catalog[msgid] = msgstr
    return catalog


def _po_entries(text: str):
    """Yield ``(msgid, msgstr, fuzzy)`` for each blank-line separated ``.po`` entry."""
    for block in re.split(r"\n\s*\n", text):
        parts: dict[str, list[str]] = {}
        field = None
        fuzzy = False
        for raw in block.splitlines():
            line = raw.strip()
            if line.startswith("#,") and "fuzzy" in line:
                fuzzy = True
            elif line.startswith(("msgid ", "msgstr ", "msgctxt ")):
                field, _sep, rest = line.partition(" ")
                parts[field] = [ast.literal_eval(rest)]
            elif line.startswith('"') and field:
                parts[field].append(ast.literal_eval(line))
        if "msgid" in parts:
            yield "".join(parts["msgid"]), "".join(parts.get("msgstr", [])), fuzzy
