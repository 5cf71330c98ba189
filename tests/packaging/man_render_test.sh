#!/usr/bin/env bash
# The generated man pages render without a single groff warning (lintian's check is the
# same: man --warnings). usage: man_render_test.sh DOCS_MAN_DIR
set -euo pipefail
dir=$1
command -v groff >/dev/null || { echo "SKIP: groff is not installed"; exit 77; }
status=0
for page in "$dir"/feedpop.1 "$dir"/feeds.yaml.5; do
  warnings=$(LC_ALL=C.UTF-8 groff -man -ww -z -Tutf8 "$page" 2>&1 || true)
  if [ -n "$warnings" ]; then
    echo "FAIL: $page: $warnings"
    status=1
  fi
  lines=$(LC_ALL=C.UTF-8 groff -man -Tutf8 "$page" 2>/dev/null | wc -l)
  if [ "$lines" -lt 40 ]; then
    echo "FAIL: $page renders to only $lines lines"
    status=1
  fi
  echo "$page: renders to $lines lines"
done
exit $status
