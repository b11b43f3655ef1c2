"""Where Thunderbird and Firefox keep their profiles, on Windows, macOS and Linux.

Each program keeps a ``profiles.ini`` in its own folder, naming the profile
folders (``Path=``, relative to that folder when ``IsRelative=1``).  The
folders looked in:

========  ================================================================
Windows   ``%APPDATA%\\Thunderbird``, ``%APPDATA%\\Mozilla\\Firefox``,
          ``%APPDATA%\\Mozilla\\SeaMonkey``, and the Microsoft Store
          packages under ``%LOCALAPPDATA%\\Packages``
macOS     ``~/Library/Thunderbird``, ``~/Library/Application Support/Firefox``,
          ``~/Library/Application Support/SeaMonkey``
Linux     ``~/.thunderbird``, ``~/.icedove`` (Debian's Thunderbird until
          2017), ``~/.mozilla/firefox``, ``$XDG_CONFIG_HOME/mozilla/firefox``,
          ``~/.mozilla/seamonkey``, the snap (``~/snap/*/common``) and
          flatpak (``~/.var/app/org.mozilla.*``) homes
========  ================================================================

A profile folder that ``profiles.ini`` no longer names (after a reinstall, a
"refresh", or a copied-back backup) is listed as well when it holds a key
database: that is often exactly where an old NemID key is.

:func:`find_profiles` only reads; home folder, environment and operating
system are parameters so that tests can give a made-up home.
"""

from __future__ import annotations

import configparser
import logging
import os
import sys
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

log = logging.getLogger(__name__)

DATABASE_FILES = ("key4.db", "key3.db", "cert9.db", "cert8.db")


@dataclass(frozen=True)
class Profile:
    """One Thunderbird/Firefox profile folder."""

    path: Path
    application: str  # "Thunderbird", "Firefox" or "SeaMonkey"
    name: str  # the profile's name in profiles.ini, else the folder's name
    default: bool = False  # the profile the program opens by default
    listed: bool = True  # False: profiles.ini does not name it (an orphaned profile)
    databases: tuple[str, ...] = ()  # which of key4.db, key3.db, cert9.db, cert8.db it has

    @property
    def has_key_database(self) -> bool:
        return "key4.db" in self.databases or "key3.db" in self.databases


def _system() -> str:
    if sys.platform.startswith("win"):
        return "windows"
    if sys.platform == "darwin":
        return "macos"
    return "linux"


def profile_roots(home: Path, env: Mapping[str, str], system: str) -> list[tuple[str, Path]]:
    """(application, folder holding profiles.ini) for every place the programs use."""
    if system == "windows":
        appdata = Path(env["APPDATA"]) if env.get("APPDATA") else home / "AppData" / "Roaming"
        local = (Path(env["LOCALAPPDATA"]) if env.get("LOCALAPPDATA")
                 else home / "AppData" / "Local")
        roots = [("Thunderbird", appdata / "Thunderbird"),
                 ("Firefox", appdata / "Mozilla" / "Firefox"),
                 ("SeaMonkey", appdata / "Mozilla" / "SeaMonkey")]
        for pattern, app, tail in (("Mozilla.Thunderbird*", "Thunderbird", ("Thunderbird",)),
                                   ("Mozilla.Firefox*", "Firefox", ("Mozilla", "Firefox"))):
            for package in _glob(local / "Packages", pattern):
                roots.append((app, package.joinpath("LocalCache", "Roaming", *tail)))
        return roots
    if system == "macos":
        support = home / "Library" / "Application Support"
        return [("Thunderbird", home / "Library" / "Thunderbird"),
                ("Firefox", support / "Firefox"),
                ("SeaMonkey", support / "SeaMonkey")]
    config = Path(env["XDG_CONFIG_HOME"]) if env.get("XDG_CONFIG_HOME") else home / ".config"
    return [
        ("Thunderbird", home / ".thunderbird"),
        ("Thunderbird", home / ".icedove"),
        ("Thunderbird", home / "snap" / "thunderbird" / "common" / ".thunderbird"),
        ("Thunderbird", home / ".var" / "app" / "org.mozilla.Thunderbird" / ".thunderbird"),
        ("Thunderbird", home / ".var" / "app" / "org.mozilla.thunderbird" / ".thunderbird"),
        ("Firefox", home / ".mozilla" / "firefox"),
        ("Firefox", config / "mozilla" / "firefox"),
        ("Firefox", home / "snap" / "firefox" / "common" / ".mozilla" / "firefox"),
        ("Firefox", home / ".var" / "app" / "org.mozilla.firefox" / ".mozilla" / "firefox"),
        ("SeaMonkey", home / ".mozilla" / "seamonkey"),
    ]


def _glob(folder: Path, pattern: str) -> list[Path]:
    try:
        return sorted(p for p in folder.glob(pattern) if p.is_dir())
    except OSError:
        return []


def find_profiles(
    *,
    home: str | os.PathLike | None = None,
    env: Mapping[str, str] | None = None,
    system: str | None = None,
) -> list[Profile]:
    """Every Thunderbird/Firefox profile folder of the user, defaults first per program.

    ``system``: ``"windows"``, ``"macos"`` or ``"linux"`` (default: this
    computer's).  Missing or unreadable folders and damaged ``profiles.ini``
    files are skipped; this never raises for them.
    """
    home_path = Path(home) if home is not None else Path.home()
    environment = os.environ if env is None else env
    found: list[Profile] = []
    seen: set[str] = set()
    for application, root in profile_roots(home_path, environment, system or _system()):
        for profile in _profiles_in(application, root):
            key = os.path.normcase(os.path.abspath(profile.path))
            if key not in seen:
                seen.add(key)
                found.append(profile)
    return found


def _profiles_in(application: str, root: Path) -> list[Profile]:
    try:
        if not root.is_dir():
            return []
    except OSError:
        return []
    listed = _read_ini(application, root)
    names = {os.path.normcase(os.path.abspath(p.path)) for p in listed}
    orphans = []
    for parent in (root / "Profiles", root):
        for folder in _glob(parent, "*"):
            if os.path.normcase(os.path.abspath(folder)) in names:
                continue
            databases = _databases(folder)
            if "key4.db" in databases or "key3.db" in databases:
                names.add(os.path.normcase(os.path.abspath(folder)))
                orphans.append(Profile(folder, application, folder.name, False, False,
                                       databases))
    present = [p for p in listed if p.path.is_dir()]
    present.sort(key=lambda p: (not p.default, p.name.lower()))
    return present + orphans


def _read_ini(application: str, root: Path) -> list[Profile]:
    ini = root / "profiles.ini"
    parser = configparser.ConfigParser(interpolation=None, strict=False)
    try:
        text = ini.read_text(encoding="utf-8-sig", errors="replace")
        parser.read_string(text, source=str(ini))
    except FileNotFoundError:
        return []
    except (OSError, configparser.Error) as e:
        log.info("%s not read: %s", ini, type(e).__name__)
        return []
    defaults = {parser.get(s, "Default", fallback="") for s in parser.sections()
                if s.lower().startswith("install")}
    out = []
    for section in parser.sections():
        if not section.lower().startswith("profile"):
            continue
        raw = parser.get(section, "Path", fallback="").strip()
        if not raw:
            continue
        folder = _resolve(root, raw, parser.get(section, "IsRelative", fallback="1").strip())
        name = parser.get(section, "Name", fallback="").strip() or folder.name
        default = parser.get(section, "Default", fallback="0").strip() == "1" or raw in defaults
        out.append(Profile(folder, application, name, default, True, _databases(folder)))
    return out


def _resolve(root: Path, raw: str, is_relative: str) -> Path:
    if is_relative == "1":
        return root.joinpath(*raw.replace("\\", "/").split("/"))
    return Path(raw)  # an absolute path, written by the program on this same system


def _databases(folder: Path) -> tuple[str, ...]:
    out = []
    for name in DATABASE_FILES:
        try:
            if (folder / name).is_file():
                out.append(name)
        except OSError:
            continue
    return tuple(out)
