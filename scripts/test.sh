#!/usr/bin/env bash
# Sets everything up (see setup.sh --test) and runs the whole test suite, then ruff and mypy.
# Qt runs offscreen; PostgreSQL tests start a private server (set POSCLIENT_REQUIRE_POSTGRES=1
# to make its absence a failure, as CI does).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh --test
unset PYTHONDONTWRITEBYTECODE
export QT_QPA_PLATFORM=offscreen
# On every core (at most 4, pytest-xdist): most tests wait on a child process (HQ, a till, a CLI
# command), so two workers on two cores take about half the time of one.
.venv/bin/python -m pytest -q -n auto --maxprocesses 4 "$@"
.venv/bin/ruff check posclient tests
.venv/bin/mypy posclient
