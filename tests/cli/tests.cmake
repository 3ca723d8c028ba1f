# The binary's command-line contract: one-line errors, exit codes, stdin, BPF, -o.
if(TARGET sockscope)
  add_test(NAME cli.errors COMMAND sh ${CMAKE_CURRENT_LIST_DIR}/cli-errors.sh
           $<TARGET_FILE:sockscope> ${CMAKE_SOURCE_DIR}/samples)
endif()
