#!/usr/bin/env bash
# One end-to-end scenario with a real Debian mail client against a running SMTP server.
#   clients.sh SCENARIO HOST PORT TLS_PORT CAFILE MARKER WORKDIR
# Users: alice/secret (plaintext secret), bob/hunter2 (SCRAM verifier only). Each message
# carries a line ".MARKER" (dot-stuffed on the wire) for the caller to find.
# Exit 0 = pass, 1 = fail (reason on stderr), 77 = client not installed (skip).
set -uo pipefail
scenario=$1 host=$2 port=$3 tls_port=$4 ca=$5 marker=$6 work=$7
here=$(cd "$(dirname "$0")" && pwd)
mkdir -p "$work"
cd "$work" || exit 1

need() { command -v "$1" >/dev/null 2>&1 || { echo "SKIP: $1 not installed" >&2; exit 77; }; }
fail() { echo "FAIL: $*" >&2; exit 1; }
body() { printf 'Subject: list\r\nMessage-ID: <%s@example.org>\r\n\r\nlist\r\n.%s\r\n' "$marker" "$marker"; }

swaks_run() { # expected-exit, swaks options...
  local want=$1
  shift
  need swaks
  body > body.eml
  swaks --server "$host" --helo client.example --from alice@example.org --data @body.eml \
    --tls-verify --tls-ca-path "$ca" --timeout 20 "$@" > swaks.log 2>&1
  local rc=$?
  [ "$rc" -eq "$want" ] || { cat swaks.log >&2; fail "swaks exit $rc, expected $want"; }
}

msmtp_run() { # port, tls options, user, password, auth method
  need msmtp
  body > body.eml
  msmtp --host="$host" --port="$1" $2 --tls-trust-file="$ca" --auth="$5" --user="$3" \
    --passwordeval="echo $4" --from="$3@example.org" --domain=client.example \
    feedpop@localhost < body.eml > msmtp.log 2>&1 || { cat msmtp.log >&2; fail "msmtp failed"; }
}

python_run() { # mode user password
  need python3
  python3 "$here/smtplib_client.py" "$1" "$host" "$([[ $1 == tls-* ]] && echo "$tls_port" || echo "$port")" \
    "$ca" "$2" "$3" "$marker" > python.log 2>&1 || { cat python.log >&2; fail "smtplib $1"; }
}

case $scenario in
  swaks_starttls_plain) swaks_run 0 --port "$port" --tls --auth PLAIN --au alice --ap secret --to feedpop@localhost ;;
  swaks_tls_plain) swaks_run 0 --port "$tls_port" --tlsc --auth PLAIN --au bob --ap hunter2 --from bob@example.org --to feedpop@localhost ;;
  swaks_tls_login) swaks_run 0 --port "$tls_port" --tlsc --auth LOGIN --au alice --ap secret --to feedpop@localhost ;;
  swaks_starttls_cram_md5) swaks_run 0 --port "$port" --tls --auth CRAM-MD5 --au alice --ap secret --to subscribe@localhost ;;
  swaks_relay_denied)
    swaks_run 24 --port "$port" --tls --auth PLAIN --au alice --ap secret --to friend@example.com
    grep -Eq '<.\* +550 5\.7\.1 feedpop does not relay mail' swaks.log || { cat swaks.log >&2; fail "no 550 5.7.1"; } ;;
  swaks_no_auth)
    swaks_run 23 --port "$port" --tls --to feedpop@localhost
    grep -Eq '<.\* +530 5\.7\.0 Authentication required' swaks.log || { cat swaks.log >&2; fail "no 530 5.7.0"; } ;;
  msmtp_starttls_plain) msmtp_run "$port" "--tls=on --tls-starttls=on" alice secret plain ;;
  msmtp_tls_plain) msmtp_run "$tls_port" "--tls=on --tls-starttls=off" alice secret plain ;;
  msmtp_tls_scram) msmtp_run "$tls_port" "--tls=on --tls-starttls=off" bob hunter2 scram-sha-256 ;;
  msmtp_starttls_scram) msmtp_run "$port" "--tls=on --tls-starttls=on" bob hunter2 scram-sha-256 ;;
  python_starttls_login) python_run starttls-login alice secret ;;
  python_tls_plain) python_run tls-plain bob hunter2 ;;
  python_starttls_scram) python_run starttls-scram bob hunter2 ;;
  python_tls_scram) python_run tls-scram bob hunter2 ;;
  python_relay_denied) python_run relay-denied alice secret ;;
  python_no_auth) python_run no-auth alice secret ;;
  *) fail "unknown scenario $scenario" ;;
esac
exit 0
