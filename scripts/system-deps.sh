#!/usr/bin/env bash
# Install the Debian packages EcoLife needs, when they are missing (Debian/Ubuntu, as root or with sudo).
# Usage: system-deps.sh [--no-install-recommends] [package ...]   (default: what `make run` needs)
set -euo pipefail
apt_options=()
if [ "${1:-}" = "--no-install-recommends" ]; then
  apt_options+=("$1")
  shift
fi
packages=("$@")
[ ${#packages[@]} -eq 0 ] && packages=(libfribidi0)
missing=()
for pkg in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "ok installed" || missing+=("$pkg")
done
[ ${#missing[@]} -eq 0 ] && exit 0
if ! command -v apt-get >/dev/null; then
  echo "Please install: ${missing[*]} (Thai text in posters; Chromium for the browser tests)" >&2
  exit 0
fi
sudo_cmd=()
[ "$(id -u)" -ne 0 ] && sudo_cmd=(sudo)
echo "Installing Debian packages: ${missing[*]}"
"${sudo_cmd[@]}" apt-get update -qq
DEBIAN_FRONTEND=noninteractive "${sudo_cmd[@]}" apt-get install -y -qq "${apt_options[@]}" "${missing[@]}"
