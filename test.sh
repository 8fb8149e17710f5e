#!/usr/bin/env bash
# Installs what the tests need (Python packages, Debian's Chromium) and runs the whole suite.
#
#   bash test.sh                # lint (ruff), types (mypy) + all tests
#   bash test.sh -k search      # extra arguments go to pytest
set -euo pipefail
cd "$(dirname "$0")"

bash run.sh --install-only --extras test

if [ ! -x /usr/bin/chromium ]; then
  echo "Installing Debian's chromium for the browser tests..."
  if [ "$(id -u)" = 0 ]; then
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null
  else
    sudo apt-get update -qq && sudo DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null
  fi
fi

# The OCR tests render known text with a common font (bench/scans.py).
if [ ! -e /usr/share/fonts/truetype/liberation/LiberationSerif-Regular.ttf ] &&
   [ ! -e /usr/share/fonts/truetype/dejavu/DejaVuSerif.ttf ]; then
  if [ "$(id -u)" = 0 ]; then
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq fonts-dejavu-core >/dev/null
  else
    sudo apt-get update -qq && sudo DEBIAN_FRONTEND=noninteractive apt-get install -y -qq fonts-dejavu-core >/dev/null
  fi
fi

.venv/bin/ruff check ingest index search_app tests bench
.venv/bin/mypy  # the packages and settings are in pyproject.toml
# The engine-marked tests run once per registered engine (tests/README.md).
KB_TEST_ENGINES="${KB_TEST_ENGINES:-all}" .venv/bin/python -m pytest "$@"
