#!/usr/bin/env bash
# Run the built-in demo: makes a throw-away NemID-like key file and an encrypted mailbox,
# exports them to PDF and prints where the PDFs and the report are.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
exec .venv/bin/smime-archiver demo --out demo-output "$@"
