# pgo-train.cmake - the training run of profile-guided optimisation
# (scripts/pgo.cmake): cmake -DGEN=gen_bench -DBIN=sockscope_pgo_gen
# -DWORK=dir -DSAMPLES=dir -DFROM=dir -DTO=dir -DSTAMP=file -P pgo-train.cmake
#
# Runs the instrumented binary over a capture of its own and the samples, then
# copies each profile (.gcda) of sockscope_core's and sockscope's objects from
# FROM (the instrumented tree's CMakeFiles) to the same place under TO. Any run that fails stops the build: a profile of an error
# path would optimise the wrong code.

foreach(v GEN BIN WORK SAMPLES FROM TO STAMP)
  if(NOT DEFINED ${v})
    message(FATAL_ERROR "pgo-train.cmake: -D${v}=... missing")
  endif()
endforeach()

# Counts add up across runs: start from none.
file(GLOB_RECURSE old ${FROM}/*.gcda)
if(old)
  file(REMOVE ${old})
endif()
file(MAKE_DIRECTORY ${WORK})

# 30,000 flows, 3,000 at a time, 500 us apart on average (about 150 s, so that
# connections close, time out and leave their 2*MSL): not the benchmark's
# capture (1 M flows, 100,000 at a time, 20 us), the same kinds of traffic.
set(capture ${WORK}/train.pcap)
if(NOT EXISTS ${capture})
  execute_process(COMMAND ${GEN} -n 30000 -w 3000 -g 500 -s 20261127 -o ${capture}
                  RESULT_VARIABLE rc ERROR_QUIET)
  if(NOT rc EQUAL 0)
    file(REMOVE ${capture})
    message(FATAL_ERROR "pgo-train.cmake: gen_bench failed (${rc})")
  endif()
endif()

function(train)
  execute_process(COMMAND ${BIN} ${ARGN} -o ${WORK}/out RESULT_VARIABLE rc
                  OUTPUT_QUIET ERROR_QUIET)
  if(NOT rc EQUAL 0)
    message(FATAL_ERROR "pgo-train.cmake: training run failed (${rc}): ${BIN} ${ARGN}")
  endif()
endfunction()

# a capture read from standard input (the stream reader's path)
execute_process(COMMAND ${BIN} -r - --no-dpi -o ${WORK}/out INPUT_FILE ${SAMPLES}/lifecycle.pcap
                RESULT_VARIABLE rc OUTPUT_QUIET ERROR_QUIET)
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "pgo-train.cmake: training run failed (${rc}): ${BIN} -r - (stdin)")
endif()

train(-r ${capture} --no-dpi --view stats)
train(-r ${capture} --no-dpi --view stats --threads 1)
train(-r ${capture} --view stats -c 60000)
train(-r ${capture} --no-dpi --ndjson -c 60000)
train(-r ${capture} --no-dpi --view ports -c 60000)
train(-r ${capture} --no-dpi --view stats -c 60000 --verify-checksums --max-flows 500
      --tcp-timeout 2 --udp-timeout 1 --close-delay 0 --msl 1)
train(-r ${capture} --no-dpi --conn-log -c 30000 --threads 1)
file(GLOB samples ${SAMPLES}/*.pcap ${SAMPLES}/*.pcapng)
foreach(s ${samples})
  train(-r ${s})
  train(-r ${s} --json)
  train(-r ${s} --conn-log)
  train(-r ${s} --ndjson --threads 1)
  train(-r ${s} --view sockets)
  train(-r ${s} --view hosts --threads 1)
endforeach()
file(REMOVE ${WORK}/out)

function(copy_profiles from to)
  file(GLOB_RECURSE gcdas RELATIVE ${from} ${from}/*.gcda)
  list(LENGTH gcdas n)
  if(n EQUAL 0)
    message(FATAL_ERROR "pgo-train.cmake: no profile written under ${from}")
  endif()
  foreach(g ${gcdas})
    get_filename_component(dir ${to}/${g} DIRECTORY)
    file(MAKE_DIRECTORY ${dir})
    file(COPY_FILE ${from}/${g} ${to}/${g})
  endforeach()
endfunction()
copy_profiles(${FROM}/sockscope_core.dir ${TO}/sockscope_core.dir)
copy_profiles(${FROM}/sockscope.dir ${TO}/sockscope.dir)
file(TOUCH ${STAMP})
