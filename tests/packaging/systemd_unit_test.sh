#!/usr/bin/env bash
# feedpop.service passes `systemd-analyze verify` and rates at most 2.5 ("OK") in
# `systemd-analyze security`. The unit is instantiated with the built binary as ExecStart
# (verify checks that it is executable); the installed unit is verified again, man pages
# included, by deb_install_test.sh.
# usage: systemd_unit_test.sh feedpop.service.in FEEDPOP_BINARY WORKDIR
set -euo pipefail
template=$1 binary=$2 work=$3
command -v systemd-analyze >/dev/null || { echo "SKIP: systemd-analyze is not installed"; exit 77; }
rm -rf "$work" && mkdir -p "$work"
unit=$work/feedpop.service
sed -e "s|@FEEDPOP_BINDIR@|$(dirname "$binary")|g" -e "s|@FEEDPOP_SYSCONFDIR@|/etc|g" \
  "$template" >"$unit"
if grep -n '@[A-Z_]*@' "$unit"; then
  echo "FAIL: unsubstituted placeholder in the unit"; exit 1
fi

status=0
if ! out=$(systemd-analyze verify --man=no "$unit" 2>&1) || grep -q 'feedpop' <<<"$out"; then
  echo "FAIL: systemd-analyze verify:"; echo "$out"; status=1
else
  echo "systemd-analyze verify: ok"
fi

report=$(systemd-analyze security --offline=true --no-pager "$unit" 2>&1 || true)
score=$(sed -n 's/.*Overall exposure level for feedpop.service: \([0-9.]*\).*/\1/p' <<<"$report")
if [ -z "$score" ]; then
  echo "FAIL: no exposure level in:"; echo "$report"; exit 1
fi
echo "systemd-analyze security: exposure $score (limit 2.5)"
if ! awk -v s="$score" 'BEGIN { exit !(s <= 2.5) }'; then
  echo "FAIL: exposure $score > 2.5"; grep '✗' <<<"$report" || true; status=1
fi

# The contract of the issue, literally: the service's command, user and essentials.
for line in "ExecStart=$(dirname "$binary")/feedpop --config /etc/feedpop/feeds.yaml serve" \
  "User=feedpop" "StateDirectory=feedpop" "AmbientCapabilities=CAP_NET_BIND_SERVICE" \
  "CapabilityBoundingSet=CAP_NET_BIND_SERVICE" "ProtectSystem=strict" "ProtectHome=yes" \
  "PrivateTmp=yes" "NoNewPrivileges=yes" "SystemCallFilter=@system-service" \
  "ExecReload=/bin/kill -HUP \$MAINPID" "Restart=on-failure"; do
  grep -qxF "$line" "$unit" || { echo "FAIL: the unit lacks: $line"; status=1; }
done
exit $status
