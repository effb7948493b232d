#!/usr/bin/env bash
# Set everything up and run the test suite, on a fresh machine with Python 3.11, pip and apt:
# a virtualenv (.venv) with the package and its test tools, and Debian's chromium for the
# browser tests of the maps (Playwright drives it; no browser is downloaded).
# Extra arguments go to pytest, e.g. `bash tools/test.sh -k validation`.
#
# When the machine also has a second supported interpreter (Python 3.13 or 3.12, on PATH or
# under pyenv), the suite runs again with it in .venv-<version>. SECOND_PYTHON=none skips that;
# SECOND_PYTHON=/path/to/python chooses it.
set -euo pipefail
cd "$(dirname "$0")/.."
python=${PYTHON:-python3}
workers=${PYTEST_WORKERS:-2}

setup_venv() {  # setup_venv <venv folder> <python>
  [ -x "$1/bin/python" ] || "$2" -m venv "$1"
  "$1/bin/python" -m pip install --quiet --upgrade pip
  "$1/bin/python" -m pip install --quiet -e '.[dev]'
}

second_python() {  # prints a working interpreter of another supported version, if any
  local main_version candidate
  main_version=$(.venv/bin/python -c 'import sys; print("%d.%d" % sys.version_info[:2])')
  if [ -n "${SECOND_PYTHON:-}" ]; then
    [ "$SECOND_PYTHON" = none ] || echo "$SECOND_PYTHON"
    return
  fi
  local pyenv_root
  pyenv_root=$(pyenv root 2>/dev/null || echo "$HOME/.pyenv")
  for candidate in python3.13 python3.12 "$pyenv_root"/versions/3.13*/bin/python3 \
    "$pyenv_root"/versions/3.12*/bin/python3; do
    # pyenv shims exist for versions that are not selected: check the interpreter runs.
    if "$candidate" -c 'import sys; assert sys.version_info[:2] in ((3, 12), (3, 13))' \
      >/dev/null 2>&1; then
      if [ "$("$candidate" -c 'import sys; print("%d.%d" % sys.version_info[:2])')" != "$main_version" ]; then
        echo "$candidate"
        return
      fi
    fi
  done
}

setup_venv .venv "$python"
if ! command -v chromium >/dev/null 2>&1; then
  sudo=""
  [ "$(id -u)" -eq 0 ] || sudo="sudo"
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq chromium >/dev/null
fi
.venv/bin/python -m pytest -n "$workers" "$@"

second=$(second_python)
if [ -n "$second" ]; then
  version=$("$second" -c 'import sys; print("%d.%d" % sys.version_info[:2])')
  echo "== the suite again on Python $version ($second)"
  setup_venv ".venv-$version" "$second"
  ".venv-$version/bin/python" -m pytest -n "$workers" "$@"
fi
