#!/usr/bin/env bash
# Builds the one-folder bundle dist/posclient/ (Linux) with PyInstaller.
#   installer/build.sh            uses $PYTHON, else .venv/bin/python (made by scripts/setup.sh),
#                                 installs the `build` extra (PyInstaller) into it if missing
# The bundle: dist/posclient/posclient (till; `posclient admin ...` for the operator commands).
set -euo pipefail
cd "$(dirname "$0")/.."
PYTHON="${PYTHON:-.venv/bin/python}"
if [ ! -x "$PYTHON" ] && ! command -v "$PYTHON" >/dev/null; then
  echo "build: $PYTHON not found (run scripts/setup.sh first or set PYTHON)" >&2
  exit 1
fi
if ! "$PYTHON" -c 'import PyInstaller' 2>/dev/null; then
  echo "build: installing PyInstaller (the build extra)"
  "$PYTHON" -m pip install -q -e ".[build]"
fi
"$PYTHON" -m PyInstaller --noconfirm --clean --log-level WARN \
  --distpath "${DISTPATH:-dist}" --workpath "${WORKPATH:-build/pyinstaller}" \
  installer/posclient.spec
echo "build: $(du -sh "${DISTPATH:-dist}/posclient" | cut -f1) in ${DISTPATH:-dist}/posclient"
