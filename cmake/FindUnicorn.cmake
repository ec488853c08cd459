# Unicorn 2.1.4 from the PyPI wheel (see FindWheelLibrary.cmake).
include(${CMAKE_CURRENT_LIST_DIR}/FindWheelLibrary.cmake)
# The static library from the same wheel: a process that links the 24 MiB shared
# library spends ~4 ms resolving its symbols at every start (measured), which is
# most of a cold `gotramp verify`.
gotramp_find_wheel_library(Unicorn unicorn unicorn/unicorn.h libunicorn.a STATIC)
find_package(Threads REQUIRED)
set_property(TARGET Unicorn::Unicorn APPEND PROPERTY INTERFACE_LINK_LIBRARIES Threads::Threads m)
file(STRINGS "${Unicorn_INCLUDE_DIR}/unicorn/unicorn.h" _uc_api REGEX "^#define UC_API_(MAJOR|MINOR|PATCH) ")
string(REGEX REPLACE ".*MAJOR ([0-9]+).*MINOR ([0-9]+).*PATCH ([0-9]+).*" "\\1.\\2.\\3" Unicorn_VERSION "${_uc_api}")
if(Unicorn_FIND_VERSION AND Unicorn_VERSION VERSION_LESS Unicorn_FIND_VERSION)
  message(FATAL_ERROR "Unicorn ${Unicorn_VERSION} found, ${Unicorn_FIND_VERSION} needed (run scripts/setup)")
endif()
set(Unicorn_FOUND TRUE)
