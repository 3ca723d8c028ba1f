# cmake -DDUMP=fuzz_frame_dump -DSEEDS=dir -DEXPECTED=file -P dissect_digest.cmake
# Every dissection of every prefix of the seed frames (fuzz_frame_dump --prefixes)
# must give the records whose SHA-1 EXPECTED holds: the dissectors' results,
# pinned field by field and byte by byte. See dissect_digest.txt on a mismatch.
foreach(var DUMP SEEDS EXPECTED)
  if(NOT DEFINED ${var})
    message(FATAL_ERROR "dissect_digest.cmake: -D${var}=... missing")
  endif()
endforeach()
execute_process(COMMAND "${DUMP}" --prefixes --sha1 "${SEEDS}"
                OUTPUT_VARIABLE got RESULT_VARIABLE rc OUTPUT_STRIP_TRAILING_WHITESPACE)
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "${DUMP} exited with ${rc}")
endif()
file(STRINGS "${EXPECTED}" want REGEX "^[0-9a-f]+$")
if(NOT got STREQUAL want)
  message(FATAL_ERROR "dissection records differ from ${EXPECTED}: got ${got}, want ${want}")
endif()
message(STATUS "dissection records as expected (${got})")
