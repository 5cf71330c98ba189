#!/usr/bin/env bash
# One end-to-end scenario with a real Debian mail client against a running POP3 server.
#   clients.sh SCENARIO HOST PORT TLS_PORT CAFILE USER PASSWORD COUNT WORKDIR
# Exit 0 = pass, 1 = fail (reason on stderr), 77 = client not installed (skip).
# Driven by e2e_clients_test.cpp, which resets the mailbox before each scenario.
set -uo pipefail
scenario=$1 host=$2 port=$3 tls_port=$4 ca=$5 user=$6 pass=$7 count=$8 work=$9
mkdir -p "$work"
cd "$work" || exit 1

need() { command -v "$1" >/dev/null 2>&1 || { echo "SKIP: $1 not installed" >&2; exit 77; }; }
fail() { echo "FAIL: $*" >&2; exit 1; }
maildir() { rm -rf "$1"; mkdir -p "$1/cur" "$1/new" "$1/tmp"; }
count_files() { find "$1/new" "$1/cur" -type f | wc -l; }
# The message with dot-leading lines must arrive unstuffed (RFC 1939 §3).
check_dots() {
  grep -rqx -e '.hidden' -e $'.hidden\r' "$1" || fail "no unstuffed '.hidden' line in $1"
  grep -rqx -e '..two' -e $'..two\r' "$1" || fail "no unstuffed '..two' line in $1"
}

fetchmail_run() { # name, poll options, user options; sets FM_RC, OUT
  local name=$1
  OUT="$work/$name.md"
  maildir "$OUT"
  printf '#!/bin/sh\ncat > "$(mktemp "%s/new/m.XXXXXX")"\n' "$OUT" > "$work/mda.sh"
  chmod +x "$work/mda.sh"
  export FETCHMAILHOME="$work/fmhome"
  mkdir -p "$FETCHMAILHOME" && chmod 700 "$FETCHMAILHOME"
  cat > "$work/$name.rc" <<RC
set no syslog
poll $host $2 timeout 30
  user "$user" password "$pass"
  no rewrite
  $3
  mda "$work/mda.sh"
RC
  chmod 600 "$work/$name.rc"
  # As root fetchmail locks /var/run/fetchmail.pid; a private lock lets runs overlap.
  fetchmail -v --pidfile "$work/fetchmail.pid" -f "$work/$name.rc" --idfile "$work/${IDS:-$name}.ids" > "$work/$name.log" 2>&1
  FM_RC=$?
}

mpop_run() { # name, extra config lines...; sets MP_RC, OUT
  local name=$1; shift
  OUT="$work/$name.md"
  maildir "$OUT"
  {
    echo "account check"; echo "host $host"; echo "user $user"; echo "password $pass"
    echo "timeout 30"; echo "delivery maildir $OUT"
    echo "uidls_file $work/${UIDLS:-$name}.uidls"
    printf '%s\n' "$@"
  } > "$work/$name.rc"
  chmod 600 "$work/$name.rc"
  mpop -C "$work/$name.rc" --debug check > "$work/$name.log" 2>&1
  MP_RC=$?
}

expect_all() { # rc, what
  local n
  n=$(count_files "$OUT")
  [ "$1" = 0 ] && [ "$n" = "$count" ] || fail "$2: exit $1, $n/$count delivered (log $work)"
  check_dots "$OUT"
}

CACHK="sslcertck sslcertfile \"$ca\" sslcommonname localhost"
case $scenario in
fetchmail_user_uidl)
  need fetchmail
  IDS=user fetchmail_run user "service $port protocol POP3 auth password uidl" "keep sslproto ''"
  expect_all "$FM_RC" "USER/PASS keep+uidl"
  grep -q "POP3> UIDL" "$work/user.log" || fail "fetchmail did not use UIDL"
  IDS=user fetchmail_run rerun "service $port protocol POP3 auth password uidl" "keep sslproto ''"
  [ "$FM_RC" = 1 ] && [ "$(count_files "$OUT")" = 0 ] || fail "rerun fetched again (exit $FM_RC)"
  ;;
fetchmail_apop)
  need fetchmail
  fetchmail_run apop "service $port protocol APOP uidl" "keep sslproto ''"
  expect_all "$FM_RC" "APOP"
  ;;
fetchmail_cram)
  need fetchmail
  fetchmail_run cram "service $port protocol POP3 auth cram-md5 uidl" "keep sslproto ''"
  grep -q "AUTH CRAM-MD5" "$work/cram.log" || fail "fetchmail did not send AUTH CRAM-MD5"
  expect_all "$FM_RC" "CRAM-MD5"
  ;;
fetchmail_stls)
  need fetchmail
  fetchmail_run stls "service $port protocol POP3 auth password uidl" "keep sslproto tls1.2+ $CACHK"
  grep -q "POP3> STLS" "$work/stls.log" || fail "fetchmail did not issue STLS"
  expect_all "$FM_RC" "STLS"
  ;;
fetchmail_pop3s)
  need fetchmail
  fetchmail_run pop3s "service $tls_port protocol POP3 auth password uidl" "keep ssl $CACHK"
  expect_all "$FM_RC" "implicit TLS"
  ;;
mpop_user_keep)
  need mpop
  UIDLS=user mpop_run user "port $port" "tls off" "auth user" "keep on"
  expect_all "$MP_RC" "auth user, keep on"
  UIDLS=user mpop_run rerun "port $port" "tls off" "auth user" "keep on"
  [ "$MP_RC" = 0 ] && [ "$(count_files "$OUT")" = 0 ] || fail "mpop rerun fetched again"
  ;;
mpop_plain | mpop_cram | mpop_scram | mpop_apop)
  need mpop
  mech=${scenario#mpop_}
  case $mech in cram) mech=cram-md5 ;; scram) mech=scram-sha-256 ;; esac
  mpop --version | sed -n '/^Supported authentication methods:/{n;p}' | grep -qw "$mech" ||
    { echo "SKIP: mpop lacks $mech" >&2; exit 77; }
  mpop_run "$mech" "port $port" "tls off" "auth $mech" "keep on"
  grep -qi -- "--> AUTH $mech\|--> APOP" "$work/$mech.log" || fail "mpop did not use $mech"
  expect_all "$MP_RC" "auth $mech"
  ;;
mpop_stls)
  need mpop
  mpop_run stls "port $port" "tls on" "tls_starttls on" "tls_trust_file $ca" "auth plain" "keep on"
  grep -q -- "--> STLS" "$work/stls.log" || fail "mpop did not issue STLS"
  expect_all "$MP_RC" "STLS"
  ;;
mpop_pop3s)
  need mpop
  mpop_run pop3s "port $tls_port" "tls on" "tls_starttls off" "tls_trust_file $ca" "auth user" "keep on"
  expect_all "$MP_RC" "implicit TLS"
  ;;
mpop_keep_off)
  need mpop
  mpop_run nokeep "port $port" "tls off" "auth user" "keep off"
  expect_all "$MP_RC" "keep off"
  ;;
curl_list_retr)
  need curl
  curl -sS --max-time 30 -u "$user:$pass" "pop3://$host:$port/" > list.txt || fail "curl LIST"
  [ "$(grep -c . list.txt)" = "$count" ] || fail "curl LIST shows $(grep -c . list.txt) messages"
  while read -r n size; do
    size=${size%$'\r'}
    curl -sS --max-time 30 -u "$user:$pass" "pop3://$host:$port/$n" -o "retr$n" || fail "RETR $n"
    got=$(stat -c %s "retr$n")
    [ "$got" = "$size" ] || fail "RETR $n: $got bytes, LIST said $size"
  done < list.txt
  curl -sS --max-time 30 --cacert "$ca" -u "$user:$pass" "pop3s://localhost:$tls_port/1" -o s1 ||
    fail "pop3s:// RETR 1"
  cmp -s s1 retr1 || fail "pop3s:// RETR 1 differs from pop3://"
  curl -sS --max-time 30 --ssl-reqd --cacert "$ca" -u "$user:$pass" \
    "pop3://localhost:$port/1" -o t1 || fail "STLS (--ssl-reqd) RETR 1"
  cmp -s t1 retr1 || fail "STLS RETR 1 differs"
  ;;
poplib)
  need python3
  python3 - "$host" "$port" "$user" "$pass" "$count" <<'PY' || fail "poplib check"
import poplib, sys
host, port, user, pw, count = sys.argv[1], int(sys.argv[2]), sys.argv[3], sys.argv[4], int(sys.argv[5])
p = poplib.POP3(host, port, timeout=30)
caps = p.capa()
for c in ("TOP", "UIDL", "USER", "SASL", "PIPELINING", "RESP-CODES"):
    assert c in caps, c
p.user(user); p.pass_(pw)
n, octets = p.stat()
assert n == count, (n, count)
sizes = {int(a): int(b) for a, b in (l.split() for l in p.list()[1])}
uidls = [l.split()[1] for l in p.uidl()[1]]
assert len(set(uidls)) == n
total = 0
for i in range(1, n + 1):
    resp, lines, size = p.retr(i)
    body = b"\r\n".join(lines) + b"\r\n"
    assert len(body) == sizes[i], (i, len(body), sizes[i])
    top = p.top(i, 99999999)[1]
    assert top == lines, i   # TOP n huge is the whole message
    total += sizes[i]
assert total == octets
p.quit()
PY
  ;;
*) fail "unknown scenario $scenario" ;;
esac
echo "PASS: $scenario"
