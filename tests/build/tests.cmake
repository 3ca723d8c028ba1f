# The default optimised build (LTO and profile-guided optimisation with GCC),
# built from nothing: the test build itself has neither (sanitizers, clang).
if(TARGET sockscope)
  add_test(NAME build.pgo_default
           COMMAND sh ${CMAKE_CURRENT_LIST_DIR}/check-pgo-build.sh ${CMAKE_SOURCE_DIR}
                   ${CMAKE_BINARY_DIR}/pgo-default-check $<TARGET_FILE:sockscope>)
  set_tests_properties(build.pgo_default PROPERTIES SKIP_RETURN_CODE 77 TIMEOUT 900)
endif()
