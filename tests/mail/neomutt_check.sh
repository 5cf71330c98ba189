#!/usr/bin/env bash
# A real mail client reads what `feedpop render` writes: the mbox is opened in neomutt
# inside tmux, and the screen (tmux capture-pane) must show decoded subjects in the index
# and a readable text body in the pager. Exit 77 (skip) when neomutt, tmux or the binary
# is missing.
# Usage: neomutt_check.sh FEEDPOP_BINARY FEED_FILE
set -uo pipefail
feedpop=$1
feed=$2
command -v neomutt >/dev/null && command -v tmux >/dev/null || { echo "neomutt or tmux missing"; exit 77; }
[ -x "$feedpop" ] || { echo "no feedpop binary at $feedpop"; exit 77; }

work=$(mktemp -d)
session="feedpop-neomutt-$$"
cleanup() { tmux -L "$session" kill-server 2>/dev/null; rm -rf "$work"; }
trap cleanup EXIT

"$feedpop" render --key demo "$feed" >"$work/mbox" || { echo "feedpop render failed"; exit 1; }
cat >"$work/muttrc" <<RC
set folder="$work"
set spoolfile="$work/mbox"
set mbox_type=mbox
set header_cache=""
set message_cachedir=""
set mail_check=0
set sort=date-sent
set index_format="%4C %-28.28n %s"
set pager_index_lines=0
set charset="utf-8"
set confirmappend=no
set help=no
set wait_key=no
RC

capture() { tmux -L "$session" capture-pane -p -t "$session" ; }
wait_for() { # pattern, seconds
  for _ in $(seq 1 $(( $2 * 5 ))); do
    if capture | grep -qF -- "$1"; then return 0; fi
    sleep 0.2
  done
  echo "screen never showed: $1"; capture; return 1
}

tmux -L "$session" -f /dev/null new-session -d -s "$session" -x 200 -y 50 \
  "env HOME=$work LANG=C.UTF-8 LC_ALL=C.UTF-8 TERM=xterm-256color neomutt -n -F $work/muttrc -f $work/mbox" || exit 1

fail=0
# Index: every subject decoded (RFC 2047), the long ASCII one unfolded, the From names too.
wait_for "Grüße aus Köln — 日本語のタイトル" 10 || fail=1
wait_for "Plain ASCII title that is long enough to be folded" 2 || fail=1
wait_for "Новая версия: نسخة جديدة" 2 || fail=1
wait_for "Jürgen Müller (Blög of Ünïcö" 2 || fail=1
if capture | grep -qE '=\?UTF-8\?|=C3='; then echo "undecoded text in the index"; capture; fail=1; fi

# Pager: open the first message (sorted by date: the German one) and read its body.
tmux -L "$session" send-keys -t "$session" Enter
wait_for "Ein erster Absatz mit einem Verweis [1]" 10 || fail=1
wait_for "• Erster Punkt" 2 || fail=1
wait_for "> Ein Zitat von jemandem." 2 || fail=1
wait_for "[1] https://blog.example.org/links/one" 2 || fail=1
if capture | grep -qE '=\?UTF-8\?|=C3=|<p>|alert'; then echo "raw encoding, markup or script in the pager"; capture; fail=1; fi
[ $fail -eq 0 ] && echo "neomutt shows decoded subjects and readable bodies"
exit $fail
