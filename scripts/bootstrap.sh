#!/usr/bin/env bash
# Install everything the project needs from its own files (idempotent; fast when nothing changed).
#   scripts/bootstrap.sh          runtime: Python venv from requirements.lock
#   scripts/bootstrap.sh --dev    plus system packages for the tests (Chromium, LibreOffice, CJK fonts)
set -euo pipefail
cd "$(dirname "$0")/.."
PYTHON=${PYTHON:-python3.11}
command -v "$PYTHON" >/dev/null 2>&1 || PYTHON=python3
VENV=.venv
STAMP="$VENV/.lock-stamp"
want=$(sha256sum requirements.lock pyproject.toml | sha256sum | cut -d' ' -f1)

if [ ! -x "$VENV/bin/python" ]; then
  echo "==> creating virtual environment ($($PYTHON --version))"
  "$PYTHON" -m venv "$VENV"
fi
# pip warns once per package about this machine's optional local mirrors; keep real messages only
pip_quiet() { "$VENV/bin/python" -m pip "$@" 2>&1 | { grep -vE "is ignored: it is neither|BuildBackendWarning|^\s*$" || true; }; }

if [ "$(cat "$STAMP" 2>/dev/null)" != "$want" ]; then
  echo "==> installing locked Python dependencies (requirements.lock)"
  pip_quiet install --quiet --upgrade pip
  pip_quiet install --quiet -r requirements.lock
  pip_quiet install --quiet --no-deps -e . >/dev/null
  echo "$want" > "$STAMP"
fi

if [ "${1:-}" = "--dev" ]; then
  missing=()
  command -v chromium >/dev/null 2>&1 || missing+=(chromium)
  command -v soffice >/dev/null 2>&1 || missing+=(libreoffice-writer-nogui)
  command -v pdftoppm >/dev/null 2>&1 || missing+=(poppler-utils)
  dpkg-query -W -f='${Status}' fonts-noto-cjk 2>/dev/null | grep "install ok installed" >/dev/null \
    || fc-list 2>/dev/null | grep -i "Noto Sans CJK" >/dev/null || missing+=(fonts-noto-cjk)
  if [ ${#missing[@]} -gt 0 ]; then
    if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
      echo "==> installing system packages: ${missing[*]}"
      apt-get update -q >/dev/null
      DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends "${missing[@]}" >/dev/null
    else
      echo "WARNING: missing system packages (${missing[*]}); browser/preview tests will be skipped" >&2
    fi
  fi
fi
