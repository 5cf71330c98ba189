# Packaging tests (label: packaging); scripts in tests/packaging/. A test that cannot run
# here (no dpkg, not root, no lintian, no systemd-analyze) exits 77 and is reported as
# skipped with its reason.
find_package(Python3 REQUIRED COMPONENTS Interpreter)
set(t ${PROJECT_SOURCE_DIR}/tests/packaging)

function(feedpop_packaging_test name)
  add_test(NAME packaging.${name} COMMAND ${ARGN})
  set_tests_properties(packaging.${name} PROPERTIES LABELS packaging SKIP_RETURN_CODE 77)
endfunction()

# The man pages and the README's reference sections are what docs/gen_reference.py makes
# of docs/reference.yaml (they are committed; regenerate with `docs/gen_reference.py`).
feedpop_packaging_test(docs_up_to_date
  ${Python3_EXECUTABLE} ${PROJECT_SOURCE_DIR}/docs/gen_reference.py --check)
feedpop_packaging_test(man_pages_render ${t}/man_render_test.sh ${PROJECT_SOURCE_DIR}/docs/man)

# Every option of `feedpop --help` and `feedpop <cmd> --help` is in feedpop(1).
feedpop_packaging_test(man_covers_cli
  ${Python3_EXECUTABLE} ${t}/man_coverage_test.py cli $<TARGET_FILE:feedpop>
  ${PROJECT_SOURCE_DIR}/docs/man/feedpop.1)

# Every key the config loader accepts (gateway::config_keys()) is in feeds.yaml(5), and
# every key documented there is accepted.
add_executable(feedpop_config_keys ${CMAKE_CURRENT_SOURCE_DIR}/print_config_keys.cpp)
target_link_libraries(feedpop_config_keys PRIVATE feedpop::gateway feedpop_warnings)
feedpop_packaging_test(man_covers_config
  ${Python3_EXECUTABLE} ${t}/man_coverage_test.py config $<TARGET_FILE:feedpop_config_keys>
  ${PROJECT_SOURCE_DIR}/docs/man/feeds.yaml.5)

# The unit: `systemd-analyze verify` and `systemd-analyze security` (exposure <= 2.5).
feedpop_packaging_test(systemd_unit
  ${t}/systemd_unit_test.sh ${CMAKE_CURRENT_SOURCE_DIR}/feedpop.service.in $<TARGET_FILE:feedpop>
  ${CMAKE_CURRENT_BINARY_DIR}/test-unit)

# docker/Dockerfile's HEALTHCHECK command run against a real serve laid out as in the
# image (no Docker engine needed): healthy, then unhealthy while hung and once stopped.
feedpop_packaging_test(docker_healthcheck
  ${Python3_EXECUTABLE} ${t}/docker_healthcheck_test.py $<TARGET_FILE:feedpop> ${PROJECT_SOURCE_DIR})
set_tests_properties(packaging.docker_healthcheck PROPERTIES TIMEOUT 120)

# `cmake --install` with DESTDIR, for prefix /usr and /usr/local.
feedpop_packaging_test(install_layout
  ${t}/install_layout_test.sh ${PROJECT_BINARY_DIR} ${CMAKE_CURRENT_BINARY_DIR}/test-install)

# The Debian package: built once (fixture), then checked by lintian and installed,
# removed and purged with dpkg on this machine (CI's machines are throwaway, as root).
# Only from an unsanitized build: an ASan binary is not what ships, and the suite's
# second (asan) run would only repeat two minutes of dpkg and lintian.
if(CMAKE_CXX_FLAGS MATCHES "-fsanitize")
  foreach(name deb_build deb_lintian deb_install)
    feedpop_packaging_test(${name} ${CMAKE_COMMAND} -E echo
      "SKIP: sanitizer build; the package is built and installed from unsanitized builds")
    set_tests_properties(packaging.${name} PROPERTIES SKIP_REGULAR_EXPRESSION "SKIP:")
  endforeach()
  return()
endif()
set(deb_dir ${CMAKE_CURRENT_BINARY_DIR}/test-deb)
feedpop_packaging_test(deb_build ${t}/deb_build_test.sh ${PROJECT_BINARY_DIR} ${deb_dir}
  ${PROJECT_VERSION})
feedpop_packaging_test(deb_lintian ${t}/deb_lintian_test.sh ${deb_dir}
  ${CMAKE_CURRENT_SOURCE_DIR}/lintian-kept-warnings)
feedpop_packaging_test(deb_install ${t}/deb_install_test.sh ${deb_dir})
set_tests_properties(packaging.deb_build PROPERTIES FIXTURES_SETUP feedpop_deb)
set_tests_properties(packaging.deb_lintian packaging.deb_install PROPERTIES
  FIXTURES_REQUIRED feedpop_deb)
# dpkg has one database per machine: never two package tests at once in this build.
set_tests_properties(packaging.deb_install PROPERTIES RESOURCE_LOCK dpkg TIMEOUT 600)
set_tests_properties(packaging.deb_lintian PROPERTIES TIMEOUT 600)
