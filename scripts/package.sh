#!/usr/bin/env bash
# Builds the Debian package build/carta_VERSION_ARCH.deb with CPack: the carta executable, its
# renderer module (lib/carta/), a man page per command and bash/zsh completions, generated from
# the --help texts; the dependencies come from dpkg-shlibdeps. Builds only what the package holds
# (not the tests and benchmarks). Install it with `sudo apt install ./build/carta_*.deb`.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/build.sh release carta carta_render carta_cli_docs
cpack --config build/CPackConfig.cmake -B build >build/cpack.log || { cat build/cpack.log; exit 1; }
deb="build/carta_$(cat VERSION)_$(dpkg --print-architecture).deb"
test -f "$deb" || { echo "package.sh: $deb was not written"; cat build/cpack.log; exit 1; }
echo "package.sh: $deb ($(du -h "$deb" | cut -f1))"
dpkg-deb --field "$deb" Package Version Architecture Depends
