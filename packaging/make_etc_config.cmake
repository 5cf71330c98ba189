# feedpop_make_etc_config(IN OUT SHARE_DIR): the installed feeds.yaml is the example with
# these changes, each checked so that a change to the example cannot slip past silently:
#   data_dir → /var/lib/feedpop (the service's StateDirectory)
#   POP3 ports 1110/1995 → 110/995 (the unit holds CAP_NET_BIND_SERVICE for them)
#   file:share/X (relative to the example's folder) → file://SHARE_DIR/X (installed there)
# Listen hosts stay as in the example (loopback): exposing the server is the admin's call.
function(feedpop_make_etc_config in out share_dir)
  file(READ ${in} text)
  string(REGEX REPLACE "(^|\n)data_dir:[^\n#]*" "\\1data_dir: /var/lib/feedpop " text "${text}")
  if(NOT text MATCHES "(^|\n)data_dir: /var/lib/feedpop")
    message(FATAL_ERROR "${in}: no top-level data_dir line to point at /var/lib/feedpop")
  endif()
  foreach(pair "1110;110" "1995;995")
    list(GET pair 0 from)
    list(GET pair 1 to)
    if(NOT text MATCHES ":${from}\"")
      message(FATAL_ERROR "${in}: no listen address with port ${from}")
    endif()
    string(REPLACE ":${from}\"" ":${to}\"" text "${text}")
  endforeach()
  string(REGEX REPLACE "(\n[ \t]*url:[ \t]*)file:share/" "\\1file://${share_dir}/" text "${text}")
  if(text MATCHES "\n[ \t]*url:[ \t]*file:[^/]")
    message(FATAL_ERROR "${in}: a relative file: URL outside share/ cannot be installed")
  endif()
  string(PREPEND text "# feedpop.service's configuration; see feeds.yaml(5). Installed from
# feeds.example.yaml with data_dir set to the service's state directory, the standard
# POP3 ports and the installed welcome feed. Edits take effect within seconds (or on
# `systemctl reload feedpop`); upgrades never overwrite this file.
#
")
  file(WRITE ${out} "${text}")
endfunction()
