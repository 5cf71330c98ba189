# Installs the systemd unit and, on first install only, the configuration. Runs inside
# cmake_install.cmake, where CMAKE_INSTALL_PREFIX is the final prefix (CPack: /usr);
# file(INSTALL) prepends $ENV{DESTDIR} to absolute destinations itself.
include(${FEEDPOP_PKG_SOURCE}/make_etc_config.cmake)
if(CMAKE_INSTALL_PREFIX STREQUAL "/usr" OR CMAKE_INSTALL_PREFIX STREQUAL "/")
  set(unit_dir /lib/systemd/system)
  set(sysconf_dir /etc)
else()
  set(unit_dir ${CMAKE_INSTALL_PREFIX}/lib/systemd/system)
  set(sysconf_dir ${CMAKE_INSTALL_PREFIX}/etc)
endif()
if(CMAKE_INSTALL_PREFIX STREQUAL "/")
  set(FEEDPOP_BINDIR /bin)
  set(share_dir /usr/share/feedpop)
else()
  set(FEEDPOP_BINDIR ${CMAKE_INSTALL_PREFIX}/bin)
  set(share_dir ${CMAKE_INSTALL_PREFIX}/share/feedpop)
endif()
set(FEEDPOP_SYSCONFDIR ${sysconf_dir})
set(stage ${FEEDPOP_PKG_BINARY}/install-stage)
configure_file(${FEEDPOP_PKG_SOURCE}/feedpop.service.in ${stage}/feedpop.service @ONLY)
file(INSTALL DESTINATION ${unit_dir} TYPE FILE FILES ${stage}/feedpop.service)

# An administrator's configuration is never overwritten (for the Debian package it is a
# conffile, and dpkg takes over from here).
set(config "${sysconf_dir}/feedpop/feeds.yaml")
if(NOT EXISTS ${FEEDPOP_EXAMPLE_CONFIG})
  message(WARNING "No ${FEEDPOP_EXAMPLE_CONFIG} in the source tree: no ${config} installed")
elseif(EXISTS "$ENV{DESTDIR}${config}")
  message(STATUS "Keeping existing: $ENV{DESTDIR}${config}")
else()
  feedpop_make_etc_config(${FEEDPOP_EXAMPLE_CONFIG} ${stage}/feeds.yaml ${share_dir})
  file(INSTALL DESTINATION ${sysconf_dir}/feedpop TYPE FILE FILES ${stage}/feeds.yaml)
endif()
