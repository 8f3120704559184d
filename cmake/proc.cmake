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
#   the vm= policies: see the section at the end
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

# ---- demand paging (src/proc/demand.c, docs/demand.md): the vm= policies
#   qemu.ktest-vm-demand, qemu.ktest-vm-zero-page   every suite under each lazy policy
#   bochs.ktest-vm-demand, bochs.ktest-vm-zero-page the suites that run programs, in Bochs
#   qemu.run-vm-demand      faults resolved and regions shown under strace; the 1 GiB .bss runs
#   qemu.vm-unknown-policy  a misspelt policy is a warning, and immediate stays
#   qemu.crash-page-fault-vm-demand  a kernel fault on an unbacked kernel address still panics
kiln_boot_test(qemu.ktest-vm-demand ARGS --emulator qemu --cmdline "ktest=all vm=demand")
kiln_boot_test(qemu.ktest-vm-zero-page ARGS --emulator qemu --cmdline "ktest=all vm=zero-page")
kiln_boot_test(bochs.ktest-vm-demand
  ARGS --emulator bochs --cmdline "ktest=user,hostile,bigbss,demand vm=demand")
kiln_boot_test(bochs.ktest-vm-zero-page
  ARGS --emulator bochs --cmdline "ktest=user,hostile,bigbss,demand vm=zero-page")
kiln_boot_test(qemu.run-vm-demand
  ARGS --emulator qemu --cmdline "run=hello,bigbss-refused vm=demand strace poweroff"
  EXPECT "kiln: user heap, stack and \\.bss are backed on demand \\(vm=demand\\)"
         "strace: hello\\[1\\]: page fault at 0x7ffeffff[0-9a-f]+ \\(stack demand\\): backed with a zeroed frame"
         "kiln: process 1 \\(hello\\) under vm=demand: [0-9]+ frames at peak"
         "  0x7ffeffef0000-0x7ffeffff0000 +1 MiB --- guard never mapped\n\
  0x7ffeffff0000-0x7fff00000000 +64 KiB rw- stack demand"
         "bigbss-refused: 1 GiB of \\.bss was mapped"
         "kiln: process 2 \\(bigbss-refused\\) exited with status 0"
         "  0x000000403000-0x000040404000 +1048580 KiB rw- bss +demand"
         "kiln: power off \\(success\\)")
kiln_boot_test(qemu.vm-unknown-policy
  ARGS --emulator qemu --cmdline "vm=lazy run=hello poweroff"
  EXPECT "kiln: warning: vm=lazy is not a policy \\(immediate, demand or zero-page\\); using immediate"
         "kiln: process 1 \\(hello\\) exited with status 0")
kiln_boot_test(qemu.crash-page-fault-vm-demand
  ARGS --emulator qemu --cmdline "vm=demand crash=page-fault"
  EXPECT "KERNEL PANIC: #PF page fault, error code 0x2, at rip 0x[0-9a-f]+, \
cr2 0xffff900000000000 \\(kernel write, page not present\\)"
         "ci/boot: FAIL: kernel panic")
