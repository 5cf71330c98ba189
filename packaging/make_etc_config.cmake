# cmake -DIN=feeds.example.yaml -DOUT=feeds.yaml -P make_etc_config.cmake
# The packaged /etc/feedpop/feeds.yaml is the example with two changes, each checked so a
# change to the example cannot silently slip past:
#   data_dir → /var/lib/feedpop (the service's StateDirectory)
#   POP3 ports 1110/1995 → 110/995 (the unit holds CAP_NET_BIND_SERVICE for them)
# Listen hosts stay as in the example (loopback): exposing the server is the admin's call.
if(NOT EXISTS ${IN})
  # Not written yet: no packaged config (install_system.cmake and the tests notice).
  file(REMOVE ${OUT})
  return()
endif()
file(READ ${IN} text)
string(REGEX REPLACE "(^|\n)data_dir:[^\n#]*" "\\1data_dir: /var/lib/feedpop " text "${text}")
if(NOT text MATCHES "(^|\n)data_dir: /var/lib/feedpop")
  message(FATAL_ERROR "${IN}: no top-level data_dir line to point at /var/lib/feedpop")
endif()
foreach(pair "1110;110" "1995;995")
  list(GET pair 0 from)
  list(GET pair 1 to)
  if(NOT text MATCHES ":${from}\"")
    message(FATAL_ERROR "${IN}: no listen address with port ${from}")
  endif()
  string(REPLACE ":${from}\"" ":${to}\"" text "${text}")
endforeach()
string(PREPEND text "# /etc/feedpop/feeds.yaml: the configuration of feedpop.service; see feeds.yaml(5).
# Installed from /usr/share/doc/feedpop/feeds.example.yaml with data_dir set to the
# service's state directory and the standard POP3 ports. Edits take effect within
# seconds (or on `systemctl reload feedpop`); this file is never overwritten by upgrades.
#
")
if(EXISTS ${OUT})
  file(READ ${OUT} old)
  if(old STREQUAL text)
    return()
  endif()
endif()
file(WRITE ${OUT} "${text}")
