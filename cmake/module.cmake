# feedpop_module(NAME DEPS...) defines feedpop::NAME from the .cpp files in the current
# folder. The folder *is* the library (STYLE.md §1); DEPS are exactly DESIGN.md's arrows.
function(feedpop_module name)
  cmake_parse_arguments(M "" "" "PUBLIC;PRIVATE" ${ARGN})
  file(GLOB srcs CONFIGURE_DEPENDS ${CMAKE_CURRENT_SOURCE_DIR}/*.cpp)
  if(NOT srcs)
    # A folder with headers only so far: still a target, so dependents link the same way.
    add_library(feedpop_${name} INTERFACE)
    add_library(feedpop::${name} ALIAS feedpop_${name})
    target_include_directories(feedpop_${name} INTERFACE ${PROJECT_SOURCE_DIR})
    target_link_libraries(feedpop_${name} INTERFACE ${M_PUBLIC})
    return()
  endif()
  add_library(feedpop_${name} STATIC ${srcs})
  add_library(feedpop::${name} ALIAS feedpop_${name})
  target_include_directories(feedpop_${name} PUBLIC ${PROJECT_SOURCE_DIR})
  target_link_libraries(feedpop_${name} PUBLIC ${M_PUBLIC} PRIVATE feedpop_warnings ${M_PRIVATE})
  target_compile_definitions(feedpop_${name} PUBLIC FEEDPOP_VERSION="${PROJECT_VERSION}")
endfunction()
