# cmake/debug.cmake - what the debugging walkthroughs need, and the tests that keep them working.
#
# Included from CMakeLists.txt after cmake/kiln.cmake.
#   kernel.sym             kernel.elf's symbols as "address name" lines, the form the
#                          Bochs debugger's `ldsym` reads (ci/bochs-symbols, run on every build)
#   bochs.debug-session    a scripted Bochs debugger session through ci/bochs-debug
#   qemu.gdb-session       a scripted GDB session against QEMU through ci/gdb
#   qemu.break-stages      break=STAGE prints its lines and warns about unknown stages
# docs/debugging.md is the walkthrough both sessions follow command for command.

add_custom_command(
  OUTPUT ${CMAKE_BINARY_DIR}/kernel.sym
  COMMAND ${CMAKE_SOURCE_DIR}/ci/bochs-symbols --nm ${CMAKE_NM}
          $<TARGET_FILE:kernel.elf> ${CMAKE_BINARY_DIR}/kernel.sym
  DEPENDS kernel.elf ${CMAKE_SOURCE_DIR}/ci/bochs-symbols
  COMMENT "ci/bochs-symbols: kernel.sym (symbols for the Bochs debugger)")
add_custom_target(kernel-symbols ALL DEPENDS ${CMAKE_BINARY_DIR}/kernel.sym)

# The Bochs walkthrough of docs/debugging.md, run headless: symbolic breakpoints,
# magic breakpoints (break=vmm,heap), registers, CR3 and page-table lookups.
add_test(NAME bochs.debug-session
  COMMAND ${CMAKE_SOURCE_DIR}/tests/emu/bochs_debug_session.py ${CMAKE_BINARY_DIR})
set_tests_properties(bochs.debug-session PROPERTIES RESOURCE_LOCK bochs TIMEOUT 120)

# The GDB walkthrough: QEMU halted on a free port, gdb -batch with ci/kiln.gdb.
add_test(NAME qemu.gdb-session
  COMMAND ${CMAKE_SOURCE_DIR}/tests/emu/gdb_session.py ${CMAKE_BINARY_DIR})
set_tests_properties(qemu.gdb-session PROPERTIES TIMEOUT 600)

# break= prints a line per enabled stage (the xchg is a no-op in QEMU) and
# warns about a name that is not a stage.
kiln_boot_test(qemu.break-stages
  ARGS --emulator qemu --cmdline "break=boot,vnm,heap,user run=hello poweroff"
  EXPECT "kiln: warning: break=boot,vnm,heap: 'vnm' is not a stage \\(known: boot pmm vmm heap user; \
or break=all\\)\nbreak: stage boot \\(magic breakpoint: xchg bx,bx\\)\n"
         "break: stage heap \\(magic breakpoint: xchg bx,bx\\)\n"
         "kiln: running hello\nbreak: stage user \\(magic breakpoint: xchg bx,bx\\)\n\
hello: hello from ring 3\n"
         "kiln: power off \\(success\\)")

# ---- backtraces and the monitor
#   host.symbols                    the symbol lookup (src/kernel/symbols.c) on hand-made ELF tables
#   qemu.panic-backtrace-names-function   a page fault's panic names crash_on_purpose, then kmain
#   qemu.panic-backtrace-from-panic a panic() call's backtrace starts at its caller
#   qemu.monitor-session            tests/emu/monitor_session.py drives the monitor over COM1
#   qemu.monitor-keyboard           tests/emu/keyboard_keys.py: Tab and Up from the PS/2 keyboard
kiln_host_test(symbols SOURCES tests/test_symbols.c src/kernel/symbols.c)

kiln_boot_test(qemu.panic-backtrace-names-function
  ARGS --emulator qemu --cmdline "crash=page-fault"
  EXPECT "boot: symbols: [0-9]+ code symbols from \\.symtab"
         "KERNEL PANIC: #PF page fault"
         "\nbacktrace:\r?\n  #0 0x[0-9a-f]+ crash_on_purpose\\+0x[0-9a-f]+\r?\n\
  #1 0x[0-9a-f]+ kmain\\+0x[0-9a-f]+\r?\n"
         "ci/boot: FAIL: kernel panic")
kiln_boot_test(qemu.panic-backtrace-from-panic
  ARGS --emulator qemu --cmdline "crash=panic"
  EXPECT "KERNEL PANIC: crash=panic asked for a panic\r?\nbacktrace:\r?\n\
  #0 0x[0-9a-f]+ crash_on_purpose\\+0x[0-9a-f]+\r?\n\
  #1 0x[0-9a-f]+ kmain\\+0x[0-9a-f]+\r?\n"
         "ci/boot: FAIL: kernel panic")

add_test(NAME qemu.monitor-session
  COMMAND ${CMAKE_SOURCE_DIR}/tests/emu/monitor_session.py ${CMAKE_BINARY_DIR})
set_tests_properties(qemu.monitor-session PROPERTIES TIMEOUT 120)
add_test(NAME qemu.monitor-keyboard
  COMMAND ${CMAKE_SOURCE_DIR}/tests/emu/keyboard_keys.py ${CMAKE_BINARY_DIR})
set_tests_properties(qemu.monitor-keyboard PROPERTIES TIMEOUT 600) # a backstop only
