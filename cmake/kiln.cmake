# cmake/kiln.cmake - the helpers every layer file registers its tests with.
#
# Included from CMakeLists.txt after the kernel target exists and before the layer files.
# Registering a test is one call; docs/testing.md shows each with an example.
#
#   kiln_host_test(NAME SOURCES file...)
#       build/host_NAME: a cmocka test of pure-C kernel code, with ASan + UBSan,
#       include/ plus tests/ on the include path, each test case run in a forked
#       process of its own (tests/host_runner.c); CTest: host.NAME
#   kiln_fuzz_target(NAME SOURCES file... SECONDS n [DEPENDS file...] [OUTPUT path] [TARGET name])
#       a libFuzzer binary built with clang (build/fuzz/fuzz_NAME, make target fuzz_NAME
#       unless OUTPUT and TARGET say otherwise); CTest: fuzz.NAME-short, a run of n
#       seconds with seed 1. Nothing is registered when CMake finds no clang, or with
#       -DKILN_FUZZ=OFF (the student preset).
#   kiln_boot_test(TEST-NAME ARGS ci/boot-argument... [EXPECT part...])
#       one boot through ci/boot (--build-dir is added). Without EXPECT the test passes
#       on ci/boot's exit status; with EXPECT it passes when the output matches the
#       parts joined by ".*" (so each part is one short line of the expected output,
#       in order, and ci/boot's status is ignored, as CTest does for any pass regex).
#       A Bochs boot takes the resource lock "bochs" (one Bochs at a time).
#   kiln_build_fails_test(TEST-NAME SOURCE file EXPECT regex)
#       at test time, compiles SOURCE as a kernel file (the kernel's compiler, flags,
#       warnings and include directories); passes only if the compile fails and its
#       output matches the regex. For proving that a mistake does not compile.

find_library(CMOCKA_LIBRARY cmocka REQUIRED)
set(KILN_SANITIZERS -fsanitize=address,undefined -fno-sanitize-recover=all)

# libFuzzer needs clang whichever compiler builds the rest. KILN_FUZZ=OFF (the
# student preset) leaves the fuzz targets out: no lab runs them, and a student's
# machine need not have clang.
option(KILN_FUZZ "build the libFuzzer targets (with clang) and register fuzz.* tests" ON)
if(KILN_FUZZ)
  find_program(CLANG_FOR_FUZZING NAMES clang clang-14 clang-15 clang-16)
  if(NOT CLANG_FOR_FUZZING)
    message(WARNING "clang not found: the libFuzzer targets are not built (ci/install-deps installs it)")
  endif()
else()
  unset(CLANG_FOR_FUZZING CACHE)
endif()

# How ci/boot is started for this build tree.
set(KILN_BOOT ${CMAKE_SOURCE_DIR}/ci/boot --build-dir ${CMAKE_BINARY_DIR})

# In a helper whose first parameter is `name`: its other arguments, split by keyword
# into arg_KEYWORD; stops configuring with the right form when a required keyword is
# missing or a word is stray.
macro(kiln_parse_arguments helper usage one_value multi_value required)
  cmake_parse_arguments(PARSE_ARGV 1 arg "" "${one_value}" "${multi_value}")
  if(arg_UNPARSED_ARGUMENTS)
    message(FATAL_ERROR "${helper}(${name} ...): unexpected '${arg_UNPARSED_ARGUMENTS}'; "
      "the form is ${usage}")
  endif()
  foreach(keyword IN ITEMS ${required})
    if(NOT DEFINED arg_${keyword})
      message(FATAL_ERROR "${helper}(${name} ...): ${keyword} is missing; the form is ${usage}")
    endif()
  endforeach()
endmacro()

# kiln_host_test(NAME SOURCES file...)
#   kiln_host_test(cmdline SOURCES tests/test_cmdline.c src/lib/cmdline.c)
function(kiln_host_test name)
  kiln_parse_arguments(kiln_host_test "kiln_host_test(NAME SOURCES file...)" "" "SOURCES" "SOURCES")
  kiln_host_program(host_${name} ${arg_SOURCES})
  add_test(NAME host.${name} COMMAND host_${name})
endfunction()

# kiln_host_program(TARGET file...): the executable of a host test, unregistered.
function(kiln_host_program target)
  add_executable(${target} ${ARGN} tests/host_runner.c)
  target_include_directories(${target} PRIVATE include tests)
  target_compile_options(${target} PRIVATE ${KILN_WARNINGS} ${KILN_SANITIZERS} -g)
  # Failures name files relative to the tree (tests/host_panic.h, tests/host_runner.c).
  target_compile_definitions(${target} PRIVATE KILN_SOURCE_DIR="${CMAKE_SOURCE_DIR}/")
  # Each test case in a process of its own: a crash costs only that case (tests/host_runner.c).
  target_link_options(${target} PRIVATE ${KILN_SANITIZERS} -Wl,--wrap=_cmocka_run_group_tests)
  target_link_libraries(${target} PRIVATE ${CMOCKA_LIBRARY})
endfunction()

# The host tests' own harness (tests/host_runner.c, tests/host_panic.h), tested on
# a program whose cases fail on purpose, one way each (a crash, an unexpected
# panic, an EXPECT_PANIC without its word, an endless loop): every case is
# reported, a crash costs only its case, each failure cites the test's own line.
kiln_host_program(host_runner_check tests/host_runner_check.c
  src/mm/pmm.c src/mm/pmm_index.c src/mm/memmap.c)
add_test(NAME host.runner
  COMMAND ${CMAKE_CURRENT_SOURCE_DIR}/tests/test_host_runner.py $<TARGET_FILE:host_runner_check>)

# kiln_fuzz_target(NAME SOURCES file... SECONDS n [DEPENDS file...] [OUTPUT path] [TARGET name])
#   kiln_fuzz_target(elf SOURCES src/proc/elf.c tests/fuzz_elf.c SECONDS 10
#     DEPENDS include/proc/elf.h)
# SOURCES are rebuilt from when they change; headers are not scanned, so list
# the ones the sources include in DEPENDS. The binary lives in build/fuzz/ by
# default because a file build/fuzz_NAME would clash with the make target fuzz_NAME.
function(kiln_fuzz_target name)
  kiln_parse_arguments(kiln_fuzz_target
    "kiln_fuzz_target(NAME SOURCES file... SECONDS n [DEPENDS file...] [OUTPUT path] [TARGET name])"
    "SECONDS;OUTPUT;TARGET" "SOURCES;DEPENDS" "SOURCES;SECONDS")
  if(NOT CLANG_FOR_FUZZING)
    return()
  endif()
  set(output ${CMAKE_BINARY_DIR}/fuzz/fuzz_${name})
  if(arg_OUTPUT)
    set(output ${arg_OUTPUT})
  endif()
  set(target fuzz_${name})
  if(arg_TARGET)
    set(target ${arg_TARGET})
  endif()
  set(sources)
  foreach(source IN LISTS arg_SOURCES)
    list(APPEND sources ${CMAKE_SOURCE_DIR}/${source})
  endforeach()
  get_filename_component(output_dir ${output} DIRECTORY)
  add_custom_command(
    OUTPUT ${output}
    COMMAND ${CMAKE_COMMAND} -E make_directory ${output_dir}
    COMMAND ${CLANG_FOR_FUZZING} -std=gnu11 -g -O1 ${KILN_WARNINGS}
            -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=all
            -I${CMAKE_SOURCE_DIR}/include -I${CMAKE_SOURCE_DIR}/tests
            ${sources} -o ${output}
    DEPENDS ${arg_SOURCES} ${arg_DEPENDS}
    COMMENT "clang libFuzzer: fuzz_${name}")
  add_custom_target(${target} ALL DEPENDS ${output})
  add_test(NAME fuzz.${name}-short
    COMMAND ${output} -seed=1 -max_total_time=${arg_SECONDS} -print_final_stats=1)
endfunction()

# kiln_boot_test(TEST-NAME ARGS ci/boot-argument... [EXPECT part...])
#   kiln_boot_test(qemu.unknown-option-warning
#     ARGS --emulator qemu --cmdline "poweroff frobnicate=3"
#     EXPECT "warning: unknown command-line option 'frobnicate'"
#            "kiln: power off \\(success\\)")
# A part may hold "\n" where two lines must be adjacent; keep its brackets
# balanced ("[^\n]*", "\\[1\\]"): CMake's lists do not split inside [...].
function(kiln_boot_test name)
  kiln_parse_arguments(kiln_boot_test
    "kiln_boot_test(TEST-NAME ARGS ci/boot-argument... [EXPECT part...])" "" "ARGS;EXPECT" "ARGS")
  add_test(NAME ${name} COMMAND ${KILN_BOOT} ${arg_ARGS})
  if(DEFINED arg_EXPECT)
    list(JOIN arg_EXPECT ".*" regex)
    set_tests_properties(${name} PROPERTIES PASS_REGULAR_EXPRESSION "${regex}")
  endif()
  if("bochs" IN_LIST arg_ARGS)
    set_tests_properties(${name} PROPERTIES RESOURCE_LOCK bochs)
  endif()
endfunction()

# kiln_build_fails_test(TEST-NAME SOURCE file EXPECT regex)
#   kiln_build_fails_test(build.vmm-map-swapped-addresses
#     SOURCE tests/must_not_compile/vmm_map_swapped.c
#     EXPECT "incompatible type for argument 2 of 'vmm_map'")
# cmake/check_build_fails.cmake runs the compile and judges it. The regex must
# not hold a ';' (CMake would split it into two arguments).
set(KILN_KERNEL_COMPILE_FLAGS -std=gnu11 ${KILN_KERNEL_C_FLAGS} ${KILN_WARNINGS}
  -I${CMAKE_SOURCE_DIR}/include)
function(kiln_build_fails_test name)
  kiln_parse_arguments(kiln_build_fails_test
    "kiln_build_fails_test(TEST-NAME SOURCE file EXPECT regex)" "SOURCE;EXPECT" "" "SOURCE;EXPECT")
  if(NOT EXISTS ${CMAKE_SOURCE_DIR}/${arg_SOURCE})
    message(FATAL_ERROR "kiln_build_fails_test(${name}): no file ${arg_SOURCE}")
  endif()
  add_test(NAME ${name}
    COMMAND ${CMAKE_COMMAND}
            -DSOURCE=${CMAKE_SOURCE_DIR}/${arg_SOURCE}
            -DOBJECT=${CMAKE_BINARY_DIR}/build-fails/${name}.o
            -DEXPECT=${arg_EXPECT}
            -P ${CMAKE_SOURCE_DIR}/cmake/check_build_fails.cmake
            -- ${CMAKE_C_COMPILER} ${KILN_KERNEL_COMPILE_FLAGS})
endfunction()
