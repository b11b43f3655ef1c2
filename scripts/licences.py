"""Print the licence notices of every third-party Python distribution installed beside us.

Used by scripts/dist.sh to write THIRD-PARTY-NOTICES.txt into the frozen app; the bundled
fonts' licences travel in resources/fonts/.
"""

from __future__ import annotations

import importlib.metadata as md
import sys

SKIP = {"smime-archiver", "pip", "setuptools", "wheel", "pyinstaller",
        "pyinstaller-hooks-contrib", "altgraph", "pytest", "pytest-qt", "pluggy", "iniconfig",
        "ruff", "mypy", "mypy-extensions", "cryptography-vectors", "packaging", "pathspec",
        "pygments", "typing-extensions"}


def main() -> int:
    out = sys.stdout
    out.write("Third-party software in smime-archiver\n")
    out.write("=" * 38 + "\n\n")
    out.write("Python itself: PSF License (https://docs.python.org/3/license.html).\n"
              "Qt for Python (PySide6): LGPLv3; Qt source: https://download.qt.io/.\n\n")
    dists = sorted(md.distributions(), key=lambda d: (d.metadata["Name"] or "").lower())
    for dist in dists:
        name = dist.metadata["Name"] or ""
        if name.lower() in SKIP:
            continue
        licence = dist.metadata.get("License-Expression") or dist.metadata.get("License") or ""
        if len(licence) > 200 or not licence:
            classifiers = [c.split("::")[-1].strip() for c in dist.metadata.get_all("Classifier")
                           or [] if c.startswith("License ::")]
            licence = ", ".join(classifiers) or licence[:200] or "see licence text"
        out.write(f"{name} {dist.version}: {licence}\n")
        for f in dist.files or []:
            lower = f.name.lower()
            if lower.startswith(("license", "licence", "copying", "notice")):
                try:
                    text = f.read_text(encoding="utf-8", errors="replace")
                except (OSError, UnicodeError):
                    continue
                out.write("\n" + text.strip() + "\n")
        out.write("\n" + "-" * 72 + "\n\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
