#!/usr/bin/env bash
# The package's life on a real Debian system: dpkg -i, the installed feedpop runs
# (--version, check, as the feedpop user too), the unit is enabled and verifies, an edited
# conffile survives a reinstall; dpkg -r leaves only the conffile and the data; dpkg
# --purge removes those too. It changes this machine's dpkg database, so it runs only as
# root (CI's machines are throwaway) and takes a machine-wide lock against parallel runs.
# usage: deb_install_test.sh DEB_DIR
set -euo pipefail
dir=$1
[ "$(id -u)" -eq 0 ] || { echo "SKIP: not root (dpkg -i needs root)"; exit 77; }
command -v dpkg >/dev/null || { echo "SKIP: no dpkg (not a Debian system)"; exit 77; }
deb=$(compgen -G "$dir/feedpop_*.deb" | head -1 || true)
[ -n "$deb" ] || { echo "SKIP: no package was built (see packaging.deb_build)"; exit 77; }
version=$(dpkg-deb --field "$deb" Version)
skipped=""

exec 9>/var/lock/feedpop-deb-install-test.lock
flock -w 900 9 || { echo "FAIL: another deb_install test holds the lock for 15 minutes"; exit 1; }

fail() { echo "FAIL: $*"; exit 1; }
status_of() { dpkg-query -W -f='${Status}' feedpop 2>/dev/null || true; }
# dpkg refuses to run while another dpkg/apt holds its lock: wait for it (up to 10 min).
run_dpkg() {
  local out i
  for i in $(seq 120); do
    if out=$(DEBIAN_FRONTEND=noninteractive dpkg --force-confold "$@" 2>&1); then
      echo "$out"; return 0
    fi
    grep -qi 'lock' <<<"$out" || { echo "$out"; return 1; }
    sleep 5
  done
  echo "$out"; return 1
}
cleanup() { if [ -n "$(status_of)" ] && ! grep -q not-installed <<<"$(status_of)"; then
  run_dpkg --purge feedpop >/dev/null || true; fi; }
trap cleanup EXIT

# A leftover of an interrupted earlier run is purged; an admin's own /etc/feedpop is not ours.
cleanup
if [ -e /etc/feedpop ] || [ -e /var/lib/feedpop ]; then
  fail "/etc/feedpop or /var/lib/feedpop exists without the package: not touching them"
fi

echo "== dpkg -i $(basename "$deb")"
run_dpkg -i "$deb" || fail "dpkg -i"
[ "$(status_of)" = "install ok installed" ] || fail "status after install: $(status_of)"
getent passwd feedpop >/dev/null || fail "no feedpop system user"
[ "$(id -u feedpop)" -lt 1000 ] || fail "feedpop is not a system user (uid $(id -u feedpop))"
[ "$(stat -c '%U:%G %a' /etc/feedpop/feeds.yaml)" = "root:feedpop 640" ] ||
  fail "/etc/feedpop/feeds.yaml is $(stat -c '%U:%G %a' /etc/feedpop/feeds.yaml)"
[ "$(stat -c '%U' /var/lib/feedpop)" = feedpop ] || fail "/var/lib/feedpop is not feedpop's"
grep -q '^data_dir: /var/lib/feedpop' /etc/feedpop/feeds.yaml || fail "data_dir in /etc config"
for url in $(sed -n 's|^[[:space:]]*url:[[:space:]]*file://\([^[:space:]#]*\).*|\1|p' /etc/feedpop/feeds.yaml); do
  [ -f "$url" ] || fail "/etc/feedpop/feeds.yaml names file://$url, which is not installed"
done

out=$(/usr/bin/feedpop --version) || fail "feedpop --version"
echo "feedpop --version: $out"
grep -qF "$version" <<<"$out" || fail "--version does not say $version"

if /usr/bin/feedpop check --help 2>&1 | grep -q 'not yet implemented'; then
  skipped="feedpop check is not implemented yet"
else
  out=$(/usr/bin/feedpop --config /etc/feedpop/feeds.yaml check 2>&1) ||
    fail "feedpop check on the packaged config: $out"
  echo "feedpop check: $out"
  out=$(runuser -u feedpop -- /usr/bin/feedpop --config /etc/feedpop/feeds.yaml check 2>&1) ||
    fail "feedpop check as the feedpop user: $out"
fi

[ -L /etc/systemd/system/multi-user.target.wants/feedpop.service ] || fail "unit not enabled"
if command -v systemd-analyze >/dev/null; then
  out=$(systemd-analyze verify /lib/systemd/system/feedpop.service 2>&1) && ! grep -q feedpop <<<"$out" ||
    fail "systemd-analyze verify of the installed unit: $out"
  echo "systemd-analyze verify (installed, man pages included): ok"
fi
[ "$(man -w feedpop 2>/dev/null)" = /usr/share/man/man1/feedpop.1.gz ] || fail "man -w feedpop"
[ "$(man -w 5 feeds.yaml 2>/dev/null)" = /usr/share/man/man5/feeds.yaml.5.gz ] || fail "man -w 5 feeds.yaml"

echo "== an edited conffile survives a reinstall"
echo "# edited by the admin" >>/etc/feedpop/feeds.yaml
runuser -u feedpop -- touch /var/lib/feedpop/state.db
run_dpkg -i "$deb" >/dev/null || fail "dpkg -i (reinstall)"
grep -q "edited by the admin" /etc/feedpop/feeds.yaml || fail "reinstall overwrote the conffile"

echo "== dpkg -r"
files=$(dpkg-deb --contents "$deb" | awk '$1 !~ /^d/ {print $6}' | sed 's|^\./|/|')
run_dpkg -r feedpop >/dev/null || fail "dpkg -r"
[ "$(status_of)" = "deinstall ok config-files" ] || fail "status after remove: $(status_of)"
left=$(for f in $files; do [ -e "$f" ] && echo "$f"; done | grep -vxF /etc/feedpop/feeds.yaml || true)
[ -z "$left" ] || fail "left after dpkg -r: $left"
grep -q "edited by the admin" /etc/feedpop/feeds.yaml || fail "dpkg -r lost the conffile"
[ -f /var/lib/feedpop/state.db ] || fail "dpkg -r lost the data"
echo "left after remove: /etc/feedpop/feeds.yaml, /var/lib/feedpop (as intended)"

echo "== dpkg --purge"
run_dpkg --purge feedpop >/dev/null || fail "dpkg --purge"
[ -z "$(status_of)" ] || grep -q not-installed <<<"$(status_of)" || fail "status after purge: $(status_of)"
[ ! -e /etc/feedpop ] || fail "/etc/feedpop left after purge"
[ ! -e /var/lib/feedpop ] || fail "/var/lib/feedpop left after purge"
! dpkg-statoverride --list /etc/feedpop/feeds.yaml >/dev/null || fail "statoverride left after purge"
stray=$(find /etc/systemd /var/lib/systemd/deb-systemd-helper-enabled -name '*feedpop*' 2>/dev/null || true)
[ -z "$stray" ] || fail "systemd state left after purge: $stray"
echo "purged: nothing left (the feedpop system user is kept, as Debian does)"

if [ -n "$skipped" ]; then
  echo "SKIP (partly): $skipped; everything else passed"
  exit 77
fi
echo "ok"
