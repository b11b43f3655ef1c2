"""Texts from input shown in the window: Qt does not interpret escape sequences, but C0
and C1 controls, bidi overrides and invisible characters in a file name, subject or
sender would still hide or reverse what is read, so they are shown escaped
(``\\u202e``), as on the command line (:func:`smime_archiver.termsafe.field`)."""

from __future__ import annotations

from smime_archiver.termsafe import field


def shown_name(text: str) -> str:
    """``text`` (a file name, subject, sender) as shown in a widget."""
    return field(text)
