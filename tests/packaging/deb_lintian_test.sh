#!/usr/bin/env bash
# lintian finds no error in the package, and no warning that packaging/lintian-kept-warnings
# does not list (each kept one is explained there).
# usage: deb_lintian_test.sh DEB_DIR KEPT_WARNINGS_FILE
set -euo pipefail
dir=$1 kept=$2
command -v lintian >/dev/null || { echo "SKIP: lintian is not installed (scripts/bootstrap installs it)"; exit 77; }
deb=$(compgen -G "$dir/feedpop_*.deb" | head -1 || true)
[ -n "$deb" ] || { echo "SKIP: no package was built (see packaging.deb_build)"; exit 77; }
report=$(lintian --no-cfg --display-level '>=warning' --tag-display-limit 0 "$deb" 2>&1 || true)
echo "$report"
allowed=$(grep -v -e '^#' -e '^[[:space:]]*$' "$kept" | awk '{print $1}' || true)
status=0
while IFS= read -r line; do
  [ -n "$line" ] || continue
  case "$line" in
    E:*) echo "FAIL (error): $line"; status=1 ;;
    W:*)
      tag=$(awk '{print $3}' <<<"$line")
      grep -qxF "$tag" <<<"$allowed" || { echo "FAIL (unexplained warning): $line"; status=1; } ;;
  esac
done <<<"$report"
[ $status -eq 0 ] && echo "lintian: no errors, only kept warnings"
exit $status
