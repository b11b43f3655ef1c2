"""Known token software found without typing a path, on every platform (pure function)."""

from __future__ import annotations

from smime_archiver.crypto.keys.pkcs11.discover import KNOWN_MODULES, FoundModule, find_modules


def _only(*paths: str):
    present = set(paths)
    return lambda path: path in present


def test_windows_safenet_and_opensc_under_their_install_folders():
    env = {"SystemRoot": r"D:\WINNT", "ProgramFiles": r"D:\Programmer"}
    found = find_modules(platform="windows", env=env, exists=_only(
        r"D:\WINNT\System32\eTPKCS11.dll",
        r"D:\Programmer\OpenSC Project\OpenSC\pkcs11\opensc-pkcs11.dll"))
    assert found == [
        FoundModule("SafeNet Authentication Client", r"D:\WINNT\System32\eTPKCS11.dll"),
        FoundModule("OpenSC", r"D:\Programmer\OpenSC Project\OpenSC\pkcs11\opensc-pkcs11.dll"),
    ]


def test_windows_defaults_when_the_environment_says_nothing():
    found = find_modules(platform="windows", env={},
                         exists=_only(r"C:\Windows\System32\eTPKCS11.dll"))
    assert found == [FoundModule("SafeNet Authentication Client",
                                 r"C:\Windows\System32\eTPKCS11.dll")]


def test_linux_one_module_per_software_first_path_wins():
    found = find_modules(platform="linux", env={}, exists=_only(
        "/usr/lib64/libeTPkcs11.so", "/usr/local/lib/libeTPkcs11.so",
        "/usr/lib/x86_64-linux-gnu/opensc-pkcs11.so",
        "/usr/lib/softhsm/libsofthsm2.so", "/usr/lib/x86_64-linux-gnu/softhsm/libsofthsm2.so"))
    assert found == [
        FoundModule("SafeNet Authentication Client", "/usr/lib64/libeTPkcs11.so"),
        FoundModule("OpenSC", "/usr/lib/x86_64-linux-gnu/opensc-pkcs11.so"),
        FoundModule("SoftHSM", "/usr/lib/softhsm/libsofthsm2.so"),
    ]


def test_macos():
    found = find_modules(platform="macos", env={}, exists=_only(
        "/usr/local/lib/libeTPkcs11.dylib", "/Library/OpenSC/lib/opensc-pkcs11.so"))
    assert [m.name for m in found] == ["SafeNet Authentication Client", "OpenSC"]


def test_nothing_installed():
    for platform in ("windows", "macos", "linux"):
        assert find_modules(platform=platform, env={}, exists=lambda _p: False) == []


def test_every_platform_knows_the_three():
    for platform in ("windows", "macos", "linux"):
        names = {k.name for k in KNOWN_MODULES if k.platform == platform}
        assert names == {"SafeNet Authentication Client", "OpenSC", "SoftHSM"}
