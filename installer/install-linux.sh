#!/usr/bin/env bash
# Installs the built bundle (dist/posclient) into /opt/posclient with a menu entry and icon.
#   sudo installer/install-linux.sh [PREFIX]      (PREFIX defaults to /opt/posclient)
# The till's data stays in each user's data dir (~/.local/share/posclient); uninstalling
# (rm -rf PREFIX and the two files below) never touches it.
set -euo pipefail
cd "$(dirname "$0")/.."
PREFIX="${1:-/opt/posclient}"
[ -x dist/posclient/posclient ] || { echo "install: build first (installer/build.sh)" >&2; exit 1; }
mkdir -p "$PREFIX"
cp -a dist/posclient/. "$PREFIX/"
install -Dm644 installer/posclient.png /usr/share/icons/hicolor/256x256/apps/posclient.png
sed "s#/opt/posclient#$PREFIX#" installer/posclient.desktop \
  > /usr/share/applications/posclient.desktop
chmod 644 /usr/share/applications/posclient.desktop
ln -sf "$PREFIX/posclient" /usr/local/bin/posclient
echo "install: posclient in $PREFIX; menu entry and icon installed"
