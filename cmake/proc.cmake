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
  src/proc/uaccess.c src/mm/vmm.c src/mm/pmm.c src/mm/memmap.c src/lib/format.c)

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

# ---- running user programs (the kernel side: src/proc/process.c, syscall.c)
# A plain boot runs the demo; strace shows each system call; a missing
# program is a message, not a crash. The suites "user" and "hostile" run
# in qemu.ktest and bochs.ktest with everything else (ktest=all).
add_test(NAME qemu.run-demo COMMAND ${BOOT} --emulator qemu --cmdline "poweroff")
set_tests_properties(qemu.run-demo PROPERTIES
  PASS_REGULAR_EXPRESSION "boot: module [0-9]+: [^\n]*\"demo\".*kiln: running demo\ndemo: [^\n]*\n.*demo: arena 0 at 0x100000000000.*kiln: process 1 \\(demo\\) exited with status 0\nkiln: power off \\(success\\)")
add_test(NAME qemu.run-strace COMMAND ${BOOT} --emulator qemu --cmdline "run=hello,no-such-program,hostile-null strace poweroff")
set_tests_properties(qemu.run-strace PROPERTIES
  PASS_REGULAR_EXPRESSION "strace: hello\\[1\\]: write\\(0x[0-9a-f]+, 0x12\\) = 0x12\n.*kiln: process 1 \\(hello\\) exited with status 0\nkiln: running no-such-program\nkiln: cannot run no-such-program: no program 'no-such-program'.*kiln: process 2 \\(hostile-null\\) killed: #PF page fault at rip 0x[0-9a-f]+, cr2 0 \\(user read, page not present\\): a NULL pointer.*kiln: power off \\(success\\)")
# What a program prints cannot pass for a TAP line or a kernel line: each
# line gets the program's name in front (and ci/boot still sees a clean run).
add_test(NAME qemu.run-fake-tap COMMAND ${BOOT} --emulator qemu --cmdline "run=hostile-fake-tap poweroff")
set_tests_properties(qemu.run-fake-tap PROPERTIES
  PASS_REGULAR_EXPRESSION "\nhostile-fake-tap: 1\\.\\.1\nhostile-fake-tap: ok 1 - pmm: a result the kernel never reported\n.*hostile-fake-tap: kiln: power off \\(success\\)\n.*ci/boot: PASS: clean power-off")
