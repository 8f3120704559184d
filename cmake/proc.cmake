# cmake/proc.cmake - the process layer (src/proc): host tests, fuzzing, running programs.
#
# Included from CMakeLists.txt after cmake/kiln.cmake; the programs themselves
# are built by cmake/user.cmake.
#   host.elf           cmocka tests of src/proc/elf.c, the ELF64 validator
#   host.uaccess       cmocka tests of src/proc/uaccess.c over a simulated machine:
#                      the real VMM and PMM on a buffer standing in for RAM
#   fuzz.elf-short     libFuzzer on the validator for 10 s (build/fuzz/fuzz_elf;
#                      -max_total_time=600 runs it for ten minutes)
#   qemu.run-demo      a plain boot runs the demo
#   qemu.run-strace    strace shows each system call; a missing program is a message
#   qemu.run-fake-tap  a program's output cannot pass for TAP or kernel lines
# The suites "user" and "hostile" run in qemu.ktest and bochs.ktest (ktest=all).

kiln_host_test(elf SOURCES tests/test_elf.c src/proc/elf.c src/lib/format.c)
kiln_host_test(uaccess SOURCES
  tests/test_uaccess.c
  src/proc/uaccess.c
  src/mm/vmm.c
  src/mm/pmm.c
  src/mm/pmm_index.c
  src/mm/memmap.c
  src/lib/format.c
)

kiln_fuzz_target(elf
  SOURCES
    src/proc/elf.c
    src/lib/format.c
    tests/fuzz_elf.c
  DEPENDS
    tests/elf_builder.h
    include/proc/elf.h
    include/lib/format.h
    include/mm/vmm.h
    include/mm/layout.h
  SECONDS 10)

# ---- running user programs (the kernel side: src/proc/process.c, syscall.c)
kiln_boot_test(qemu.run-demo
  ARGS --emulator qemu --cmdline "poweroff"
  EXPECT "boot: module [0-9]+: [^\n]*\"demo\""
         "kiln: running demo\ndemo: [^\n]*\n"
         "demo: arena 0 at 0x100000000000"
         "kiln: process 1 \\(demo\\) exited with status 0\nkiln: power off \\(success\\)")
kiln_boot_test(qemu.run-strace
  ARGS --emulator qemu --cmdline "run=hello,no-such-program,hostile-null strace poweroff"
  EXPECT "strace: hello\\[1\\]: write\\(0x[0-9a-f]+, 0x12\\) = 0x12\n"
         "kiln: process 1 \\(hello\\) exited with status 0\n\
kiln: running no-such-program\n\
kiln: cannot run no-such-program: no program 'no-such-program'"
         "kiln: process 2 \\(hostile-null\\) killed: #PF page fault at rip 0x[0-9a-f]+, cr2 0 \
\\(user read, page not present\\): a NULL pointer"
         "kiln: power off \\(success\\)")
# What a program prints cannot pass for a TAP line or a kernel line: each
# line gets the program's name in front (and ci/boot still sees a clean run).
kiln_boot_test(qemu.run-fake-tap
  ARGS --emulator qemu --cmdline "run=hostile-fake-tap poweroff"
  EXPECT "\nhostile-fake-tap: 1\\.\\.1\n\
hostile-fake-tap: ok 1 - pmm: a result the kernel never reported\n"
         "hostile-fake-tap: kiln: power off \\(success\\)\n"
         "ci/boot: PASS: clean power-off")
