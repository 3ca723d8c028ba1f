# Live capture (issue 6): real namespaces, veth pairs and traffic; each test
# exits 77 (skipped, with a message) where namespaces cannot be created.
if(TARGET sockscope)
  add_test(NAME live.errors COMMAND sh ${CMAKE_CURRENT_LIST_DIR}/live-errors.sh
           $<TARGET_FILE:sockscope> ${CMAKE_SOURCE_DIR})
  set_tests_properties(live.errors PROPERTIES SKIP_RETURN_CODE 77 TIMEOUT 60)
  add_test(NAME live.netns COMMAND sh ${CMAKE_CURRENT_LIST_DIR}/live-netns.sh
           $<TARGET_FILE:sockscope> ${CMAKE_SOURCE_DIR})
  add_test(NAME live.ndjson_netstat COMMAND sh ${CMAKE_CURRENT_LIST_DIR}/live-ndjson-netstat.sh
           $<TARGET_FILE:sockscope> ${CMAKE_SOURCE_DIR})
  set_tests_properties(live.ndjson_netstat PROPERTIES SKIP_RETURN_CODE 77 TIMEOUT 60)
  add_test(NAME live.netstat_end COMMAND sh ${CMAKE_CURRENT_LIST_DIR}/live-netstat-end.sh
           $<TARGET_FILE:sockscope> ${CMAKE_SOURCE_DIR})
  set_tests_properties(live.netstat_end PROPERTIES SKIP_RETURN_CODE 77 TIMEOUT 60)
  add_test(NAME live.signal_pipe COMMAND sh ${CMAKE_CURRENT_LIST_DIR}/live-signal-pipe.sh
           $<TARGET_FILE:sockscope> ${CMAKE_SOURCE_DIR})
  set_tests_properties(live.signal_pipe PROPERTIES SKIP_RETURN_CODE 77 TIMEOUT 60)
  # alone: CPU taken by parallel tests could turn into kernel drops
  add_test(NAME live.any COMMAND sh ${CMAKE_CURRENT_LIST_DIR}/live-any.sh
           $<TARGET_FILE:sockscope> ${CMAKE_SOURCE_DIR})
  set_tests_properties(live.any PROPERTIES SKIP_RETURN_CODE 77 TIMEOUT 60 RUN_SERIAL TRUE)
  # alone, with a 16 MiB capture buffer: CPU taken by parallel sanitizer tests
  # would otherwise turn into kernel drops, which the test counts as failures
  set_tests_properties(live.netns PROPERTIES SKIP_RETURN_CODE 77 TIMEOUT 120 RUN_SERIAL TRUE)
  # alone: CPU taken by parallel tests would turn into kernel drops
  add_test(NAME live.syn_flood_memory COMMAND sh ${CMAKE_CURRENT_LIST_DIR}/live-syn-flood.sh
           $<TARGET_FILE:sockscope> ${CMAKE_SOURCE_DIR})
  set_tests_properties(live.syn_flood_memory PROPERTIES SKIP_RETURN_CODE 77 TIMEOUT 120
                       RUN_SERIAL TRUE)
endif()
