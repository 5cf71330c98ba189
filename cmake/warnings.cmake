# Warnings live in an INTERFACE target linked PRIVATE by each project target
# (STYLE.md §9), never in CMAKE_CXX_FLAGS, so third-party headers are unaffected.
add_library(feedpop_warnings INTERFACE)
target_compile_options(feedpop_warnings INTERFACE
  -Wall -Wextra -Wpedantic -Wshadow -Wnon-virtual-dtor -Wcast-align -Woverloaded-virtual
  -Wnull-dereference -Wimplicit-fallthrough -Wformat=2 -Werror)
