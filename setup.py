"""Build hook: the wheel carries the program's resources (everything else is in pyproject.toml).

The top-level ``resources/`` folder stays the one source of fonts (with their licences), the
sRGB ICC profile, icons and translations; a source tree and the PyInstaller app read it
there.  A wheel has no such folder, so ``build_py`` copies it into the package as
``smime_archiver/_resources/`` (see ``smime_archiver/resources.py``) and compiles the GUI's
``.ts`` catalogues into the ``.qm`` files Qt loads, with ``scripts/ts2qm.py``: no Qt needed
to build.  Only what the program reads at run time goes in (not the ``.ts`` sources, not
``resources/dist/``, the frozen app's read-me files).
"""

from __future__ import annotations

import shutil
import sys
from pathlib import Path

from setuptools import setup
from setuptools.command.build_py import build_py

ROOT = Path(__file__).resolve().parent
sys.path.insert(0, str(ROOT / "scripts"))
from ts2qm import compile_ts  # noqa: E402

RESOURCE_FOLDERS = ("fonts", "icc", "icons")
PACKAGE_FOLDER = "_resources"


class BuildPyWithResources(build_py):
    def run(self) -> None:
        super().run()
        if getattr(self, "editable_mode", False):
            return  # an editable install reads resources/ in the source tree itself
        self.copy_resources(Path(self.build_lib) / "smime_archiver" / PACKAGE_FOLDER)

    def copy_resources(self, target: Path) -> None:
        source = ROOT / "resources"
        if target.exists():
            shutil.rmtree(target)  # nothing left over from an earlier build
        for folder in RESOURCE_FOLDERS:
            shutil.copytree(source / folder, target / folder)
        translations = target / "translations"
        translations.mkdir(parents=True)
        for po in sorted((source / "translations").glob("*.po")):
            shutil.copy2(po, translations / po.name)
        for ts in sorted((source / "translations").glob("*.ts")):
            compile_ts(ts, translations / ts.with_suffix(".qm").name)


setup(cmdclass={"build_py": BuildPyWithResources})
