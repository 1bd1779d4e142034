# cevns_add_module(NAME SOURCES a.cpp b.cpp DEPENDS cevns::x ... [PRIVATE_DEPENDS ...])
# Defines the library target cevns_<NAME> with alias cevns::<NAME>, whose public headers
# live in include/cevns/<NAME>/.
function(cevns_add_module name)
  cmake_parse_arguments(ARG "" "" "SOURCES;DEPENDS;PRIVATE_DEPENDS" ${ARGN})
  add_library(cevns_${name} ${ARG_SOURCES})
  add_library(cevns::${name} ALIAS cevns_${name})
  target_include_directories(cevns_${name} PUBLIC ${PROJECT_SOURCE_DIR}/include)
  target_compile_features(cevns_${name} PUBLIC cxx_std_20)
  target_link_libraries(cevns_${name} PUBLIC ${ARG_DEPENDS} PRIVATE ${ARG_PRIVATE_DEPENDS})
endfunction()
