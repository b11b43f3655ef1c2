"""Known token software, found where it installs itself, so nobody has to type a path.

:data:`KNOWN_MODULES` is the list the README shows: SafeNet Authentication
Client (the NemID USB keys), OpenSC (smart cards and many USB keys) and SoftHSM
(a software token, for tests).  :func:`find_modules` is a pure function of the
platform, the environment and a file-exists test, so it is tested for every
platform on any machine.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Callable, Mapping
from dataclasses import dataclass


@dataclass(frozen=True)
class KnownModule:
    """One PKCS#11 library a token maker installs, and where."""

    name: str  # the software, e.g. "SafeNet Authentication Client"
    platform: str  # "windows" | "macos" | "linux"
    paths: tuple[str, ...]  # may start with %SystemRoot%, %ProgramFiles%, %ProgramFiles(x86)%


_SAFENET = "SafeNet Authentication Client"
_OPENSC = "OpenSC"
_SOFTHSM = "SoftHSM"
_LINUX_LIBS = ("/usr/lib", "/usr/lib64", "/usr/local/lib", "/usr/lib/x86_64-linux-gnu",
               "/usr/lib/aarch64-linux-gnu")

KNOWN_MODULES: tuple[KnownModule, ...] = (
    KnownModule(_SAFENET, "windows", (r"%SystemRoot%\System32\eTPKCS11.dll",)),
    KnownModule(_SAFENET, "linux", tuple(f"{d}/libeTPkcs11.so" for d in _LINUX_LIBS)),
    KnownModule(_SAFENET, "macos", ("/usr/local/lib/libeTPkcs11.dylib",
                                    "/Library/Frameworks/eToken.framework/Versions/Current/"
                                    "libeToken.dylib")),
    KnownModule(_OPENSC, "windows", (
        r"%ProgramFiles%\OpenSC Project\OpenSC\pkcs11\opensc-pkcs11.dll",
        r"%SystemRoot%\System32\opensc-pkcs11.dll")),
    KnownModule(_OPENSC, "linux", ("/usr/lib/x86_64-linux-gnu/opensc-pkcs11.so",
                                   "/usr/lib/aarch64-linux-gnu/opensc-pkcs11.so",
                                   "/usr/lib64/opensc-pkcs11.so", "/usr/lib/opensc-pkcs11.so",
                                   "/usr/local/lib/opensc-pkcs11.so",
                                   "/usr/lib/x86_64-linux-gnu/pkcs11/opensc-pkcs11.so",
                                   "/usr/lib64/pkcs11/opensc-pkcs11.so")),
    KnownModule(_OPENSC, "macos", ("/Library/OpenSC/lib/opensc-pkcs11.so",
                                   "/Library/OpenSC/lib/opensc-pkcs11.dylib",
                                   "/usr/local/lib/opensc-pkcs11.so",
                                   "/opt/homebrew/lib/opensc-pkcs11.so")),
    KnownModule(_SOFTHSM, "windows", (r"%ProgramFiles%\SoftHSM2\lib\softhsm2-x64.dll",
                                      r"%ProgramFiles%\SoftHSM2\lib\softhsm2.dll")),
    KnownModule(_SOFTHSM, "linux", ("/usr/lib/softhsm/libsofthsm2.so",
                                    "/usr/lib/x86_64-linux-gnu/softhsm/libsofthsm2.so",
                                    "/usr/lib/aarch64-linux-gnu/softhsm/libsofthsm2.so",
                                    "/usr/lib64/softhsm/libsofthsm2.so",
                                    "/usr/local/lib/softhsm/libsofthsm2.so")),
    KnownModule(_SOFTHSM, "macos", ("/usr/local/lib/softhsm/libsofthsm2.so",
                                    "/opt/homebrew/lib/softhsm/libsofthsm2.so")),
)


@dataclass(frozen=True)
class FoundModule:
    name: str
    path: str


def current_platform() -> str:
    if sys.platform.startswith("win"):
        return "windows"
    if sys.platform == "darwin":
        return "macos"
    return "linux"


_WINDOWS_DEFAULTS = {"SystemRoot": r"C:\Windows", "ProgramFiles": r"C:\Program Files",
                     "ProgramFiles(x86)": r"C:\Program Files (x86)"}


def _expand(path: str, env: Mapping[str, str]) -> str:
    for name, default in _WINDOWS_DEFAULTS.items():
        token = f"%{name}%"
        if token in path:
            path = path.replace(token, env.get(name) or env.get(name.upper()) or default)
    return path


def find_modules(
    *,
    platform: str | None = None,
    env: Mapping[str, str] | None = None,
    exists: Callable[[str], bool] = os.path.isfile,
) -> list[FoundModule]:
    """The known PKCS#11 modules installed here, token makers first.

    One module per software and platform: the first of its paths that exists
    (Debian installs SoftHSM under two names, one a link to the other).
    """
    platform = platform or current_platform()
    env = os.environ if env is None else env
    found: list[FoundModule] = []
    seen: set[str] = set()
    for known in KNOWN_MODULES:
        if known.platform != platform:
            continue
        for pattern in known.paths:
            path = _expand(pattern, env)
            key = path.lower() if platform == "windows" else path
            if key in seen or not exists(path):
                continue
            seen.add(key)
            found.append(FoundModule(known.name, path))
            break  # one module per software
    return found
