#!/usr/bin/env bash
# Install the Debian packages refit needs to build, test and measure coverage.
# Idempotent: does nothing (and needs no root) when all are installed.
set -euo pipefail

# gnuplot-nox: `refit verify --report` draws its figures with it (optional at run time).
packages=(build-essential cmake pkg-config check libmpfr-dev libgmp-dev gcovr python3 gnuplot-nox)

missing=()
for p in "${packages[@]}"; do
  status=$(dpkg-query -W -f='${Status}' "$p" 2>/dev/null || true)
  if [ "$status" != "install ok installed" ]; then missing+=("$p"); fi
done

if [ ${#missing[@]} -eq 0 ]; then
  echo "install-deps: all packages present: ${packages[*]}"
  exit 0
fi

echo "install-deps: missing: ${missing[*]}"
if [ "$(id -u)" -ne 0 ]; then
  echo "install-deps: run as root (apt-get install needs it), or install them yourself" >&2
  exit 1
fi
export DEBIAN_FRONTEND=noninteractive
apt-get update </dev/null
apt-get install -y "${packages[@]}" </dev/null
