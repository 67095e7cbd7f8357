#!/usr/bin/env bash
# Installs carta's build and test dependencies from Debian's archive.
# Idempotent: when everything is present it prints one line and exits.
# Usage: scripts/install-deps.sh [--r]   (--r also installs R + metafor, used only to
#                                          regenerate fixtures; CI never needs it)
set -euo pipefail

packages=(
  g++ cmake ninja-build pkg-config
  libboost-dev libeigen3-dev libfmt-dev nlohmann-json3-dev libcli11-dev libtomlplusplus-dev
  libgtest-dev libgmock-dev libbenchmark-dev
  librsvg2-dev libcairo2-dev libpng-dev fonts-dejavu-core
)
if [[ "${1:-}" == "--r" ]]; then
  packages+=(r-base-core r-cran-metafor r-cran-metadat r-cran-jsonlite r-cran-lme4)
fi

missing=()
for p in "${packages[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed'; then
    missing+=("$p")
  fi
done

if [[ ${#missing[@]} -eq 0 ]]; then
  echo "install-deps: all ${#packages[@]} packages present"
  exit 0
fi

sudo=""
if [[ $(id -u) -ne 0 ]]; then sudo="sudo"; fi
echo "install-deps: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
$sudo apt-get update -qq
$sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
echo "install-deps: done"
