# cmake/grade.cmake - tests of the grader, ci/grade (docs/grading.md).
#
# Included at the end of CMakeLists.txt. Each grade.* test but the first two runs
# ci/grade through tests/grade/grade_case.py, which also checks that the JSON,
# JUnit and Gradescope reports agree and that the exit status is 0 only on full marks.
#   grade.parsing            unit tests of the TAP and cmocka readers, the limits on
#                            time and output, and the report writers
#   grade.manifest-current   ci/tests-manifest.json lists exactly the solution's tests
#                            (skipped when a host test program cannot run to the end)
#   grade.solution           every lab, built by ci/grade in BUILD/grade-build: full marks
#   grade.solution-bochs     lab 1 in Bochs: full marks
#   grade.kernel-*           a kernel that hangs, panics, triple-faults, reboots or
#                            floods the console (crash=KIND appended to the command
#                            line): its in-kernel tests score 0 with the reason, its
#                            host tests still count. Lab 5: its suites need every
#                            layer, so crash= acts before the tests run.
#   grade.build-fails        a copy of the tree with a C file broken: every test 0,
#                            "the build failed", the compiler's error in the report
#   grade.transplant-solved  ci/grade --submission on a lab 2 handout whose regions hold
#                            the solution: full marks, the instructor-only test included
#   grade.cheat-*            lab 2 submissions that cheat (tests/grade/cheats.py): outside
#                            the regions (fake TAP and exit port in the kernel, fake cmocka
#                            lines from a constructor), inside a region (assembly, port I/O,
#                            exit, a fake TAP string, a constructor), with test files of
#                            their own: 0 for every test, with the reason
#   grade.sandbox            tests/grade/test_sandbox.py: the sandbox kills a setsid()
#                            escape and a fork bomb, refuses writes outside the build
#                            directory and reads of the instructor's files
# The kernel-* tests grade the CTest build tree as it is (--no-build); only
# grade.solution builds, in a tree of its own; a test added later that builds there must
# take its lock, kiln-grade-build, too.

set(GRADE ${CMAKE_CURRENT_SOURCE_DIR}/ci/grade)
set(GRADE_CASE ${CMAKE_CURRENT_SOURCE_DIR}/tests/grade/grade_case.py)
set(GRADE_BUILT --build-dir ${CMAKE_BINARY_DIR} --no-build)

add_test(NAME grade.parsing COMMAND ${CMAKE_CURRENT_SOURCE_DIR}/tests/grade/test_grade_parsing.py)

add_test(NAME grade.manifest-current COMMAND ${GRADE} --check-manifest ${GRADE_BUILT})
set_tests_properties(grade.manifest-current PROPERTIES SKIP_RETURN_CODE 77)

add_test(NAME grade.solution
  COMMAND ${GRADE_CASE} --full -- --build-dir ${CMAKE_BINARY_DIR}/grade-build)
set_tests_properties(grade.solution PROPERTIES RESOURCE_LOCK kiln-grade-build)

add_test(NAME grade.solution-bochs
  COMMAND ${GRADE_CASE} --full -- --emulator bochs --lab 1 ${GRADE_BUILT})
set_tests_properties(grade.solution-bochs PROPERTIES RESOURCE_LOCK bochs)

# kiln_grade_broken_kernel(NAME KIND TIMEOUT REASON-REGEX)
function(kiln_grade_broken_kernel name kind timeout reason)
  add_test(NAME grade.kernel-${name}
    COMMAND ${GRADE_CASE} --host-full --ktest-zero "^not reported; the boot ended: ${reason}"
            -- --lab 5 ${GRADE_BUILT} --timeout ${timeout} --kernel-cmdline-extra crash=${kind})
endfunction()
kiln_grade_broken_kernel(hangs hang 10 "timeout after 40 s with the guest idle \\(wall clock\\) \\(last line: 'kiln: crashing on purpose \\(crash=hang\\)'\\)")
kiln_grade_broken_kernel(panics panic 30 "kernel panic: crash=panic asked for a panic$")
kiln_grade_broken_kernel(triple-faults triple-fault 30 "the machine reset \\(triple fault")
kiln_grade_broken_kernel(reboots reboot 30 "the machine reset \\(triple fault or reboot\\)")
kiln_grade_broken_kernel(floods flood 150 "output limit exceeded \\(more than 2 MiB\\)")

add_test(NAME grade.transplant-solved
  COMMAND ${GRADE_CASE} --submission-of solved --full
          --output "host_pmm_hidden: test_every_frame_once_then_none")
add_test(NAME grade.cheat-outside
  COMMAND ${GRADE_CASE} --submission-of outside --all-zero "^(not reported|not run|failed)"
          --ignored "^src/mm/pmm.c: changed outside its lab regions")
add_test(NAME grade.cheat-in-region
  COMMAND ${GRADE_CASE} --submission-of in-region
          --all-zero "^the lab 2 regions use what no lab needs: src/mm/pmm.c:[0-9]+: include: "
          --output "violation: [^\n]*: asm: .*violation: [^\n]*: exit-port: .*violation: [^\n]*: port-io: .*violation: [^\n]*: fake-results: .*violation: [^\n]*: exit: .*violation: [^\n]*: constructor: ")
add_test(NAME grade.cheat-test-files
  COMMAND ${GRADE_CASE} --submission-of test-files
          --all-zero "^refused: the submission carries test or grading files of its own: ci/tests-manifest.json \\(changed\\), tests/test_pmm.c \\(changed\\)")
add_test(NAME grade.sandbox COMMAND ${CMAKE_CURRENT_SOURCE_DIR}/tests/grade/test_sandbox.py)

add_test(NAME grade.build-fails
  COMMAND ${GRADE_CASE} --all-zero "^the build failed"
          --output "error: #error deliberately broken by grade.build-fails"
          --broken-tree src/lib/cmdline.c "#error deliberately broken by grade.build-fails"
          -- --lab 1 --timeout 30)
