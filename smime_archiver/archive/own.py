"""Our own outputs are never input: output folders found inside the inputs are skipped.

An output folder is recognised by its state folder (``.smime-archiver``), not only by
being this run's ``--out``: a second export under another name into a folder that holds
the first one's output must not read the first one's ``.eml`` files as mail.  A folder
the user names as an input is read even when it is an output folder (they asked for
it); an output folder found *below* an input is skipped, and so is everything inside
this run's own output folder.
"""

from __future__ import annotations

import os
from collections.abc import Sequence

from smime_archiver.archive.journal import STATE_DIR


def _inside(path: str, folder: str) -> bool:
    return path == folder or path.startswith(folder.rstrip(os.sep) + os.sep)


class OwnOutputs:
    """Tells which sources lie in an output folder of smime-archiver (cached per folder)."""

    def __init__(self, inputs: Sequence[str], out_dir: str | os.PathLike):
        self._own = os.path.realpath(out_dir)
        self._roots = sorted((os.path.realpath(p) for p in inputs if os.path.isdir(p)),
                             key=len, reverse=True)
        self._folders: dict[str, str | None] = {}  # folder -> the output folder it is in

    def output_of(self, source: str) -> str | None:
        """The output folder ``source`` lies in, or None when it is input to be read."""
        real = os.path.realpath(source)
        if _inside(real, self._own):
            return self._own
        root = next((r for r in self._roots if _inside(real, r)), None)
        if root is None:
            return None
        return self._in_output(os.path.dirname(real), root)

    def _in_output(self, folder: str, root: str) -> str | None:
        chain: list[str] = []
        found: str | None = None
        while len(folder) > len(root) and _inside(folder, root):
            if folder in self._folders:
                found = self._folders[folder]
                break
            chain.append(folder)
            if os.path.isdir(os.path.join(folder, STATE_DIR)):
                found = folder
                break
            folder = os.path.dirname(folder)
        for seen in chain:
            self._folders[seen] = found
        return found
