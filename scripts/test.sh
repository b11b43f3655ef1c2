#!/usr/bin/env bash
# Run the whole test suite (sets up system packages and .venv first).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh --system
export QT_QPA_PLATFORM=offscreen
exec .venv/bin/python -m pytest -q "$@"
