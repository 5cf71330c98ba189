#!/usr/bin/env bash
# Builds the Debian package with CPack (fixture for deb_lintian and deb_install) and
# checks its name, control fields, maintainer scripts, conffiles and contents.
# usage: deb_build_test.sh BUILD_DIR OUT_DIR VERSION
set -euo pipefail
build=$1 out=$2 version=$3
src=$(cd "$(dirname "$0")/../.." && pwd)
# A package from an earlier run must never stand in for this one (the tests using it skip).
rm -rf "$out"
command -v dpkg-deb >/dev/null || { echo "SKIP: no dpkg-deb (not a Debian system)"; exit 77; }
command -v dpkg-shlibdeps >/dev/null || { echo "SKIP: no dpkg-shlibdeps (dpkg-dev)"; exit 77; }
[ -f "$src/feeds.example.yaml" ] || { echo "SKIP: no feeds.example.yaml in the tree yet"; exit 77; }
fail() { echo "FAIL: $*"; exit 1; }
mkdir -p "$out"
(cd "$out" && cpack --config "$build/CPackConfig.cmake" -B "$out" >cpack.log 2>&1) ||
  { cat "$out/cpack.log"; fail "cpack"; }
arch=$(dpkg --print-architecture)
deb=$out/feedpop_${version}_${arch}.deb
[ -f "$deb" ] || { ls -l "$out"; fail "no $deb"; }
echo "built $(basename "$deb") ($(stat -c %s "$deb") bytes)"

field() { dpkg-deb --field "$deb" "$1"; }
[ "$(field Package)" = feedpop ] || fail "Package: $(field Package)"
[ "$(field Version)" = "$version" ] || fail "Version: $(field Version)"
depends=$(field Depends)
echo "Depends: $depends"
for dep in libc6 libstdc++6 adduser; do
  grep -q "\b$dep\b" <<<"$depends" || fail "Depends lacks $dep (dpkg-shlibdeps not run?)"
done
mkdir -p "$out/control" "$out/root"
dpkg-deb --control "$deb" "$out/control"
dpkg-deb --extract "$deb" "$out/root"
[ "$(cat "$out/control/conffiles")" = "/etc/feedpop/feeds.yaml" ] || fail "conffiles"
for script in postinst prerm postrm; do
  [ -x "$out/control/$script" ] || fail "no executable $script"
  sh -n "$out/control/$script" || fail "$script: syntax"
done
for f in usr/bin/feedpop lib/systemd/system/feedpop.service etc/feedpop/feeds.yaml \
  usr/share/man/man1/feedpop.1.gz usr/share/man/man5/feeds.yaml.5.gz \
  usr/share/doc/feedpop/copyright usr/share/doc/feedpop/changelog.gz \
  usr/share/doc/feedpop/feeds.example.yaml; do
  [ -f "$out/root/$f" ] || fail "the package lacks /$f"
done
grep -qxF "ExecStart=/usr/bin/feedpop --config /etc/feedpop/feeds.yaml serve" \
  "$out/root/lib/systemd/system/feedpop.service" || fail "unit ExecStart"
# The changelog's version is the project's (lintian and apt show it).
zcat "$out/root/usr/share/doc/feedpop/changelog.gz" | head -1 | grep -qF "feedpop ($version)" ||
  fail "packaging/changelog's first entry is not version $version"
echo "ok"
