#!/usr/bin/env bash
# Set everything up and run the test suite, on a fresh machine with Python 3.11, pip and apt:
# a virtualenv (.venv) with the package and its test tools, and Debian's chromium for the
# browser tests of the maps (Playwright drives it; no browser is downloaded).
# Extra arguments go to pytest, e.g. `bash tools/test.sh -k validation`.
set -euo pipefail
cd "$(dirname "$0")/.."
python=${PYTHON:-python3}
[ -x .venv/bin/python ] || "$python" -m venv .venv
.venv/bin/python -m pip install --quiet --upgrade pip
.venv/bin/python -m pip install --quiet -e '.[dev]'
if ! command -v chromium >/dev/null 2>&1; then
  sudo=""
  [ "$(id -u)" -eq 0 ] || sudo="sudo"
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq chromium >/dev/null
fi
exec .venv/bin/python -m pytest "$@"
