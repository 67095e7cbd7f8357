#!/usr/bin/env bash
# The Debian package as a user gets it (issue 22): CPack builds it into a temporary folder,
# dpkg-deb -x unpacks it somewhere that is not /usr (no dpkg -i), and the unpacked carta prints
# its version and runs the bundled example, loading its renderer module from its own lib/carta/
# (the tree is relocatable), with man pages and completions in place.
#   package_test.sh CPACK_EXE CPACK_CONFIG SOURCE_DIR
set -euo pipefail
cpack="$1"
config="$2"
src="$3"
dir="$(mktemp -d)"
trap 'rm -rf "$dir"' EXIT
fail() { echo "FAIL: $*"; exit 1; }

"$cpack" --config "$config" -B "$dir/pkg" >"$dir/cpack.log" 2>&1 || { cat "$dir/cpack.log"; fail "cpack"; }
version="$(cat "$src/VERSION")"
deb="$dir/pkg/carta_${version}_$(dpkg --print-architecture).deb"
[[ -f "$deb" ]] || { ls "$dir/pkg"; fail "no $deb"; }
echo "package: $(basename "$deb"), $(du -k "$deb" | cut -f1) KiB"

# Control fields: name, version, and the libraries dpkg-shlibdeps found (cairo and pango for the
# renderer module, ICU and SQLite for the executable).
depends="$(dpkg-deb --field "$deb" Depends)"
[[ "$(dpkg-deb --field "$deb" Package)" == carta ]] || fail "Package field"
[[ "$(dpkg-deb --field "$deb" Version)" == "$version" ]] || fail "Version field"
for lib in libc6 libcairo2 libpango-1.0-0 libicu libsqlite3 libsodium fonts-dejavu-core; do
  [[ "$depends" == *"$lib"* ]] || fail "Depends lacks $lib: $depends"
done

dpkg-deb -x "$deb" "$dir/root"
root="$dir/root/usr"
for f in bin/carta lib/carta/libcarta_render.so share/man/man1/carta.1.gz share/man/man1/carta-report.1.gz \
         share/bash-completion/completions/carta share/zsh/vendor-completions/_carta \
         share/doc/carta/README.md share/doc/carta/CHANGELOG.md share/doc/carta/examples/cart-ball/review.toml; do
  [[ -f "$root/$f" ]] || fail "the package has no usr/$f"
done
for page in "$root"/share/man/man1/*.1.gz; do
  gzip -t "$page" || fail "$page is not gzip"
  zcat "$page" | grep -q '^\.TH ' || fail "$page has no .TH header"
done

# Nothing from the build tree: not the loader's path, not the build folder.
unset LD_LIBRARY_PATH
out="$("$root/bin/carta" --version)"
[[ "$out" == "carta $version (commit "*", build type "*")" ]] || fail "carta --version printed: $out"
echo "$out"

cd "$src"
"$root/bin/carta" report examples/cart-ball/review.toml --out "$dir/report" >"$dir/report.log" 2>&1 \
  || { cat "$dir/report.log"; fail "carta report with the unpacked binary"; }
[[ -f "$dir/report/index.html" ]] || fail "no index.html"
ls "$dir/report/figures/"*.png >/dev/null 2>&1 || fail "no PNG figures (renderer module not loaded?)"
ls "$dir/report/figures/"*.pdf >/dev/null 2>&1 || fail "no PDF figures"
echo "ok: the unpacked package ran the example ($(ls "$dir/report/figures" | wc -l) figure files)"

# Relocatable: the same tree moved elsewhere still finds its module.
mv "$dir/root" "$dir/moved"
"$dir/moved/usr/bin/carta" pool examples/cart-ball/studies.csv --events cr_events --n cr_n --label study_id \
  --forest "$dir/forest.png" >/dev/null || fail "the moved tree"
[[ -s "$dir/forest.png" ]] || fail "the moved tree drew no PNG"
echo "ok: relocated tree draws PNG"
