#!/usr/bin/env bash
# Build the one-folder app with PyInstaller and zip it with a read-me and licence notices:
#   dist/smime-archiver/            (smime-archiver, smime-archiver-gui, _internal/)
#   dist/smime-archiver-<version>-<platform>.zip
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
.venv/bin/python -m pip install -q -e ".[dist]"
start=$(date +%s)
.venv/bin/pyinstaller --noconfirm --clean --log-level WARN build.spec
app=dist/smime-archiver
cp resources/dist/LÆSMIG.txt resources/dist/README.txt "$app/"
.venv/bin/python scripts/licences.py > "$app/THIRD-PARTY-NOTICES.txt"
version=$(.venv/bin/python -c "import smime_archiver; print(smime_archiver.__version__)")
platform=$(.venv/bin/python -c "import sys, platform; print(f'{sys.platform}-{platform.machine().lower()}')")
zip="dist/smime-archiver-${version}-${platform}.zip"
rm -f "$zip"
.venv/bin/python - "$app" "$zip" <<'PY'
import sys, zipfile
from pathlib import Path
app, target = Path(sys.argv[1]), Path(sys.argv[2])
with zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as zf:
    for path in sorted(app.rglob("*")):
        info = zipfile.ZipInfo.from_file(path, Path(app.name) / path.relative_to(app))
        if path.is_file():
            with path.open("rb") as fh:
                zf.writestr(info, fh.read(), zipfile.ZIP_DEFLATED)
PY
end=$(date +%s)
echo "Built $app ($(du -sh "$app" | cut -f1)) and $zip ($(du -sh "$zip" | cut -f1)) in $((end - start)) s"
