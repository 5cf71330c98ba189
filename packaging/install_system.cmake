# Installs the systemd unit and, on first install only, the configuration. Runs inside
# cmake_install.cmake, where CMAKE_INSTALL_PREFIX is the final prefix; file(INSTALL)
# prepends $ENV{DESTDIR} to absolute destinations itself.
if(CMAKE_INSTALL_PREFIX STREQUAL "/usr" OR CMAKE_INSTALL_PREFIX STREQUAL "/")
  set(unit_dir /lib/systemd/system)
  set(sysconf_dir /etc)
else()
  set(unit_dir ${CMAKE_INSTALL_PREFIX}/lib/systemd/system)
  set(sysconf_dir ${CMAKE_INSTALL_PREFIX}/etc)
endif()
if(CMAKE_INSTALL_PREFIX STREQUAL "/")
  set(FEEDPOP_BINDIR /bin)
else()
  set(FEEDPOP_BINDIR ${CMAKE_INSTALL_PREFIX}/bin)
endif()
set(FEEDPOP_SYSCONFDIR ${sysconf_dir})
configure_file(${FEEDPOP_PKG_SOURCE}/feedpop.service.in
               ${FEEDPOP_PKG_BINARY}/unit/feedpop.service @ONLY)
file(INSTALL DESTINATION ${unit_dir} TYPE FILE FILES ${FEEDPOP_PKG_BINARY}/unit/feedpop.service)

# An administrator's configuration is never overwritten (for the Debian package it is a
# conffile, and dpkg takes over from here).
set(config "${sysconf_dir}/feedpop/feeds.yaml")
if(NOT EXISTS ${FEEDPOP_PKG_BINARY}/feeds.yaml)
  message(WARNING "No feeds.example.yaml in the source tree: no ${config} installed")
elseif(EXISTS "$ENV{DESTDIR}${config}")
  message(STATUS "Keeping existing: $ENV{DESTDIR}${config}")
else()
  file(INSTALL DESTINATION ${sysconf_dir}/feedpop TYPE FILE FILES ${FEEDPOP_PKG_BINARY}/feeds.yaml)
endif()
