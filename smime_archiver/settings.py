"""What the desktop app remembers between runs: a small dataclass saved as JSON.

Recent key files (their paths, never passwords), recent mail sources, the output
folder and export options, the language and the window geometry.  The file lives in
``platformdirs``' user configuration folder; a :class:`SettingsStore` is made once by
the app and handed to whoever needs it (tests give it a temporary path).
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
import tempfile
from dataclasses import asdict, dataclass, field, fields
from pathlib import Path
from typing import Any

log = logging.getLogger(__name__)

APP_NAME = "smime-archiver"
MAX_RECENT = 10
LANGUAGES = ("", "da", "en")  # "" follows the system


@dataclass
class Settings:
    recent_key_files: list[str] = field(default_factory=list)
    recent_sources: list[str] = field(default_factory=list)
    output_folder: str = ""
    language: str = ""
    window_geometry: str = ""  # base64 of the window's saved geometry (opaque to the core)
    window_state: str = ""  # base64 of the splitter positions
    export_eml: bool = False
    export_attachments: bool = False

    def add_recent_key_file(self, path: str) -> None:
        self.recent_key_files = _push(self.recent_key_files, path)

    def add_recent_source(self, path: str) -> None:
        self.recent_sources = _push(self.recent_sources, path)

    def to_json(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_json(cls, data: object) -> Settings:
        """Build from parsed JSON, keeping each known field of the right type."""
        settings = cls()
        if not isinstance(data, dict):
            return settings
        for f in fields(cls):
            if f.name not in data:
                continue
            value = data[f.name]
            default = getattr(settings, f.name)
            if isinstance(default, list):
                if isinstance(value, list) and all(isinstance(v, str) for v in value):
                    setattr(settings, f.name, value[:MAX_RECENT])
            elif isinstance(default, bool):
                if isinstance(value, bool):
                    setattr(settings, f.name, value)
            elif isinstance(value, str):
                setattr(settings, f.name, value)
        if settings.language not in LANGUAGES:
            settings.language = ""
        return settings


def _push(items: list[str], path: str) -> list[str]:
    return ([path] + [p for p in items if p != path])[:MAX_RECENT]


def default_settings_path() -> Path:
    from platformdirs import user_config_dir

    return Path(user_config_dir(APP_NAME, appauthor=False)) / "settings.json"


class SettingsStore:
    """Loads and saves :class:`Settings` at ``path`` (default: the user config folder)."""

    def __init__(self, path: str | os.PathLike[str] | None = None):
        self.path = Path(path) if path is not None else default_settings_path()

    def load(self) -> Settings:
        """The saved settings; defaults when there are none or the file is unreadable."""
        try:
            text = self.path.read_text(encoding="utf-8")
        except FileNotFoundError:
            return Settings()
        except OSError as e:
            log.warning("settings %s not readable (%s); using defaults", self.path, e)
            return Settings()
        try:
            data = json.loads(text)
        except ValueError as e:
            log.warning("settings %s damaged (%s); using defaults", self.path, e)
            return Settings()
        return Settings.from_json(data)

    def save(self, settings: Settings) -> None:
        """Write atomically (a temporary file renamed over the old one)."""
        self.path.parent.mkdir(parents=True, exist_ok=True)
        text = json.dumps(settings.to_json(), indent=2, ensure_ascii=False)
        fd, tmp = tempfile.mkstemp(prefix=".settings-", suffix=".tmp", dir=self.path.parent)
        try:
            with os.fdopen(fd, "w", encoding="utf-8") as f:
                f.write(text + "\n")
            os.replace(tmp, self.path)
        except BaseException:
            with contextlib.suppress(OSError):
                os.unlink(tmp)
            raise

