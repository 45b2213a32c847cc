#!/usr/bin/env bash
# Sets everything up (see setup.sh) and starts the till in demo mode: a throwaway data dir,
# demo products, members and coupons, and a local reference HQ.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
unset PYTHONDONTWRITEBYTECODE
exec .venv/bin/posclient --demo "$@"
