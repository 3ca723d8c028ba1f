# bench.smoke: gen_bench -n 1000 must write a capture that the bare libpcap loop
# reads whole (same packet count as the generator reports), the same loop over
# sockscope's own reader reads alike, and in which the
# flow probe finds exactly one connection per generated flow (no 5-tuple reuse),
# on one thread and with the reader thread.
execute_process(COMMAND ${GEN} -n 1000 -w 100 -o ${OUT}
                RESULT_VARIABLE rc ERROR_VARIABLE gen_err OUTPUT_QUIET)
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "gen_bench failed (${rc}): ${gen_err}")
endif()
if(NOT gen_err MATCHES "flows=1000 tcp=([0-9]+) udp=([0-9]+) .*packets=([0-9]+) bytes=([0-9]+)")
  message(FATAL_ERROR "unexpected gen_bench report: ${gen_err}")
endif()
set(gen_tcp ${CMAKE_MATCH_1})
set(gen_packets ${CMAKE_MATCH_3})
set(gen_bytes ${CMAKE_MATCH_4})
file(SIZE ${OUT} size)
if(NOT size EQUAL gen_bytes)
  message(FATAL_ERROR "file is ${size} bytes, gen_bench reported ${gen_bytes}")
endif()

execute_process(COMMAND ${LOOP} ${OUT} RESULT_VARIABLE rc OUTPUT_VARIABLE loop_out
                ERROR_VARIABLE loop_err)
if(NOT rc EQUAL 0 OR NOT loop_out MATCHES "packets=([0-9]+) ")
  message(FATAL_ERROR "pcap_read_loop failed (${rc}): ${loop_out}${loop_err}")
endif()
if(NOT CMAKE_MATCH_1 EQUAL gen_packets)
  message(FATAL_ERROR "pcap_read_loop read ${CMAKE_MATCH_1} packets, gen_bench wrote ${gen_packets}")
endif()
# the loop over sockscope's own reader reads the same packets, bytes and first bytes
string(REGEX MATCH "packets=[0-9]+ bytes=[0-9]+" libpcap_counts "${loop_out}")
string(REGEX MATCH "first_byte_sum=[0-9]+" libpcap_sum "${loop_out}")
execute_process(COMMAND ${LOOP} --reader sockscope ${OUT} RESULT_VARIABLE rc
                OUTPUT_VARIABLE own_out ERROR_VARIABLE own_err)
string(REGEX MATCH "packets=[0-9]+ bytes=[0-9]+" own_counts "${own_out}")
string(REGEX MATCH "first_byte_sum=[0-9]+" own_sum "${own_out}")
if(NOT rc EQUAL 0 OR own_counts STREQUAL "" OR NOT own_counts STREQUAL libpcap_counts
   OR NOT own_sum STREQUAL libpcap_sum)
  message(FATAL_ERROR "pcap_read_loop --reader sockscope (${rc}): ${own_out}${own_err}"
                      " differs from libpcap's: ${loop_out}")
endif()

foreach(threads 1 2)
  execute_process(COMMAND ${PROBE} --threads ${threads} ${OUT} RESULT_VARIABLE rc
                  OUTPUT_VARIABLE probe_out ERROR_VARIABLE probe_err)
  if(NOT rc EQUAL 0 OR NOT probe_out MATCHES "packets=([0-9]+) .*connections=([0-9]+) tcp_connections=([0-9]+)")
    message(FATAL_ERROR "flow_probe --threads ${threads} failed (${rc}): ${probe_out}${probe_err}")
  endif()
  if(NOT CMAKE_MATCH_1 EQUAL gen_packets OR NOT CMAKE_MATCH_2 EQUAL 1000
     OR NOT CMAKE_MATCH_3 EQUAL gen_tcp)
    message(FATAL_ERROR "flow_probe --threads ${threads}: ${probe_out} (expected packets=${gen_packets}, "
                        "connections=1000, tcp_connections=${gen_tcp})")
  endif()
endforeach()
message(STATUS "bench.smoke: ${loop_out}")
file(REMOVE ${OUT})
