# Fuzz seeds, onefile replays and (with -DSOCKSCOPE_FUZZ=ON) timed libFuzzer runs.
# Included from tests/CMakeLists.txt (through tests/scripts.cmake) before
# add_subdirectory(fuzz), so the libFuzzer targets are named only in generator
# expressions, which CMake resolves at generate time.
#
#   fuzz.seeds          make_seeds.py writes ${CMAKE_BINARY_DIR}/fuzz-seeds/{frame,pcap}
#   fuzz.replay_frame   fuzz_frame_onefile replays every frame seed (every build)
#   fuzz.replay_pcap    fuzz_pcap_onefile replays every capture seed (every build)
#   fuzz.frame          fuzz_frame for SOCKSCOPE_FUZZ_SECONDS on a copy of the seeds
#   fuzz.pcap           fuzz_pcap likewise
#   fuzz.dissect_seeds  make_seeds.py writes ${CMAKE_BINARY_DIR}/dissect-seeds (samples only)
#   fuzz.dissect_digest fuzz_frame_dump --prefixes --sha1 over them equals dissect_digest.txt
# Findings land in ${CMAKE_BINARY_DIR}/fuzz-artifacts/<target>/.

set(SOCKSCOPE_FUZZ_SECONDS 60 CACHE STRING "Run time of each ctest libFuzzer run (seconds)")

# Replay binaries: the same target code with a plain main(), linked with the
# ordinary core (sanitized when SOCKSCOPE_SANITIZE is set).
foreach(target frame pcap)
  add_executable(fuzz_${target}_onefile ${CMAKE_CURRENT_LIST_DIR}/fuzz_${target}.c
                 ${CMAKE_CURRENT_LIST_DIR}/onefile.c)
  target_compile_options(fuzz_${target}_onefile PRIVATE ${SOCKSCOPE_WARNINGS})
  target_link_libraries(fuzz_${target}_onefile PRIVATE sockscope_core)
endforeach()

# fuzz_frame_dump: fuzz_frame's target with every dissected packet written out
# (dissect_dump.c), to compare two builds of the dissectors packet by packet.
add_executable(fuzz_frame_dump ${CMAKE_CURRENT_LIST_DIR}/fuzz_frame.c
               ${CMAKE_CURRENT_LIST_DIR}/dissect_dump.c)
target_compile_definitions(fuzz_frame_dump PRIVATE FUZZ_FRAME_DUMP)
target_compile_options(fuzz_frame_dump PRIVATE ${SOCKSCOPE_WARNINGS})
target_link_libraries(fuzz_frame_dump PRIVATE sockscope_core)

find_package(Python3 COMPONENTS Interpreter)
if(Python3_FOUND)
  set(fuzz_seeds ${CMAKE_BINARY_DIR}/fuzz-seeds)
  add_test(NAME fuzz.seeds
           COMMAND ${Python3_EXECUTABLE} ${CMAKE_CURRENT_LIST_DIR}/make_seeds.py
                   --source ${CMAKE_SOURCE_DIR} --corpus ${SOCKSCOPE_CORPUS_DIR}
                   --out ${fuzz_seeds})
  set_tests_properties(fuzz.seeds PROPERTIES FIXTURES_SETUP fuzz_seeds TIMEOUT 300)

  # the samples' frames only (no corpus), so the digest does not depend on it
  set(dissect_seeds ${CMAKE_BINARY_DIR}/dissect-seeds)
  add_test(NAME fuzz.dissect_seeds
           COMMAND ${Python3_EXECUTABLE} ${CMAKE_CURRENT_LIST_DIR}/make_seeds.py
                   --source ${CMAKE_SOURCE_DIR} --corpus "" --out ${dissect_seeds})
  set_tests_properties(fuzz.dissect_seeds PROPERTIES FIXTURES_SETUP dissect_seeds TIMEOUT 300)
  add_test(NAME fuzz.dissect_digest
           COMMAND ${CMAKE_COMMAND} -DDUMP=$<TARGET_FILE:fuzz_frame_dump>
                   -DSEEDS=${dissect_seeds}/frame
                   -DEXPECTED=${CMAKE_CURRENT_LIST_DIR}/dissect_digest.txt
                   -P ${CMAKE_CURRENT_LIST_DIR}/dissect_digest.cmake)
  set_tests_properties(fuzz.dissect_digest PROPERTIES FIXTURES_REQUIRED dissect_seeds
    TIMEOUT 900
    ENVIRONMENT "ASAN_OPTIONS=detect_leaks=1;UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1")

  foreach(target frame pcap)
    add_test(NAME fuzz.replay_${target}
             COMMAND fuzz_${target}_onefile ${fuzz_seeds}/${target})
    set_tests_properties(fuzz.replay_${target} PROPERTIES FIXTURES_REQUIRED fuzz_seeds
      TIMEOUT 600
      ENVIRONMENT "ASAN_OPTIONS=detect_leaks=1;UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1")
    if(SOCKSCOPE_FUZZ)
      add_test(NAME fuzz.${target}
               COMMAND ${CMAKE_COMMAND}
                       -DFUZZER=$<TARGET_FILE:fuzz_${target}>
                       -DSEEDS=${fuzz_seeds}/${target}
                       -DWORK=${CMAKE_BINARY_DIR}/fuzz-work/${target}
                       -DARTIFACTS=${CMAKE_BINARY_DIR}/fuzz-artifacts/${target}
                       -DSECONDS=${SOCKSCOPE_FUZZ_SECONDS}
                       -P ${CMAKE_CURRENT_LIST_DIR}/run_fuzz.cmake)
      math(EXPR fuzz_timeout "${SOCKSCOPE_FUZZ_SECONDS} + 600")
      set_tests_properties(fuzz.${target} PROPERTIES FIXTURES_REQUIRED fuzz_seeds
                           TIMEOUT ${fuzz_timeout})
    endif()
  endforeach()
endif()
