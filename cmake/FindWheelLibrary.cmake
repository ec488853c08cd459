# Finds a C library shipped inside a PyPI wheel installed in the project's venv
# (scripts/setup puts Unicorn and Capstone there). Only the venv is searched, never
# the system: Debian's libunicorn 2.0.1 cannot run MIPS64 or PPC64.
#
#   gotramp_find_wheel_library(<Name> <package> <header> <library-file> [STATIC])
# defines the imported target <Name>::<Name>.
function(gotramp_find_wheel_library name package header libfile)
  set(kind SHARED)
  if(ARGN STREQUAL "STATIC")
    set(kind STATIC)
  endif()
  if(TARGET ${name}::${name})
    return()
  endif()
  set(venv "${GOTRAMP_VENV}")
  file(GLOB site_dirs "${venv}/lib/python3*/site-packages")
  set(hint "")
  foreach(d IN LISTS site_dirs)
    list(APPEND hint "${d}/${package}")
  endforeach()
  find_path(${name}_INCLUDE_DIR ${header}
    PATHS ${hint} PATH_SUFFIXES include NO_DEFAULT_PATH NO_CACHE)
  find_file(${name}_LIBRARY ${libfile}
    PATHS ${hint} PATH_SUFFIXES lib NO_DEFAULT_PATH NO_CACHE)
  if(NOT ${name}_INCLUDE_DIR OR NOT ${name}_LIBRARY)
    message(FATAL_ERROR
      "${name} was not found in ${venv} (looked for ${package}/include/${header} and "
      "${package}/lib/${libfile}). Run scripts/setup, or pass -DGOTRAMP_VENV=<dir>.")
  endif()
  add_library(${name}::${name} ${kind} IMPORTED GLOBAL)
  set_target_properties(${name}::${name} PROPERTIES
    IMPORTED_LOCATION "${${name}_LIBRARY}"
    INTERFACE_INCLUDE_DIRECTORIES "${${name}_INCLUDE_DIR}")
  message(STATUS "${name}: ${${name}_LIBRARY}")
  set(${name}_INCLUDE_DIR "${${name}_INCLUDE_DIR}" PARENT_SCOPE)
  set(${name}_LIBRARY "${${name}_LIBRARY}" PARENT_SCOPE)
endfunction()
