# cmake/boot.cmake - src/boot and the kernel command line: what GRUB hands over.
#
# Included from CMakeLists.txt after cmake/kiln.cmake.
#   host.cmdline                  cmocka tests of src/lib/cmdline.c
#   host.multiboot2               cmocka tests of src/boot/multiboot2.c, the MBI parser
#   fuzz.multiboot2-short         libFuzzer on the parser for 15 s; build/fuzz_multiboot2
#                                 -max_total_time=600 runs it for ten minutes
#   build.multiboot2-header       GRUB recognises kernel.elf's Multiboot2 header
#   qemu.boot-report              the plain boot's report
#   qemu.unknown-option-warning   an unknown option is reported
#   qemu.no-long-mode             a CPU without long mode gets the clear message
#   qemu.ktest-with-modules       modules GRUB loads, listed and withheld from the PMM

kiln_host_test(cmdline SOURCES tests/test_cmdline.c src/lib/cmdline.c)
kiln_host_test(multiboot2 SOURCES tests/test_multiboot2.c src/boot/multiboot2.c)

# The binary keeps its old place, build/fuzz_multiboot2 (docs/labs/lab1-boot.md
# runs it), and so its make target is "fuzzers", not fuzz_multiboot2.
kiln_fuzz_target(multiboot2
  SOURCES
    src/boot/multiboot2.c
    tests/fuzz_multiboot2.c
  DEPENDS
    include/boot/multiboot2.h
    include/boot/boot_info.h
  SECONDS 15
  OUTPUT ${CMAKE_BINARY_DIR}/fuzz_multiboot2
  TARGET fuzzers)

add_test(NAME build.multiboot2-header
  COMMAND grub-file --is-x86-multiboot2 $<TARGET_FILE:kernel.elf>)

# The plain boot: banner, bootloader name and command line in the report.
kiln_boot_test(qemu.boot-report
  ARGS --emulator qemu --cmdline "poweroff"
  EXPECT "boot: bootloader: GRUB 2[^\n]*\n"
         "boot: command line: \"poweroff\""
         "kiln: power off \\(success\\)")

# An unknown option is reported, not ignored.
kiln_boot_test(qemu.unknown-option-warning
  ARGS --emulator qemu --cmdline "poweroff frobnicate=3"
  EXPECT "warning: unknown command-line option 'frobnicate'"
         "kiln: power off \\(success\\)")

# A CPU without long mode gets the clear message (and ci/boot says so).
kiln_boot_test(qemu.no-long-mode
  ARGS --emulator qemu --cpu qemu32 --timeout 30
  EXPECT "kiln: boot failed: this CPU has no long mode")

# Modules GRUB loads are listed in the boot report and withheld from the PMM.
kiln_boot_test(qemu.ktest-with-modules
  ARGS --emulator qemu --cmdline "ktest=pmm,boot"
       --module ${CMAKE_SOURCE_DIR}/README.md --module ${CMAKE_SOURCE_DIR}/iso/grub.cfg
  EXPECT "boot: module 0: 0x[0-9a-f]+-0x[0-9a-f]+ \"README.md\""
         "pmm: +withheld [^\n]* module"
         "# [0-9]+ module\\(s\\) checked"
         "ci/boot: PASS")
