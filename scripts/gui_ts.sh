#!/usr/bin/env bash
# Bring resources/translations/gui_da.ts in step with the tr() strings in smime_archiver/ui/
# (new strings arrive unfinished; translate them in Qt Linguist or by hand). The .qm is
# built by scripts/setup.sh with pyside6-lrelease and never committed.
set -euo pipefail
cd "$(dirname "$0")/.."
LUPDATE="${LUPDATE:-$(command -v pyside6-lupdate || echo .venv/bin/pyside6-lupdate)}"
"$LUPDATE" -silent -locations none -no-obsolete smime_archiver/ui/*.py \
  -target-language da_DK -ts resources/translations/gui_da.ts
