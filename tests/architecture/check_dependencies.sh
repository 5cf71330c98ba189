#!/usr/bin/env bash
# Proves DESIGN.md's module table cannot drift: every #include of a project folder and
# every external library header is checked against what that folder may use, and each
# folder's CMakeLists.txt links only the allowed targets. Exit 1 on the first violation list.
set -uo pipefail
root=${1:-$(cd "$(dirname "$0")/../.." && pwd)}
fail=0

# folder → project folders it may include (besides itself)
declare -A allowed_project=(
  [common]=""
  [feeds]="common"
  [content]="common feeds"
  [mail]="common feeds"
  [storage]="common"
  [auth]="common"
  [pop3]="common auth"
  [web]="common auth"
  [smtp]="common auth"
  [ingest]="common content feeds mail storage"
  [gateway]="common feeds content mail storage auth pop3 smtp web ingest"
)
# folder → external headers it must never include (regex on the include path)
declare -A forbidden_external=(
  [common]='^(curl/|sqlite3\.h|boost/|pugixml|nlohmann/|openssl/ssl\.h)'
  [feeds]='^(sqlite3\.h|boost/asio|openssl/ssl\.h)'
  [content]='^(sqlite3\.h|boost/asio|pqxx|libpq)'
  [mail]='^(curl/|sqlite3\.h|boost/asio|pugixml)'
  [storage]='^(curl/|boost/asio|pugixml|openssl/ssl\.h)'
  [auth]='^(curl/|sqlite3\.h|boost/|pugixml|nlohmann/|openssl/ssl\.h)'
  [pop3]='^(curl/|sqlite3\.h|pugixml|nlohmann/)'
  [web]='^(curl/|sqlite3\.h|pugixml|nlohmann/|libpq)'
  [smtp]='^(curl/|sqlite3\.h|pugixml|nlohmann/)'
  [ingest]='^(curl/|sqlite3\.h|boost/asio|pugixml|openssl/ssl\.h)'
  [gateway]='^$'
)
# folder → link targets its CMakeLists.txt must not name
declare -A forbidden_links=(
  [common]='CURL::|SQLite::|feedpop::(feeds|mail|storage|pop3)|Boost::|pugixml'
  [feeds]='SQLite::|feedpop::(mail|storage|pop3)|Boost::'
  [content]='SQLite::|feedpop::(mail|storage|pop3|auth|ingest|smtp|web)|Boost::'
  [mail]='CURL::|SQLite::|feedpop::(storage|pop3)|Boost::|pugixml'
  [storage]='CURL::|feedpop::(feeds|mail|pop3)|Boost::|pugixml'
  [auth]='CURL::|SQLite::|feedpop::(feeds|mail|storage|pop3|gateway)|Boost::|pugixml|OpenSSL::SSL'
  [pop3]='CURL::|SQLite::|feedpop::(feeds|mail|storage)|pugixml'
  [web]='CURL::|SQLite::|feedpop::(feeds|content|mail|storage|pop3|smtp|ingest|gateway)|pugixml'
  [smtp]='CURL::|SQLite::|feedpop::(feeds|content|mail|storage|pop3|web|ingest|gateway)|pugixml'
  [ingest]='CURL::|SQLite::|feedpop::(pop3|gateway)|Boost::|pugixml'
  [gateway]='^$'
)

# Every folder of the table is checked; a folder listed there but absent is an error.
folders=" ${!allowed_project[*]} "
for dir in ${!allowed_project[@]}; do
  [ -d "$root/$dir" ] || { echo "missing folder $dir/"; fail=1; continue; }
  while IFS= read -r line; do
    file=${line%%:*}
    inc=$(sed -E 's/.*#include[[:space:]]*[<"]([^>"]+)[>"].*/\1/' <<<"$line")
    top=${inc%%/*}
    if [[ "$inc" == */* ]] && [[ "$folders" == *" $top "* ]]; then
      if [ "$top" != "$dir" ] && [[ " ${allowed_project[$dir]} " != *" $top "* ]]; then
        echo "VIOLATION: $file includes $inc ($dir/ may not depend on $top/)"
        fail=1
      fi
    elif [ -n "${forbidden_external[$dir]#^\$}" ] && grep -Eq "${forbidden_external[$dir]}" <<<"$inc"; then
      echo "VIOLATION: $file includes external $inc (not allowed in $dir/)"
      fail=1
    fi
  done < <(grep -rEn --include='*.hpp' --include='*.cpp' --include='*.h' '^[[:space:]]*#[[:space:]]*include' "$root/$dir" | sed -E 's/^([^:]+):[0-9]+:/\1:/')
  if [ "${forbidden_links[$dir]}" != '^$' ] && grep -Ev '^[[:space:]]*#' "$root/$dir/CMakeLists.txt" | grep -Eq "${forbidden_links[$dir]}"; then
    echo "VIOLATION: $dir/CMakeLists.txt links $(grep -Eo "${forbidden_links[$dir]}" "$root/$dir/CMakeLists.txt" | head -1)"
    fail=1
  fi
done
# libvips (images_max_width scaling) belongs to content/ alone: no other folder includes
# its headers or links it (gateway/ neither: it reaches images through content/).
for dir in ${!allowed_project[@]}; do
  [ "$dir" = content ] && continue
  if grep -rEln --include='*.hpp' --include='*.cpp' '^[[:space:]]*#[[:space:]]*include[[:space:]]*[<"]vips/' "$root/$dir" 2>/dev/null | grep -q .; then
    echo "VIOLATION: $dir/ includes libvips headers (content/ only)"
    fail=1
  fi
  if grep -Ev '^[[:space:]]*#' "$root/$dir/CMakeLists.txt" 2>/dev/null | grep -q 'PkgConfig::VIPS'; then
    echo "VIOLATION: $dir/CMakeLists.txt links libvips (content/ only)"
    fail=1
  fi
done
[ $fail -eq 0 ] && echo "module dependencies match DESIGN.md"
exit $fail
