"""Settings: JSON round trip, recent lists, damaged files, no passwords."""

from __future__ import annotations

import json

from smime_archiver.settings import MAX_RECENT, Settings, SettingsStore, default_settings_path


def test_round_trip(tmp_path):
    store = SettingsStore(tmp_path / "cfg" / "settings.json")
    assert store.load() == Settings()
    s = Settings(output_folder="/home/karen/Arkiv", language="da", window_geometry="AAA=",
                 export_eml=True)
    s.add_recent_key_file("/k/2012.p12")
    s.add_recent_key_file("/k/2014.p12")
    s.add_recent_key_file("/k/2012.p12")
    store.save(s)
    loaded = store.load()
    assert loaded == s
    assert loaded.recent_key_files == ["/k/2012.p12", "/k/2014.p12"]
    assert list((tmp_path / "cfg").iterdir()) == [tmp_path / "cfg" / "settings.json"]


def test_recent_lists_are_capped():
    s = Settings()
    for i in range(MAX_RECENT + 5):
        s.add_recent_source(f"/mail/{i}")
    assert len(s.recent_sources) == MAX_RECENT
    assert s.recent_sources[0] == f"/mail/{MAX_RECENT + 4}"


def test_damaged_or_wrongly_typed_files_give_defaults(tmp_path):
    path = tmp_path / "settings.json"
    path.write_text("{not json", encoding="utf-8")
    assert SettingsStore(path).load() == Settings()
    path.write_text(json.dumps({"language": "xx", "recent_key_files": [1, 2],
                                "export_eml": "yes", "output_folder": "/out",
                                "unknown": 1}), encoding="utf-8")
    loaded = SettingsStore(path).load()
    assert loaded == Settings(output_folder="/out")


def test_settings_have_no_password_field():
    names = " ".join(Settings().to_json()).lower()
    assert "password" not in names and "secret" not in names


def test_default_path_is_in_user_config_folder():
    path = default_settings_path()
    assert path.name == "settings.json" and "smime-archiver" in str(path)
