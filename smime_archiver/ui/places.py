"""The usual places where mail lives on this computer (no Qt here).

Thunderbird profiles (Linux, snap, flatpak, macOS, Windows), Apple Mail's folder and
the folders where Outlook keeps exported ``.pst`` files.  Only places that exist are
returned; nothing is read beyond listing folders.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from smime_archiver.mailbox.walk import profile_mail_folders


@dataclass(frozen=True)
class Place:
    kind: str  # "thunderbird" | "apple_mail" | "outlook"
    path: str
    name: str  # profile or folder name, shown to the user


def _thunderbird_roots(home: Path, env: Mapping[str, str]) -> list[Path]:
    roots = [
        home / ".thunderbird",
        home / "snap" / "thunderbird" / "common" / ".thunderbird",
        home / ".var" / "app" / "org.mozilla.Thunderbird" / ".thunderbird",
        home / "Library" / "Thunderbird" / "Profiles",
    ]
    appdata = env.get("APPDATA")
    if appdata:
        roots.append(Path(appdata) / "Thunderbird" / "Profiles")
    return roots


def _subfolders(folder: Path) -> list[Path]:
    try:
        return sorted(p for p in folder.iterdir() if p.is_dir())
    except OSError:
        return []


def thunderbird_profiles(home: Path, env: Mapping[str, str]) -> list[Place]:
    found: list[Place] = []
    seen: set[str] = set()
    for root in _thunderbird_roots(home, env):
        for candidate in _subfolders(root):
            real = os.path.realpath(candidate)
            if real in seen or profile_mail_folders(str(candidate)) is None:
                continue
            seen.add(real)
            name = candidate.name.split(".", 1)[-1] if "." in candidate.name else candidate.name
            found.append(Place("thunderbird", str(candidate), name))
    return found


def apple_mail(home: Path) -> list[Place]:
    folder = home / "Library" / "Mail"
    return [Place("apple_mail", str(folder), "Mail")] if folder.is_dir() else []


def outlook_folders(home: Path, env: Mapping[str, str]) -> list[Place]:
    candidates = []
    for docs in (home / "Documents", home / "Dokumenter", home / "OneDrive" / "Documents",
                 home / "OneDrive" / "Dokumenter"):
        candidates += [docs / "Outlook Files", docs / "Outlook-filer"]
    local = env.get("LOCALAPPDATA")
    if local:
        candidates.append(Path(local) / "Microsoft" / "Outlook")
    return [Place("outlook", str(p), p.name) for p in candidates if p.is_dir()]


def usual_places(home: Path | None = None, env: Mapping[str, str] | None = None) -> list[Place]:
    home = home if home is not None else Path.home()
    env = env if env is not None else os.environ
    return thunderbird_profiles(home, env) + apple_mail(home) + outlook_folders(home, env)
