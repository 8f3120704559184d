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
#   qemu.ktest-modules-past-limit 230 extra modules beside the ISO's 30 programs: more than
#                                 BOOT_MAX_MODULES (256); a warning, and all still withheld

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

# More modules than BOOT_MAX_MODULES (256): 230 small files made here, loaded ahead of the
# ISO's programs (30 today), so the last few programs are the ones not recorded. The boot warns,
# withholds their span, and the pmm suite checks it frame by frame. GRUB loading 260 modules makes this
# boot about 10 s under TCG, against 3 s for a plain ktest=pmm,boot.
set(extra_modules)
foreach(i RANGE 229)
  math(EXPR padded "1000 + ${i}")
  string(SUBSTRING ${padded} 1 3 padded)
  set(file ${CMAKE_BINARY_DIR}/many-modules/extra-${padded})
  file(CONFIGURE OUTPUT ${file} CONTENT "extra module ${padded}\n")
  list(APPEND extra_modules --module ${file})
endforeach()
kiln_boot_test(qemu.ktest-modules-past-limit
  ARGS --emulator qemu --cmdline "ktest=pmm,boot" ${extra_modules}
  EXPECT "boot: module 255: [^\n]*\n"
         "boot: warning: [0-9]+ modules beyond the first 256 were not recorded [^\n]* withheld"
         "pmm: +withheld [^\n]* modules beyond the limit"
         "# 256 module\\(s\\) checked, and a span for [1-9][0-9]* beyond the limit"
         "ci/boot: PASS")
