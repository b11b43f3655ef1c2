"""``keys``: what is inside key files."""

from __future__ import annotations

import json

from smime_archiver.cli.console import EXIT_FATAL, EXIT_INCOMPLETE, EXIT_OK, Console
from smime_archiver.cli.passwords import load_keys
from smime_archiver.i18n import _
from smime_archiver.model import KeyDescription
from smime_archiver.termsafe import json_shown


def format_key(desc: KeyDescription) -> list[str]:
    lines = [_("  Key: {type}, {bits} bit").format(type=desc.key_type, bits=desc.key_size)]
    if desc.subject:
        lines.append(_("    Subject:  {value}").format(value=desc.subject))
        lines.append(_("    Issuer:   {value}").format(value=desc.issuer))
        lines.append(_("    Serial:   {dec} (hex {hex})").format(dec=desc.serial,
                                                                 hex=f"{desc.serial:x}"))
        if desc.not_before and desc.not_after:
            from datetime import datetime, timezone

            expired = desc.not_after < datetime.now(timezone.utc)
            lines.append(_("    Valid:    {start} to {end}").format(
                start=desc.not_before.date().isoformat(), end=desc.not_after.date().isoformat())
                + (_(" (expired; old keys still decrypt old mail)") if expired else ""))
        if desc.email:
            lines.append(_("    E-mail:   {value}").format(value=desc.email))
    else:
        lines.append(_("    (no certificate found for this key; it is still tried on every "
                       "message)"))
    if desc.ski:
        lines.append(_("    Key ID:   {value}").format(value=desc.ski))
    return lines


def cmd_keys(args, console: Console) -> int:
    keystore, errors = load_keys(args.files, args.password_file, console)
    if args.json:
        print(json_shown(json.dumps({
            "keys": [d.to_json() for d in keystore.descriptions()],
            "errors": [{"source": e.source, "detail": e.message} for e in errors],
        }, ensure_ascii=False, indent=2)))
    else:
        by_file: dict[str, list[KeyDescription]] = {}
        for desc in keystore.descriptions():
            by_file.setdefault(desc.source, []).append(desc)
        for source, descs in by_file.items():
            console.out(source)
            for desc in descs:
                for line in format_key(desc):
                    console.out(line)
    if not len(keystore):
        return EXIT_FATAL
    return EXIT_INCOMPLETE if errors else EXIT_OK
