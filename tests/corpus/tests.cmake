# Corpus tests over ../shared/corpus (skipped, exit 77, when it is absent).
find_package(Python3 COMPONENTS Interpreter)
if(Python3_FOUND AND TARGET sockscope)
  foreach(mode good malformed tshark)
    add_test(NAME corpus.${mode}
             COMMAND ${Python3_EXECUTABLE} ${CMAKE_CURRENT_LIST_DIR}/corpus_check.py ${mode}
                     $<TARGET_FILE:sockscope> ${SOCKSCOPE_CORPUS_DIR})
    set_tests_properties(corpus.${mode} PROPERTIES SKIP_RETURN_CODE 77 TIMEOUT 1500
      ENVIRONMENT "ASAN_OPTIONS=detect_leaks=1;UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1")
  endforeach()
endif()
# Retransmissions and out-of-order segments per direction against tshark's
# sequence analysis (skipped, exit 77, without the corpus or tshark).
if(Python3_FOUND AND TARGET sockscope)
  add_test(NAME corpus.tcp-analysis
           COMMAND ${Python3_EXECUTABLE} ${CMAKE_CURRENT_LIST_DIR}/tcp_analysis_check.py
                   $<TARGET_FILE:sockscope> ${SOCKSCOPE_CORPUS_DIR})
  set_tests_properties(corpus.tcp-analysis PROPERTIES SKIP_RETURN_CODE 77 TIMEOUT 1500
    ENVIRONMENT "ASAN_OPTIONS=detect_leaks=1;UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1")
endif()
# Every corpus capture gzip-, zstd- or lz4-compressed (in turn) reads as the
# plain file does (skipped, exit 77, without the corpus).
if(Python3_FOUND AND TARGET sockscope)
  add_test(NAME corpus.compressed
           COMMAND ${Python3_EXECUTABLE} ${CMAKE_CURRENT_LIST_DIR}/compressed_check.py
                   $<TARGET_FILE:sockscope> ${SOCKSCOPE_CORPUS_DIR})
  set_tests_properties(corpus.compressed PROPERTIES SKIP_RETURN_CODE 77 TIMEOUT 1500
    ENVIRONMENT "ASAN_OPTIONS=detect_leaks=1;UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1")
endif()
# conn.log against Zeek's own results for the same captures (facts from Zeek's
# btest baselines, tests/corpus/zeek_facts.tsv; skipped, exit 77, without the corpus).
if(Python3_FOUND AND TARGET sockscope)
  add_test(NAME corpus.zeek-facts
           COMMAND ${Python3_EXECUTABLE} ${CMAKE_CURRENT_LIST_DIR}/zeek_facts_check.py
                   $<TARGET_FILE:sockscope> ${SOCKSCOPE_CORPUS_DIR})
  set_tests_properties(corpus.zeek-facts PROPERTIES SKIP_RETURN_CODE 77 TIMEOUT 600)
endif()
