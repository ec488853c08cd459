# Capstone 5.0.9 from the PyPI wheel (see FindWheelLibrary.cmake).
include(${CMAKE_CURRENT_LIST_DIR}/FindWheelLibrary.cmake)
gotramp_find_wheel_library(Capstone capstone capstone/capstone.h libcapstone.so.5)
file(STRINGS "${Capstone_INCLUDE_DIR}/capstone/capstone.h" _cs_api REGEX "^#define CS_(API_MAJOR|API_MINOR|VERSION_EXTRA) ")
string(REGEX REPLACE ".*API_MAJOR ([0-9]+).*API_MINOR ([0-9]+).*VERSION_EXTRA ([0-9]+).*" "\\1.\\2.\\3" Capstone_VERSION "${_cs_api}")
if(Capstone_FIND_VERSION AND Capstone_VERSION VERSION_LESS Capstone_FIND_VERSION)
  message(FATAL_ERROR "Capstone ${Capstone_VERSION} found, ${Capstone_FIND_VERSION} needed (run scripts/setup)")
endif()
set(Capstone_FOUND TRUE)
