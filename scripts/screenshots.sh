#!/usr/bin/env bash
# Screenshots of every screen with demo data under a real X server (Xvfb), for the README:
#   scripts/screenshots.sh [OUTDIR]        (default docs/screenshots)
# 1280x800 at 96 dpi, plus the checkout at 200 % scale (high-DPI) on a 2560x1600 screen.
set -euo pipefail
cd "$(dirname "$0")/.."
OUT="${1:-docs/screenshots}"
PY="${PYTHON:-.venv/bin/python}"
[ -x "$PY" ] || PY="$(command -v python3)"
unset QT_QPA_PLATFORM PYTHONDONTWRITEBYTECODE
export PYTHONPATH="$PWD${PYTHONPATH:+:$PYTHONPATH}"

under_x() {  # under_x WxH COMMAND...: run COMMAND on a fresh Xvfb screen of that size
    local screen="$1"; shift
    if command -v xvfb-run >/dev/null; then
        xvfb-run -a -s "-screen 0 ${screen}x24 -dpi 96 -nolisten tcp" "$@"
        return
    fi
    local display=":$((90 + RANDOM % 100))"
    Xvfb "$display" -screen 0 "${screen}x24" -dpi 96 -nolisten tcp &
    local xvfb=$!
    trap 'kill $xvfb 2>/dev/null || true' RETURN
    sleep 1
    DISPLAY="$display" "$@"
}

under_x 1280x800 env QT_QPA_PLATFORM=xcb "$PY" -m posclient.ui.screenshots "$OUT"
under_x 2560x1600 env QT_QPA_PLATFORM=xcb QT_SCALE_FACTOR=2 \
    "$PY" -m posclient.ui.screenshots "$OUT" --only checkout --name checkout-hidpi-200 \
    --size 1280x800
under_x 1280x800 env QT_QPA_PLATFORM=xcb "$PY" -m posclient.ui.screenshots_first_run "$OUT"  # issue 9
echo "screenshots in $OUT"
