# cmake/proc.cmake - host tests and fuzzing for the process layer (src/proc).
#
# Included at the end of CMakeLists.txt, after kiln_host_test is defined.
#   host_elf      cmocka tests of src/proc/elf.c, the ELF64 validator
#                 (CTest: host.elf), with ASan + UBSan
#   host_uaccess  cmocka tests of src/proc/uaccess.c over a simulated machine:
#                 the real VMM and PMM on a buffer standing in for RAM
#                 (CTest: host.uaccess)
#   fuzz_elf      libFuzzer target for the validator, built with clang when
#                 CMake finds one (CTest: fuzz.elf-short, 10 seconds, seed 1);
#                 build/fuzz/fuzz_elf -max_total_time=600 runs it for ten
#                 minutes. (The binary sits in build/fuzz/ because a file
#                 build/fuzz_elf would clash with the make target fuzz_elf.)

kiln_host_test(elf tests/test_elf.c src/proc/elf.c src/lib/format.c)
kiln_host_test(uaccess tests/test_uaccess.c
  src/proc/uaccess.c src/mm/vmm.c src/mm/pmm.c src/lib/format.c)

if(CLANG_FOR_FUZZING)
  set(KILN_FUZZ_ELF ${CMAKE_BINARY_DIR}/fuzz/fuzz_elf)
  add_custom_command(
    OUTPUT ${KILN_FUZZ_ELF}
    COMMAND ${CMAKE_COMMAND} -E make_directory ${CMAKE_BINARY_DIR}/fuzz
    COMMAND ${CLANG_FOR_FUZZING} -std=gnu11 -g -O1 ${KILN_WARNINGS}
            -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=all
            -I${CMAKE_CURRENT_SOURCE_DIR}/include -I${CMAKE_CURRENT_SOURCE_DIR}/tests
            ${CMAKE_CURRENT_SOURCE_DIR}/src/proc/elf.c
            ${CMAKE_CURRENT_SOURCE_DIR}/src/lib/format.c
            ${CMAKE_CURRENT_SOURCE_DIR}/tests/fuzz_elf.c
            -o ${KILN_FUZZ_ELF}
    DEPENDS src/proc/elf.c src/lib/format.c tests/fuzz_elf.c tests/elf_builder.h
            include/proc/elf.h include/lib/format.h include/mm/vmm.h include/mm/layout.h
    COMMENT "clang libFuzzer: fuzz_elf")
  add_custom_target(fuzz_elf ALL DEPENDS ${KILN_FUZZ_ELF})
  add_test(NAME fuzz.elf-short
    COMMAND ${KILN_FUZZ_ELF} -seed=1 -max_total_time=10 -print_final_stats=1)
endif()
