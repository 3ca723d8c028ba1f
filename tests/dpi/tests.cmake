# Application protocol detection (issue 5): per-flow agreement with Debian's
# ndpiReader over the corpus's ndpi__ captures (skipped, exit 77, without the
# corpus or ndpiReader: apt-get install libndpi-bin), and --no-dpi leaving the
# rest of the output unchanged. Disagreement kinds: tests/dpi/NOTES.md.
find_package(Python3 COMPONENTS Interpreter)
if(Python3_FOUND AND TARGET sockscope)
  add_test(NAME dpi.ndpireader
           COMMAND ${Python3_EXECUTABLE} ${CMAKE_CURRENT_LIST_DIR}/compare-ndpireader.py
                   $<TARGET_FILE:sockscope> ${SOCKSCOPE_CORPUS_DIR} --min-agree 0.95)
  add_test(NAME dpi.no_dpi
           COMMAND ${Python3_EXECUTABLE} ${CMAKE_CURRENT_LIST_DIR}/check-no-dpi.py
                   $<TARGET_FILE:sockscope> ${CMAKE_SOURCE_DIR}/samples)
  set_tests_properties(dpi.ndpireader dpi.no_dpi PROPERTIES SKIP_RETURN_CODE 77 TIMEOUT 900
    ENVIRONMENT "ASAN_OPTIONS=detect_leaks=1;UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1")
endif()
