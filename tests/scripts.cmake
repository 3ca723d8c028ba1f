# Script-driven tests: every tests/*/tests.cmake file registers its own tests
# (golden outputs, samples, corpus). Variables available there:
#   SOCKSCOPE_CORPUS_DIR, CMAKE_SOURCE_DIR, and the targets sockscope, gen_samples.
file(GLOB SOCKSCOPE_TEST_FRAGMENTS CONFIGURE_DEPENDS ${CMAKE_CURRENT_SOURCE_DIR}/*/tests.cmake)
foreach(fragment ${SOCKSCOPE_TEST_FRAGMENTS})
  include(${fragment})
endforeach()
