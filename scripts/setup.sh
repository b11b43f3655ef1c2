#!/usr/bin/env bash
# Set up a fresh machine for smime-archiver: system packages (with --system), a virtualenv
# in .venv with the package and its test tools, and the built GUI translations.
# Idempotent: quick when everything is already there.
set -euo pipefail
cd "$(dirname "$0")/.."

SYSTEM_PACKAGES=(openssl libnss3-tools gpgsm softhsm2 opensc poppler-utils fonts-dejavu-core xvfb
                 libegl1 libgl1 libxkbcommon0 libfontconfig1 libdbus-1-3 libglib2.0-0)

if [[ "${1:-}" == "--system" ]]; then
  missing=()
  for pkg in "${SYSTEM_PACKAGES[@]}"; do
    dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" \
      || missing+=("$pkg")
  done
  if (( ${#missing[@]} )); then
    SUDO=""
    if [[ $(id -u) -ne 0 ]]; then SUDO="sudo"; fi
    echo "Installing system packages: ${missing[*]}"
    export DEBIAN_FRONTEND=noninteractive
    $SUDO apt-get install -y -q "${missing[@]}" >/dev/null 2>&1 || {
      $SUDO apt-get update -q >/dev/null
      $SUDO apt-get install -y -q "${missing[@]}" >/dev/null
    }
  fi
fi

PYTHON="${PYTHON:-python3}"
if [[ ! -x .venv/bin/python ]]; then
  "$PYTHON" -m venv .venv
fi
stamp=".venv/.installed-$(sha256sum pyproject.toml | cut -c1-16)"
if [[ ! -f "$stamp" ]]; then
  echo "Installing Python packages into .venv ..."
  .venv/bin/python -m pip install -q --upgrade pip >/dev/null
  .venv/bin/python -m pip install -q -e ".[test,dev]"
  rm -f .venv/.installed-*
  touch "$stamp"
fi

# GUI translations: .qm files are built here, never committed.
for ts in resources/translations/*.ts; do
  [[ -e "$ts" ]] || continue
  qm="${ts%.ts}.qm"
  if [[ ! -f "$qm" || "$ts" -nt "$qm" ]]; then
    .venv/bin/pyside6-lrelease -silent "$ts" -qm "$qm"
  fi
done
