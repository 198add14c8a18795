#!/usr/bin/env bash
# Make sure the system packages that the Python set-up needs are present:
# - libmagic (Debian package libmagic1), which python-magic loads to recognise
#   attachment types. Debian's minimal images and python:3.11-slim lack it.
# - ensurepip (Debian package python3-venv), without which `python3 -m venv`
#   fails on Debian's own Python.
# As root with apt-get the script installs what is missing, otherwise it
# prints the command to run.
set -euo pipefail

PYTHON="${PYTHON:-python3}"
missing=()

if ! "$PYTHON" -c 'import ctypes.util, sys; sys.exit(0 if ctypes.util.find_library("magic") else 1)'; then
    missing+=("libmagic1")
fi
if [ ! -x .venv/bin/python ] && ! "$PYTHON" -c 'import ensurepip' 2>/dev/null; then
    missing+=("python3-venv")
fi

if [ "${#missing[@]}" -eq 0 ]; then
    exit 0
fi

if [ "$(id -u)" = "0" ] && command -v apt-get >/dev/null; then
    echo "Installing the missing Debian packages: ${missing[*]}." >&2
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}"
    exit 0
fi

cat >&2 <<MESSAGE
Missing system packages: ${missing[*]}.
libmagic1 lets python-magic recognise attachment types, and python3-venv lets
Python create .venv. Install them, then run this command again:
  Debian or Ubuntu: sudo apt-get install ${missing[*]}
  Fedora:           sudo dnf install file-libs (venv is included)
  macOS:            brew install libmagic (venv is included)
MESSAGE
exit 1
