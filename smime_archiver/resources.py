"""Where bundled resources (fonts, translations, icons) live, frozen or not."""

from __future__ import annotations

import sys
from pathlib import Path


def resource_root() -> Path:
    """``resources/`` beside the package in a source tree, or inside a PyInstaller bundle."""
    frozen_base = getattr(sys, "_MEIPASS", None)
    if frozen_base:
        return Path(frozen_base) / "resources"
    return Path(__file__).resolve().parent.parent / "resources"


def resource_path(*parts: str) -> Path:
    return resource_root().joinpath(*parts)
