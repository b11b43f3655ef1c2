"""SVG icons from ``resources/icons``."""

from __future__ import annotations

from functools import cache

from PySide6.QtGui import QIcon

from smime_archiver.model import Status
from smime_archiver.resources import resource_path

STATUS_ICONS = {
    Status.DECRYPTED: "status-decrypted",
    Status.PLAIN: "status-plain",
    Status.SIGNED: "status-signed",
    Status.NO_KEY: "status-no-key",
    Status.CORRUPT: "status-damaged",
    Status.UNSUPPORTED: "status-error",
    Status.ERROR: "status-error",
}


@cache
def icon(name: str) -> QIcon:
    return QIcon(str(resource_path("icons", f"{name}.svg")))


def status_icon(status: Status) -> QIcon:
    return icon(STATUS_ICONS[status])
