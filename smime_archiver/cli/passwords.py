"""Passwords for key files on the command line, and loading the key files with them."""

from __future__ import annotations

import getpass
import os
import sys
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from smime_archiver.cli.console import Console
from smime_archiver.errors import KeyFileError, UsageError
from smime_archiver.i18n import _

if TYPE_CHECKING:
    from smime_archiver.crypto.keys.keyring import KeyRing

PASSWORD_ENV = "SMIME_ARCHIVER_PASSWORD"
PROMPT_ATTEMPTS = 3


def read_password_file(path: str) -> list[str]:
    try:
        text = Path(path).read_text(encoding="utf-8-sig")
    except UnicodeDecodeError:
        text = Path(path).read_text(encoding="cp1252")
    except OSError as e:
        raise UsageError(_("The password file {file} cannot be read: {reason}.").format(
            file=path, reason=e.strerror or e)) from e
    return [line.rstrip("\r\n") for line in text.splitlines() if line.rstrip("\r\n")]


def make_password_source(password_file: str | None, *, interactive: bool | None = None):
    """Candidates for each key file: $SMIME_ARCHIVER_PASSWORD, the file's lines, then prompts."""
    from_env = os.environ.get(PASSWORD_ENV)
    from_file = read_password_file(password_file) if password_file else []
    if interactive is None:
        interactive = sys.stdin is not None and sys.stdin.isatty()

    def source(key_file: str) -> Iterator[str]:
        if from_env is not None:
            yield from_env
        yield from from_file
        if not interactive:
            return
        name = Path(key_file).name
        for attempt in range(1, PROMPT_ATTEMPTS + 1):
            if attempt == 1:
                prompt = _("Password for key file {file}: ").format(file=name)
            else:
                prompt = _("Wrong password. Password for {file} (attempt {n} of {total}): "
                           ).format(file=name, n=attempt, total=PROMPT_ATTEMPTS)
            try:
                yield getpass.getpass(prompt)
            except (EOFError, KeyboardInterrupt):
                return

    return source


def load_keys(files: Sequence[str], password_file: str | None,
              console: Console) -> tuple[KeyRing, list[KeyFileError]]:
    """Load the key files into one key ring (what workers need included); and the errors."""
    from smime_archiver.crypto.keys.keyring import load_key_ring  # heavy: keep --version quick

    for f in files:
        if not Path(f).exists():
            raise UsageError(_("Key file {file} does not exist.").format(file=f))
    ring, errors = load_key_ring(
        list(files), make_password_source(password_file),
        on_warning=lambda text: console.err(_("Warning: {text}").format(text=text)),
    )
    for error in errors:
        console.err(_("Key file problem: {text}").format(text=error.message))
    return ring, errors


def no_keys() -> KeyRing:
    from smime_archiver.crypto.keys.keyring import KeyRing

    return KeyRing()
