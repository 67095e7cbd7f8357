#!/usr/bin/env bash
# Installs carta's build and test dependencies from Debian's archive.
# Idempotent: when everything is present it prints one line and exits.
# Usage: scripts/install-deps.sh [--r] [--no-browser]
#   --r           also installs R + metafor, used only to regenerate fixtures; CI never needs it
#   --no-browser  skips playwright-core (npm ci), which only the browser tests use
set -euo pipefail

packages=(
  g++ cmake ninja-build pkg-config
  # liblapack-dev to link; libopenblas0-pthread serves LAPACK and BLAS fast (survival-curve's
  # J x J matrices)
  liblapack-dev libopenblas0-pthread
  libboost-dev libeigen3-dev libfmt-dev nlohmann-json3-dev libcli11-dev libtomlplusplus-dev libpugixml-dev libzip-dev
  libgtest-dev libgmock-dev libbenchmark-dev libicu-dev
  libsqlite3-dev libsqlitecpp-dev libsodium-dev libcpp-httplib-dev
  libpango1.0-dev libcairo2-dev libpng-dev libtiff-dev librsvg2-dev fonts-dejavu-core
  chromium
  # python3 writes the man pages and completions; dpkg-dev (dpkg-shlibdeps) and file give the
  # Debian package its dependencies (scripts/package.sh)
  python3 dpkg-dev file
  # zsh runs the generated zsh completion in a test (tests/package/zsh_completion_test.zsh)
  zsh
  clang libclang-rt-14-dev
)
# node and npm run the browser test; Debian's packages unless a node is already installed (a
# NodeSource node ships its own npm and conflicts with Debian's npm package).
if ! command -v node >/dev/null; then packages+=(nodejs); fi
if ! command -v npm >/dev/null; then packages+=(npm); fi
with_r=0
with_browser=1
for arg in "$@"; do
  case "$arg" in
    --r) with_r=1 ;;
    --no-browser) with_browser=0 ;;
    *) echo "install-deps: unknown option $arg (--r, --no-browser)" >&2; exit 64 ;;
  esac
done
if [[ $with_r -eq 1 ]]; then
  packages+=(r-base-core r-cran-metafor r-cran-metadat r-cran-jsonlite r-cran-lme4 r-cran-survival r-cran-numderiv)
fi

missing=()
for p in "${packages[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed'; then
    missing+=("$p")
  fi
done

if [[ ${#missing[@]} -eq 0 ]]; then
  echo "install-deps: all ${#packages[@]} packages present"
else
  sudo=""
  if [[ $(id -u) -ne 0 ]]; then sudo="sudo"; fi
  echo "install-deps: installing ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  $sudo apt-get update -qq
  $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
  echo "install-deps: done"
fi

# playwright-core for the browser test, at the version pinned in tests/browser/package-lock.json
# (from npm's registry; it drives Debian's chromium and downloads no browser of its own).
browser_dir="$(cd "$(dirname "$0")/.." && pwd)/tests/browser"
if [[ $with_browser -eq 1 && ! -d "$browser_dir/node_modules/playwright-core" ]]; then
  echo "install-deps: npm ci in tests/browser (playwright-core)"
  npm ci --prefix "$browser_dir" --no-audit --no-fund --loglevel=error >/dev/null
fi
