# cmake/emulators.cmake - checks of the whole kernel rather than one layer.
#
# Included from CMakeLists.txt after cmake/kiln.cmake.
#   qemu.ktest, bochs.ktest, qemu.ktest-cpu-qemu64   every in-kernel test (ktest=all)
#   emulators.same-tap-count     QEMU and Bochs plan and report the same tests
#   qemu.unknown-suite           a misspelt suite is a failure with a reason
#   qemu.ktest-failures-reported failing tests and panics inside tests are "not ok"
#   qemu.crash-*, bochs.crash-triple-fault   ci/boot names each way a kernel can fail
#   build.clang                  ci/build-clang: the clang preset builds, passes its
#                                host tests and boots ktest=all
#   ci.kiln-ci                   unit tests of ci/kiln_ci.py, the scripts' one TAP
#                                parser, bounded reader, escape stripping and size parsing
#   ci.scripts                   ci/qemu's verdicts and headless runs, ci/install-deps's
#                                advice without a terminal (stand-ins for QEMU and sudo)
#   ci.junit-schemas             ci/grade's JUnit valid under the strict Ant and the Jenkins
#                                schemas (xmllint); Gradescope fields documented
#   qemu.ci-qemu                 ./ci/qemu "ktest=..." exits 0 on a pass, 1 on a failure

kiln_boot_test(qemu.ktest ARGS --emulator qemu --cmdline "ktest=all"
  --json ${CMAKE_BINARY_DIR}/ktest-all-qemu.json)
kiln_boot_test(bochs.ktest ARGS --emulator bochs --cmdline "ktest=all"
  --json ${CMAKE_BINARY_DIR}/ktest-all-bochs.json)
set_tests_properties(qemu.ktest bochs.ktest PROPERTIES FIXTURES_SETUP ktest-all-json)
kiln_boot_test(qemu.ktest-cpu-qemu64 ARGS --emulator qemu --cpu qemu64 --cmdline "ktest=all")

add_test(NAME ci.kiln-ci COMMAND ${CMAKE_SOURCE_DIR}/tests/ci/test_kiln_ci.py)
add_test(NAME ci.scripts COMMAND ${CMAKE_SOURCE_DIR}/tests/ci/test_scripts.py)
add_test(NAME ci.junit-schemas COMMAND ${CMAKE_SOURCE_DIR}/tests/ci/test_junit_schemas.py)
add_test(NAME qemu.ci-qemu COMMAND ${CMAKE_SOURCE_DIR}/tests/emu/qemu_script.py)

# QEMU and Bochs run the same tests: the TAP plans must match. It reads what
# qemu.ktest and bochs.ktest found (their --json), so Bochs boots ktest=all once.
add_test(NAME emulators.same-tap-count
  COMMAND ${CMAKE_SOURCE_DIR}/tests/emu/same_tap_count.py ${CMAKE_BINARY_DIR})
set_tests_properties(emulators.same-tap-count PROPERTIES FIXTURES_REQUIRED ktest-all-json)

# A misspelt suite is a failure with a reason, not an empty green run.
kiln_boot_test(qemu.unknown-suite
  ARGS --emulator qemu --cmdline "ktest=nosuchsuite"
  EXPECT "Bail out! unknown ktest suite 'nosuchsuite'"
         "ci/boot: FAIL: the test run bailed out")

# The runner reports failing tests and panics inside tests as "not ok".
kiln_boot_test(qemu.ktest-failures-reported
  ARGS --emulator qemu --cmdline "ktest=broken"
  EXPECT "# panic: a deliberate panic inside a test"
         "not ok 1 - broken"
         "expected 1 \\(0x1\\), got 2 \\(0x2\\)"
         "not ok 2 - broken"
         "# panic: #UD invalid opcode"
         "not ok 3 - broken"
         "ok 4 - broken"
         "ci/boot: FAIL: 3 of 4 tests failed")

# ci/boot names each way a kernel can fail (crash=KIND fails on purpose).
kiln_boot_test(qemu.crash-panic
  ARGS --emulator qemu --cmdline "crash=panic"
  EXPECT "ci/boot: FAIL: kernel panic: crash=panic asked for a panic")
kiln_boot_test(qemu.crash-page-fault
  ARGS --emulator qemu --cmdline "crash=page-fault"
  EXPECT "KERNEL PANIC: #PF page fault, error code 0x2, at rip 0x[0-9a-f]+, \
cr2 0xffff900000000000 \\(kernel write, page not present\\)"
         "  rax [0-9a-f]+"
         "ci/boot: FAIL: kernel panic")
kiln_boot_test(qemu.crash-triple-fault
  ARGS --emulator qemu --cmdline "crash=triple-fault"
  EXPECT "ci/boot: FAIL: the machine reset \\(triple fault")
kiln_boot_test(bochs.crash-triple-fault
  ARGS --emulator bochs --cmdline "crash=triple-fault"
  EXPECT "ci/boot: FAIL: the machine reset \\(triple fault")
kiln_boot_test(qemu.crash-hang
  ARGS --emulator qemu --cmdline "crash=hang" --timeout 5
  EXPECT "ci/boot: FAIL: timeout after 20 s with the guest idle")
# A kernel stack overflow hits the guard page: a named double-fault panic, not a reset.
kiln_boot_test(qemu.crash-stack-overflow
  ARGS --emulator qemu --cmdline "crash=stack-overflow"
  EXPECT "KERNEL PANIC: #DF double fault[^\n]*; kernel stack overflow: \
cr2 0x[0-9a-f]+ is in the guard page under the boot stack"
         "ci/boot: FAIL: kernel panic")

# The kernel must also build with clang (and its host tests pass under it).
add_test(NAME build.clang
  COMMAND ${CMAKE_COMMAND} -E env ${CMAKE_SOURCE_DIR}/ci/build-clang)
set_tests_properties(build.clang PROPERTIES COST 800) # long: started early (labs.cmake says why)
