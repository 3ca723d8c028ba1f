# Sample captures: the committed samples/*.pcap* must be exactly what
# gen_samples writes, and must read cleanly in tshark.
if(TARGET gen_samples)
  add_test(NAME samples.match_generator
           COMMAND sh ${CMAKE_CURRENT_LIST_DIR}/check-samples.sh match
                   $<TARGET_FILE:gen_samples> ${CMAKE_SOURCE_DIR}/samples)
endif()
add_test(NAME samples.tshark_reads
         COMMAND sh ${CMAKE_CURRENT_LIST_DIR}/check-samples.sh tshark ${CMAKE_SOURCE_DIR}/samples)
set_tests_properties(samples.tshark_reads PROPERTIES SKIP_RETURN_CODE 77)
