#!/usr/bin/env bash
# `cmake --install` honours CMAKE_INSTALL_PREFIX and DESTDIR: for /usr the Debian layout
# (unit in /lib/systemd/system, config in /etc), for /usr/local everything under the
# prefix; a second install keeps an edited config.
# usage: install_layout_test.sh BUILD_DIR WORKDIR
set -euo pipefail
build=$1 work=$2
src=$(cd "$(dirname "$0")/../.." && pwd)
[ -f "$src/feeds.example.yaml" ] || { echo "SKIP: no feeds.example.yaml in the tree yet"; exit 77; }
rm -rf "$work" && mkdir -p "$work"
fail() { echo "FAIL: $*"; exit 1; }
expect_file() { [ -f "$1" ] || fail "missing $1"; }

check_prefix() { # PREFIX ROOT UNIT_DIR SYSCONF_DIR
  local prefix=$1 root=$2 unit_dir=$3 sysconf=$4
  DESTDIR=$root cmake --install "$build" --prefix "$prefix" >"$root.log" 2>&1 ||
    { cat "$root.log"; fail "cmake --install --prefix $prefix"; }
  [ -x "$root$prefix/bin/feedpop" ] || fail "no executable $root$prefix/bin/feedpop"
  for f in share/man/man1/feedpop.1.gz share/man/man5/feeds.yaml.5.gz \
    share/doc/feedpop/feeds.example.yaml share/doc/feedpop/README.md \
    share/doc/feedpop/copyright share/doc/feedpop/changelog.gz; do
    expect_file "$root$prefix/$f"
  done
  gzip -t "$root$prefix/share/man/man1/feedpop.1.gz" "$root$prefix/share/man/man5/feeds.yaml.5.gz"
  zcat "$root$prefix/share/man/man1/feedpop.1.gz" | cmp -s - "$src/docs/man/feedpop.1" ||
    fail "installed feedpop.1 differs from docs/man/feedpop.1"
  local unit=$root$unit_dir/feedpop.service
  expect_file "$unit"
  grep -qxF "ExecStart=$prefix/bin/feedpop --config $sysconf/feedpop/feeds.yaml serve" "$unit" ||
    fail "$unit: wrong ExecStart: $(grep ExecStart= "$unit")"
  local config=$root$sysconf/feedpop/feeds.yaml
  expect_file "$config"
  grep -q '^data_dir: /var/lib/feedpop' "$config" || fail "$config: data_dir is not /var/lib/feedpop"
  # Every file: feed of the installed config (the welcome feed) is installed too.
  local url
  for url in $(sed -n 's|^[[:space:]]*url:[[:space:]]*file://\([^[:space:]#]*\).*|\1|p' "$config"); do
    [ -f "$root$url" ] || fail "$config names file://$url, which is not installed"
  done
  # Nothing may land outside the prefix but the unit and the config.
  local stray
  stray=$(cd "$root" && find . -type f | sed 's|^\.||' |
    grep -v -e "^$prefix/" -e "^$unit_dir/feedpop.service\$" -e "^$sysconf/feedpop/feeds.yaml\$" || true)
  [ -z "$stray" ] || fail "installed outside the prefix: $stray"
  # An edited config survives a second install.
  echo "# edited by the admin" >>"$config"
  DESTDIR=$root cmake --install "$build" --prefix "$prefix" >"$root.log" 2>&1 || fail "reinstall"
  grep -q "edited by the admin" "$config" || fail "a second install overwrote $config"
  echo "prefix $prefix: ok ($(cd "$root" && find . -type f | wc -l) files)"
}

check_prefix /usr "$work/usr-root" /lib/systemd/system /etc
check_prefix /usr/local "$work/local-root" /usr/local/lib/systemd/system /usr/local/etc
