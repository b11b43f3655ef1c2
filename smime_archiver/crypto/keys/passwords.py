"""Password candidates: every spelling a typed password may have had when a key file was made.

A password typed today on a Mac (NFD) may have been typed in 2005 on Windows
(NFC), and the program that wrote the key file may have turned it into bytes in
its own way:

* PKCS#12 key derivation (RFC 7292 appendix B) takes a BMPString: UTF-16BE
  with a two-byte zero terminator.  OpenSSL before 1.1 did not convert UTF-8
  but widened each byte (``æ`` = C3 A6 became 00 C3 00 A6); programs on
  Windows widened their code page bytes (cp1252/Latin-1).
* "No password" (a zero-length input to the KDF) and "the empty password"
  (just the 00 00 terminator) are different keys.
* PBKDF1/PBKDF2 (PKCS#5) take octets: UTF-8, or a code page (and a few
  programs fed them the BMPString anyway).

:class:`PasswordFeed` hands out typed passwords lazily, so a prompt is shown
only when every candidate so far has failed.  Passwords are never logged:
candidates carry a ``label`` ("bmp/nfd") for the logs instead.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field

PasswordSource = Callable[[str], Iterator[str]]

# A typed password, or None for "no password at all".
Text = str | None


@dataclass(frozen=True)
class Secret:
    """One byte spelling of one password candidate, ready for a key derivation function."""

    data: bytes = field(repr=False)
    label: str
    # The same password as OpenSSL (and thus ``cryptography``) wants it: UTF-8 that
    # OpenSSL itself converts to a BMPString.  None for "no password", and for
    # spellings that only our own code can try.
    for_openssl: bytes | None = field(default=None, repr=False)


def _forms(text: str) -> list[tuple[str, str]]:
    """``text`` as typed, NFC and NFD, without repeats, as (label, text)."""
    out: list[tuple[str, str]] = []
    for label, form in (
        ("typed", text),
        ("nfc", unicodedata.normalize("NFC", text)),
        ("nfd", unicodedata.normalize("NFD", text)),
    ):
        if all(form != seen for _label, seen in out):
            out.append((label, form))
    return out


def _code_page_bytes(text: str) -> list[tuple[str, bytes]]:
    """``text`` in the Windows/ISO code pages old programs used, where it fits."""
    out: list[tuple[str, bytes]] = []
    for label, form in _forms(text):
        for codec in ("cp1252", "latin-1"):
            try:
                out.append((f"{codec}/{label}", form.encode(codec)))
            except UnicodeEncodeError:
                continue
    return out


def widen(octets: bytes) -> bytes:
    """Each byte as one BMP character, plus the terminator (how OpenSSL 1.0 built BMPStrings)."""
    out = bytearray()
    for b in octets:
        out += bytes((0, b))
    return bytes(out) + b"\x00\x00"


def bmp_string(text: str) -> bytes:
    """RFC 7292 B.1: UTF-16 big-endian with a two-byte zero terminator."""
    return text.encode("utf-16-be") + b"\x00\x00"


def _unique(secrets: Iterable[Secret]) -> list[Secret]:
    seen: set[bytes] = set()
    out: list[Secret] = []
    for s in secrets:
        if s.data not in seen:
            seen.add(s.data)
            out.append(s)
    return out


def bmp_secrets(text: Text) -> list[Secret]:
    """Every BMPString spelling of ``text`` for the PKCS#12 KDF, likeliest first."""
    if text is None:
        return [Secret(b"", "none", None)]
    if text == "":
        return [Secret(b"\x00\x00", "empty", b"")]
    found = [Secret(bmp_string(form), f"bmp/{label}", form.encode("utf-8"))
             for label, form in _forms(text)]
    for label, form in _forms(text):
        raw = form.encode("utf-8")
        # OpenSSL 3 turns the Latin-1 reading of these bytes back into the same BMPString.
        found.append(Secret(widen(raw), f"widened-utf8/{label}",
                            raw.decode("latin-1").encode("utf-8")))
    for label, raw in _code_page_bytes(text):
        found.append(Secret(widen(raw), f"widened-{label}",
                            raw.decode("latin-1").encode("utf-8")))
    return _unique(found)


def octet_secrets(text: Text) -> list[Secret]:
    """Every octet spelling of ``text`` for PBKDF1/PBKDF2 and OpenSSL's PEM encryption."""
    if text is None or text == "":
        return [Secret(b"", "empty", b"")]
    found = [Secret(form.encode("utf-8"), f"utf8/{label}", form.encode("utf-8"))
             for label, form in _forms(text)]
    found += [Secret(raw, label, raw) for label, raw in _code_page_bytes(text)]
    # Last resort: programs that fed the PKCS#12 BMPString (or plain UTF-16) to PBKDF2.
    for label, form in _forms(text):
        found.append(Secret(bmp_string(form), f"bmp-octets/{label}", None))
        found.append(Secret(form.encode("utf-16-be"), f"utf16be/{label}", None))
    return _unique(found)


class PasswordFeed:
    """Password candidates for one key file, pulled lazily and remembered.

    Iterating yields ``None`` (no password), ``""`` (empty password), the
    ``remembered`` passwords (ones that opened other files of the same run),
    then the typed passwords from ``passwords``.  The source is called (with
    the file's path) only when the candidates before it are used up, and each
    typed password is pulled only when an iteration gets that far; pulled
    passwords are kept, so a later iteration (for the next encrypted part of
    the same file) starts again from the top without asking twice.
    """

    def __init__(
        self,
        passwords: PasswordSource | Iterable[str],
        path: str,
        remembered: Iterable[str] = (),
    ):
        self._source = passwords
        self._path = path
        self._fixed: list[Text] = [None, ""]
        for text in remembered:
            if text not in self._fixed:
                self._fixed.append(text)
        self._pulled: list[str] = []
        self._iterator: Iterator[str] | None = None
        self._exhausted = False
        self.opened_with: Text = None  # set by the reader that succeeded

    @property
    def typed_count(self) -> int:
        """How many passwords the source gave so far."""
        return len(self._pulled)

    def candidates(self, first: Text | None = None, *, use_first: bool = False) -> Iterator[Text]:
        """Every candidate, ``first`` (when ``use_first``) before the rest."""
        seen: list[Text] = []
        if use_first:
            seen.append(first)
            yield first
        for text in self._fixed:
            if text not in seen:
                seen.append(text)
                yield text
        index = 0
        while True:
            if index >= len(self._pulled) and not self._pull():
                return
            text = self._pulled[index]
            index += 1
            if text not in seen:
                seen.append(text)
                yield text

    def __iter__(self) -> Iterator[Text]:
        return self.candidates()

    def _pull(self) -> bool:
        if self._exhausted:
            return False
        if self._iterator is None:
            source = self._source
            self._iterator = iter(source(self._path) if callable(source) else source)
        try:
            text = next(self._iterator)
        except StopIteration:
            self._exhausted = True
            return False
        if not isinstance(text, str):
            raise TypeError("a password source must yield str")
        self._pulled.append(text)
        return True


def first_match(
    feed: PasswordFeed,
    spellings: Callable[[Text], list[Secret]],
    attempt: Callable[[Secret], object],
    *,
    first: Text = None,
    use_first: bool = False,
) -> tuple[object, Text, Secret] | None:
    """Try every spelling of every candidate until ``attempt`` returns something not None.

    Returns ``(result, text, secret)`` or None when nothing fitted.  Each byte
    spelling is tried once even when two candidates share it.
    """
    tried: set[bytes] = set()
    for text in feed.candidates(first, use_first=use_first):
        for secret in spellings(text):
            if secret.data in tried:
                continue
            tried.add(secret.data)
            result = attempt(secret)
            if result is not None:
                return result, text, secret
    return None
