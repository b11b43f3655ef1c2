"""``find_profiles`` over made-up home folders laid out as Windows, macOS and Linux have them."""

from __future__ import annotations

import shutil
from pathlib import Path

from smime_archiver.crypto.keys.nss import find_profiles, load_nss_database
from tests.support.keyfiles import never_asked

THUNDERBIRD_INI = """\
[Install8216C80C92C4E828]
Default=Profiles/k2j4.default-release
Locked=1

[Profile1]
Name=default-release
IsRelative=1
Path=Profiles/k2j4.default-release

[Profile0]
Name=default
IsRelative=1
Path=Profiles/ab12.default
Default=1

[Profile2]
Name=Arbejde æøå
IsRelative=0
Path={absolute}

[Profile3]
Name=gone
IsRelative=1
Path=Profiles/deleted.profile

[General]
StartWithLastProfile=1
Version=2
"""


def _profile(folder: Path, *databases: str) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    for name in databases:
        (folder / name).write_bytes(b"")
    return folder


def _windows_home(tmp_path: Path) -> tuple[Path, dict]:
    home = tmp_path / "Users" / "søren"
    appdata = home / "AppData" / "Roaming"
    tb = appdata / "Thunderbird"
    _profile(tb / "Profiles" / "k2j4.default-release", "key4.db", "cert9.db")
    _profile(tb / "Profiles" / "ab12.default", "key3.db", "cert8.db", "key4.db", "cert9.db")
    elsewhere = _profile(tmp_path / "D" / "Mail profil", "key3.db", "cert8.db")
    _profile(tb / "Profiles" / "old.nemid2012", "key3.db", "cert8.db")  # orphaned
    _profile(tb / "Profiles" / "cache-only")  # no databases: not a profile worth offering
    (tb / "profiles.ini").write_text(THUNDERBIRD_INI.format(absolute=elsewhere),
                                     encoding="utf-8")
    ff = appdata / "Mozilla" / "Firefox"
    _profile(ff / "Profiles" / "x9.default", "key4.db", "cert9.db")
    (ff / "profiles.ini").write_text(
        "[Profile0]\nName=default\nIsRelative=1\nPath=Profiles/x9.default\nDefault=1\n")
    store = (home / "AppData" / "Local" / "Packages" / "Mozilla.Firefox_n80bbvh6b1yt2"
             / "LocalCache" / "Roaming" / "Mozilla" / "Firefox")
    _profile(store / "Profiles" / "st.default", "key4.db")
    (store / "profiles.ini").write_text(
        "[Profile0]\nName=store\nIsRelative=1\nPath=Profiles/st.default\n")
    env = {"APPDATA": str(appdata), "LOCALAPPDATA": str(home / "AppData" / "Local")}
    return home, env


def test_windows(tmp_path):
    home, env = _windows_home(tmp_path)
    found = find_profiles(home=home, env=env, system="windows")
    tb = home / "AppData" / "Roaming" / "Thunderbird" / "Profiles"
    by_path = {p.path: p for p in found}
    names = [(p.application, p.name, p.default, p.listed) for p in found]
    assert names == [
        ("Thunderbird", "default", True, True),  # Default=1
        ("Thunderbird", "default-release", True, True),  # the Install section's default
        ("Thunderbird", "Arbejde æøå", False, True),
        ("Thunderbird", "old.nemid2012", False, False),
        ("Firefox", "default", True, True),
        ("Firefox", "store", False, True),
    ]
    assert by_path[tb / "ab12.default"].databases == ("key4.db", "key3.db", "cert9.db",
                                                      "cert8.db")
    assert by_path[tmp_path / "D" / "Mail profil"].has_key_database
    assert all(p.path.is_dir() for p in found)  # "gone" is not offered


def test_windows_without_appdata_uses_the_home(tmp_path):
    home, _env = _windows_home(tmp_path)
    assert len(find_profiles(home=home, env={}, system="windows")) == 6


def test_macos(tmp_path):
    home = tmp_path / "søren"
    tb = home / "Library" / "Thunderbird"
    _profile(tb / "Profiles" / "q1.default", "key3.db", "cert8.db")
    (tb / "profiles.ini").write_text(
        "[General]\nStartWithLastProfile=1\n\n"
        "[Profile0]\nName=default\nIsRelative=1\nPath=Profiles/q1.default\n")
    ff = home / "Library" / "Application Support" / "Firefox"
    _profile(ff / "Profiles" / "z.default-release", "key4.db", "cert9.db")
    (ff / "profiles.ini").write_text(
        "\ufeff[Profile0]\r\nName=default-release\r\nIsRelative=1\r\n"
        "Path=Profiles/z.default-release\r\nDefault=1\r\n", encoding="utf-8")
    found = find_profiles(home=home, env={}, system="macos")
    assert [(p.application, p.path) for p in found] == [
        ("Thunderbird", tb / "Profiles" / "q1.default"),
        ("Firefox", ff / "Profiles" / "z.default-release"),
    ]


def test_linux_with_snap_flatpak_and_icedove(tmp_path):
    home = tmp_path / "soren"
    roots = {
        "tb": home / ".thunderbird",
        "icedove": home / ".icedove",
        "snap-tb": home / "snap" / "thunderbird" / "common" / ".thunderbird",
        "flatpak-tb": home / ".var" / "app" / "org.mozilla.Thunderbird" / ".thunderbird",
        "ff": home / ".mozilla" / "firefox",
        "xdg-ff": home / "cfg" / "mozilla" / "firefox",
        "flatpak-ff": home / ".var" / "app" / "org.mozilla.firefox" / ".mozilla" / "firefox",
    }
    for label, root in roots.items():
        _profile(root / f"{label}.default", "key4.db")  # Linux keeps profiles beside the ini
        (root / "profiles.ini").write_text(
            f"[Profile0]\nName={label}\nIsRelative=1\nPath={label}.default\n")
    found = find_profiles(home=home, env={"XDG_CONFIG_HOME": str(home / "cfg")},
                          system="linux")
    assert [p.name for p in found] == ["tb", "icedove", "snap-tb", "flatpak-tb", "ff",
                                       "xdg-ff", "flatpak-ff"]
    assert [p.application for p in found] == ["Thunderbird"] * 4 + ["Firefox"] * 3


def test_damaged_ini_and_missing_folders_are_skipped(tmp_path):
    home = tmp_path / "h"
    tb = home / ".thunderbird"
    _profile(tb / "a.default", "key3.db")
    (tb / "profiles.ini").write_bytes(b"\xff\xfe[[[garbage\x00\nPath=")
    found = find_profiles(home=home, env={}, system="linux")
    assert [(p.name, p.listed) for p in found] == [("a.default", False)]  # found anyway
    assert find_profiles(home=tmp_path / "nobody", env={}, system="linux") == []


def test_a_found_profile_loads(tmp_path, profiles, nss_rsa):
    home = tmp_path / "h"
    root = home / ".thunderbird"
    root.mkdir(parents=True)
    shutil.copytree(profiles["dbm", False], root / "nemid.default")
    (root / "profiles.ini").write_text(
        "[Profile0]\nName=default\nIsRelative=1\nPath=nemid.default\nDefault=1\n")
    (profile,) = find_profiles(home=home, env={}, system="linux")
    assert profile.databases == ("key3.db", "cert8.db")
    result = load_nss_database(profile.path, never_asked)
    assert nss_rsa.cert in [e.certificate for e in result.entries]
