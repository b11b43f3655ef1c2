"""Where bundled resources (fonts, ICC profile, translations, icons) live.

Three layouts, one answer: a PyInstaller bundle keeps them in ``resources/`` inside the
bundle; an installed wheel in ``smime_archiver/_resources/`` (copied there, with the GUI's
``.qm`` catalogues compiled, by the build hook in ``setup.py``); a source tree or editable
install in the top-level ``resources/`` folder beside the package, the one source of them.
"""

from __future__ import annotations

import sys
from functools import cache
from pathlib import Path


@cache
def resource_root() -> Path:
    frozen_base = getattr(sys, "_MEIPASS", None)
    if frozen_base:
        return Path(frozen_base) / "resources"
    package = Path(__file__).resolve().parent
    installed = package / "_resources"
    if installed.is_dir():
        return installed
    return package.parent / "resources"


def resource_path(*parts: str) -> Path:
    return resource_root().joinpath(*parts)
