# cmake -DFUZZER=... -DSEEDS=dir -DWORK=dir -DARTIFACTS=dir -DSECONDS=n -P run_fuzz.cmake
# Runs a libFuzzer binary for SECONDS on a fresh copy of the seed directory (so
# the seeds stay as make_seeds.py wrote them) and fails on any finding: crash,
# sanitizer report, leak, timeout (> 10 s for one input) or out of memory.
foreach(var FUZZER SEEDS WORK ARTIFACTS SECONDS)
  if(NOT DEFINED ${var})
    message(FATAL_ERROR "run_fuzz.cmake: -D${var}=... missing")
  endif()
endforeach()
if(NOT IS_DIRECTORY "${SEEDS}")
  message(FATAL_ERROR "no seed directory ${SEEDS} (run the fuzz.seeds test first)")
endif()

file(REMOVE_RECURSE "${WORK}")
file(MAKE_DIRECTORY "${WORK}" "${ARTIFACTS}")
file(GLOB seeds "${SEEDS}/*")
if(seeds)
  file(COPY ${seeds} DESTINATION "${WORK}")
endif()
list(LENGTH seeds n_seeds)
message(STATUS "fuzzing ${FUZZER} for ${SECONDS} s from ${n_seeds} seeds")

execute_process(
  COMMAND "${FUZZER}" -max_total_time=${SECONDS} -rss_limit_mb=2048 -timeout=10
          -print_final_stats=1 "-artifact_prefix=${ARTIFACTS}/" "${WORK}"
  RESULT_VARIABLE rc)
if(NOT rc EQUAL 0)
  file(GLOB found "${ARTIFACTS}/*")
  message(FATAL_ERROR "${FUZZER} exited with ${rc}; artifacts in ${ARTIFACTS}: ${found}")
endif()
