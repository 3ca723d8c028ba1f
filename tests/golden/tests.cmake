# Golden outputs (TESTLIST): one ctest golden.NAME per line; golden.schema
# validates every JSON/NDJSON expected output against docs/schema.json;
# corpus.schema validates sockscope's JSON for every capture in the corpus;
# golden.connlog-json and corpus.connlog-json compare --conn-log with --json,
# column by column, on the samples and on every corpus capture;
# golden.ndjson-json and corpus.ndjson-json compare --ndjson with --json.
set(SOCKSCOPE_GOLDEN_DIR ${CMAKE_CURRENT_LIST_DIR})
set_property(DIRECTORY APPEND PROPERTY CMAKE_CONFIGURE_DEPENDS ${SOCKSCOPE_GOLDEN_DIR}/TESTLIST)
file(STRINGS ${SOCKSCOPE_GOLDEN_DIR}/TESTLIST SOCKSCOPE_GOLDEN_LINES)
find_package(Python3 COMPONENTS Interpreter QUIET)
set(SOCKSCOPE_GOLDEN_JSON_FILES)
foreach(line ${SOCKSCOPE_GOLDEN_LINES})
  if(line MATCHES "^[ \t]*#" OR line MATCHES "^[ \t]*$")
    continue()
  endif()
  string(REGEX REPLACE "[ \t]+" ";" fields "${line}")
  list(GET fields 0 name)
  list(GET fields 2 expected)
  add_test(NAME golden.${name}
           COMMAND sh ${SOCKSCOPE_GOLDEN_DIR}/run-golden.sh $<TARGET_FILE:sockscope>
                   ${CMAKE_SOURCE_DIR} ${name})
  if(expected MATCHES "\\.(json|ndjson)$")
    list(APPEND SOCKSCOPE_GOLDEN_JSON_FILES ${SOCKSCOPE_GOLDEN_DIR}/${expected})
  endif()
endforeach()
if(Python3_Interpreter_FOUND)
  add_test(NAME golden.schema
           COMMAND ${Python3_EXECUTABLE} ${SOCKSCOPE_GOLDEN_DIR}/validate_json.py
                   ${CMAKE_SOURCE_DIR}/docs/schema.json ${SOCKSCOPE_GOLDEN_JSON_FILES})
  add_test(NAME corpus.schema
           COMMAND sh ${SOCKSCOPE_GOLDEN_DIR}/corpus-schema.sh $<TARGET_FILE:sockscope>
                   ${CMAKE_SOURCE_DIR} ${SOCKSCOPE_CORPUS_DIR})
  set_tests_properties(corpus.schema PROPERTIES SKIP_RETURN_CODE 77 TIMEOUT 280)
  # conn.log and JSON hold the same records, column by column
  file(GLOB SOCKSCOPE_SAMPLE_CAPTURES ${CMAKE_SOURCE_DIR}/samples/*.pcap
       ${CMAKE_SOURCE_DIR}/samples/*.pcapng)
  add_test(NAME golden.connlog-json
           COMMAND ${Python3_EXECUTABLE} ${SOCKSCOPE_GOLDEN_DIR}/connlog_vs_json.py
                   $<TARGET_FILE:sockscope> ${SOCKSCOPE_SAMPLE_CAPTURES})
  add_test(NAME corpus.connlog-json
           COMMAND ${Python3_EXECUTABLE} ${SOCKSCOPE_GOLDEN_DIR}/connlog_vs_json.py
                   $<TARGET_FILE:sockscope> --dir ${SOCKSCOPE_CORPUS_DIR}/good)
  set_tests_properties(corpus.connlog-json PROPERTIES SKIP_RETURN_CODE 77 TIMEOUT 400)
  # the NDJSON stream and the JSON document hold the same records (the
  # stream's ports are built from port facts, the document's from records)
  add_test(NAME golden.ndjson-json
           COMMAND ${Python3_EXECUTABLE} ${SOCKSCOPE_GOLDEN_DIR}/ndjson_vs_json.py
                   $<TARGET_FILE:sockscope> ${SOCKSCOPE_SAMPLE_CAPTURES})
  add_test(NAME corpus.ndjson-json
           COMMAND ${Python3_EXECUTABLE} ${SOCKSCOPE_GOLDEN_DIR}/ndjson_vs_json.py
                   $<TARGET_FILE:sockscope> --dir ${SOCKSCOPE_CORPUS_DIR}/good)
  set_tests_properties(corpus.ndjson-json PROPERTIES SKIP_RETURN_CODE 77 TIMEOUT 400)
endif()
