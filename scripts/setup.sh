#!/usr/bin/env bash
# Installs what posclient needs on Debian 12 / Ubuntu: system libraries (apt-get, as root or with
# sudo), a virtual environment in .venv and the package. Safe to run again: it skips what is there.
#   scripts/setup.sh           the till (Qt runtime, zbar, CJK fonts)
#   scripts/setup.sh --test    plus test tools (PostgreSQL server, Xvfb for screenshots)
set -euo pipefail
cd "$(dirname "$0")/.."

want_test=0
[ "${1:-}" = "--test" ] && want_test=1

packages=(
  python3 python3-venv python3-pip
  libgl1 libegl1 libxkbcommon0 libglib2.0-0 libfreetype6 libfontconfig1 libdbus-1-3
  fonts-dejavu-core fonts-wqy-microhei
  libxkbcommon-x11-0 libx11-xcb1 libxcb-cursor0 libxcb-icccm4 libxcb-keysyms1 libxcb-shape0
  libxcb-image0 libxcb-randr0 libxcb-render-util0 libxcb-xkb1 libxcb-glx0 libxcb-render0
  libxcb-shm0 libxcb-sync1 libxcb-util1 libxcb-xfixes0
  libpulse0 libxrandr2 libxext6 libxrender1 libdrm2 libzbar0
)
if [ "$want_test" = 1 ]; then
  packages+=(postgresql xvfb xauth imagemagick binutils)
fi

missing=()
for pkg in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || missing+=("$pkg")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "setup: installing system packages: ${missing[*]}"
  SUDO=""
  if [ "$(id -u)" != 0 ]; then
    command -v sudo >/dev/null || { echo "setup: need root or sudo for apt-get" >&2; exit 1; }
    SUDO="sudo"
  fi
  $SUDO env DEBIAN_FRONTEND=noninteractive apt-get update -qq
  $SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
    "${missing[@]}" >/dev/null
fi

PYTHON="${PYTHON:-python3}"
"$PYTHON" -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else 1)' \
  || { echo "setup: Python 3.11 or newer is needed" >&2; exit 1; }
if [ ! -x .venv/bin/python ]; then
  echo "setup: creating .venv"
  "$PYTHON" -m venv .venv
fi
unset PYTHONDONTWRITEBYTECODE
extras=""
[ "$want_test" = 1 ] && extras="[test]"
stamp=".venv/.posclient-installed$extras"
if [ ! -f "$stamp" ] || [ pyproject.toml -nt "$stamp" ]; then
  echo "setup: installing posclient$extras into .venv"
  .venv/bin/python -m pip install -q --upgrade pip
  .venv/bin/python -m pip install -q -e ".$extras"
  touch "$stamp"
fi
