"""Keep the core's gettext catalogue in step with the code.

    python scripts/i18n.py update   # add new strings (empty msgstr), drop unused ones
    python scripts/i18n.py check    # list untranslated strings; exit 1 if any

Strings are found by parsing the source: calls of ``_("...")`` and
``ngettext("...", "...", n)`` under ``smime_archiver/`` (the Qt face uses
``.ts`` files instead), plus the argparse texts the CLI shows.
"""

from __future__ import annotations

import ast
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from smime_archiver.i18n import _po_entries, po_path  # noqa: E402

# argparse's own texts (it looks them up through the module-level name ``_``).
ARGPARSE_STRINGS = [
    "usage: ",
    "positional arguments",
    "options",
    "show this help message and exit",
    "show program's version number and exit",
    "the following arguments are required: %s",
    "unrecognized arguments: %s",
    "invalid choice: %(value)r (choose from %(choices)s)",
    "expected one argument",
    "argument %(argument_name)s: %(message)s",
    "ambiguous option: %(option)s could match %(matches)s",
    "not allowed with argument %s",
    "ignored explicit argument %r",
    "invalid %(type)s value: %(value)r",
]


def extract(package: Path = ROOT / "smime_archiver") -> list[str]:
    found: dict[str, None] = {}
    for path in sorted(package.rglob("*.py")):
        if "ui" in path.relative_to(package).parts:
            continue
        tree = ast.parse(path.read_text(encoding="utf-8"), str(path))
        for node in ast.walk(tree):
            if not isinstance(node, ast.Call) or not isinstance(node.func, ast.Name):
                continue
            if node.func.id == "_" and node.args:
                args = node.args[:1]
            elif node.func.id == "ngettext" and len(node.args) >= 2:
                args = node.args[:2]
            else:
                continue
            for arg in args:
                if isinstance(arg, ast.Constant) and isinstance(arg.value, str):
                    found[arg.value] = None
    for text in ARGPARSE_STRINGS:
        found[text] = None
    return list(found)


def _quote(text: str) -> str:
    escaped = (text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")
               .replace("\t", "\\t"))
    return f'"{escaped}"'


def write_po(path: Path, entries: list[tuple[str, str]], language: str) -> None:
    lines = [
        "# smime-archiver core and CLI messages.",
        'msgid ""',
        'msgstr ""',
        '"Content-Type: text/plain; charset=UTF-8\\n"',
        f'"Language: {language}\\n"',
        "",
    ]
    for msgid, msgstr in entries:
        lines += [f"msgid {_quote(msgid)}", f"msgstr {_quote(msgstr)}", ""]
    path.write_text("\n".join(lines), encoding="utf-8")


def existing(path: Path) -> dict[str, str]:
    if not path.exists():
        return {}
    return {mid: mstr for mid, mstr, _fuzzy in _po_entries(path.read_text(encoding="utf-8"))
            if mid}


def main(argv: list[str]) -> int:
    command = argv[0] if argv else "check"
    path = po_path("da")
    msgids = extract()
    old = existing(path)
    if command == "update":
        write_po(path, [(m, old.get(m, "")) for m in msgids], "da")
        dropped = sorted(set(old) - set(msgids))
        print(f"{len(msgids)} strings, {len(dropped)} dropped, "
              f"{sum(1 for m in msgids if not old.get(m))} untranslated")
        return 0
    missing = [m for m in msgids if not old.get(m)]
    for m in missing:
        print(f"untranslated: {m!r}")
    return 1 if missing else 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
