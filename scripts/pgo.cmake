# pgo.cmake - profile-guided optimisation of sockscope_core and sockscope
# (GCC), included by CMakeLists.txt for optimised builds.
#
# The same source tree is first built instrumented, in a build tree of its own
# (BUILD/pgo/gen, configured with SOCKSCOPE_PGO_GENERATE), then its sockscope
# runs over training captures (scripts/pgo-train.cmake) and this build compiles
# the library and the binary with those branch and call counts. The training
# runs on a capture made by gen_bench with a seed and size of its own (not the
# benchmark's capture) and on the bundled samples, through the output formats
# and views; bench/RESULTS.md gives what it gains.
#
# GCC reads a profile next to the object it compiles (its .gcda) and knows a
# static function's profile by an id made from the object's path: the two
# trees give each source the same relative object path, and the training
# copies each profile to the same place in this tree.
# The training covers the file paths, both thread modes, nDPI, the output
# formats and views, timeouts, the flow cap and checksum checks; with
# -fprofile-partial-training, code it never runs (live capture, most error
# paths) is optimised as without a profile rather than for size (16
# alternated rounds without it: the same speed on the benchmark).

include(ExternalProject)

set(SOCKSCOPE_PGO_DIR ${CMAKE_BINARY_DIR}/pgo)
set(SOCKSCOPE_PGO_GEN_DIR ${SOCKSCOPE_PGO_DIR}/gen)
set(SOCKSCOPE_PGO_USE_FLAGS -fprofile-use -fprofile-partial-training -Wno-missing-profile)
# the instrumented tree compiles with this one's flags (the profiles must match
# the code they are read into)
string(TOUPPER "${CMAKE_BUILD_TYPE}" SOCKSCOPE_PGO_CONFIG)

ExternalProject_Add(sockscope_pgo_gen
  SOURCE_DIR ${CMAKE_SOURCE_DIR}
  BINARY_DIR ${SOCKSCOPE_PGO_GEN_DIR}
  CMAKE_ARGS -DCMAKE_BUILD_TYPE=${CMAKE_BUILD_TYPE}
             -DCMAKE_C_COMPILER=${CMAKE_C_COMPILER}
             -DCMAKE_C_FLAGS=${CMAKE_C_FLAGS}
             -DCMAKE_C_FLAGS_${SOCKSCOPE_PGO_CONFIG}=${CMAKE_C_FLAGS_${SOCKSCOPE_PGO_CONFIG}}
             -DSOCKSCOPE_LTO=${SOCKSCOPE_LTO}
             -DSOCKSCOPE_WERROR=${SOCKSCOPE_WERROR}
             -DSOCKSCOPE_PGO=OFF
             -DSOCKSCOPE_PGO_GENERATE=ON
  BUILD_ALWAYS ON # its own build decides what changed in the sources
  BUILD_BYPRODUCTS ${SOCKSCOPE_PGO_GEN_DIR}/sockscope
  INSTALL_COMMAND "")

set(SOCKSCOPE_PGO_STAMP ${SOCKSCOPE_PGO_DIR}/profile.stamp)
file(GLOB SOCKSCOPE_PGO_SAMPLES CONFIGURE_DEPENDS ${CMAKE_SOURCE_DIR}/samples/*.pcap
     ${CMAKE_SOURCE_DIR}/samples/*.pcapng)
add_custom_command(
  OUTPUT ${SOCKSCOPE_PGO_STAMP}
  COMMAND ${CMAKE_COMMAND}
          -DGEN=$<TARGET_FILE:gen_bench> -DBIN=${SOCKSCOPE_PGO_GEN_DIR}/sockscope
          -DWORK=${SOCKSCOPE_PGO_DIR} -DSAMPLES=${CMAKE_SOURCE_DIR}/samples
          -DFROM=${SOCKSCOPE_PGO_GEN_DIR}/CMakeFiles -DTO=${CMAKE_BINARY_DIR}/CMakeFiles
          -DSTAMP=${SOCKSCOPE_PGO_STAMP}
          -P ${CMAKE_SOURCE_DIR}/scripts/pgo-train.cmake
  DEPENDS sockscope_pgo_gen ${SOCKSCOPE_PGO_GEN_DIR}/sockscope gen_bench
          ${CMAKE_SOURCE_DIR}/scripts/pgo-train.cmake ${SOCKSCOPE_PGO_SAMPLES}
  COMMENT "Training run for profile-guided optimisation"
  VERBATIM)
add_custom_target(sockscope_pgo_profile DEPENDS ${SOCKSCOPE_PGO_STAMP})

# Every object of the optimised targets is compiled after the training, and
# again after each training (the profiles of every source may change): an
# incremental build recompiles the whole core; -DSOCKSCOPE_PGO=OFF for quick
# rebuilds while developing.
set_source_files_properties(${SOCKSCOPE_DISSECTOR_SOURCES} ${SOCKSCOPE_ANALYZER_SOURCES}
                            ${CMAKE_SOURCE_DIR}/analyzer/main.c
                            PROPERTIES OBJECT_DEPENDS ${SOCKSCOPE_PGO_STAMP})
foreach(t sockscope_core sockscope)
  add_dependencies(${t} sockscope_pgo_profile)
  target_compile_options(${t} PRIVATE ${SOCKSCOPE_PGO_USE_FLAGS})
  target_link_options(${t} PRIVATE ${SOCKSCOPE_PGO_USE_FLAGS})
endforeach()
