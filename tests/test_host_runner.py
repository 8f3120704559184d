#!/usr/bin/env python3
"""tests/test_host_runner.py - the host tests' harness reports each failure where it happened.

    tests/test_host_runner.py BUILD/host_runner_check

Runs tests/host_runner_check.c's program, whose cases fail on purpose one way
each, and checks what tests/host_runner.c (each case in a process of its own)
and tests/host_panic.h (panic() for the host tests) make of them:

  - every case is reported, and the cases after a crash and after an endless
    loop still run and pass;
  - the heap overflow's result names the sanitizer's finding and the first
    frame in kiln's code, with its file and line;
  - the unexpected panic fails at the test's line that made the call, and says
    which kernel function panicked and the chain of test lines that led there;
  - the EXPECT_PANIC that lacks a word fails at the EXPECT_PANIC's own line;
  - the endless loop is stopped by its CPU-time limit and says so;
  - cmocka's summary counts all six, and the exit status is the failures' count.

It also runs the program in one process (KILN_HOST_TESTS_IN_ONE_PROCESS=1) and
checks that the overflow then ends the program, so the check of the forked
runner can fail. CTest: host.runner (cmake/kiln.cmake). Standard library only.
"""
import os
import re
import resource
import subprocess
import sys
import unittest

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SOURCE = os.path.join(REPO, "tests", "host_runner_check.c")
PROGRAM = None


def cited(name):
    """The line of tests/host_runner_check.c that carries /* CITED: name */."""
    with open(SOURCE, encoding="utf-8") as f:
        for number, line in enumerate(f, 1):
            if f"CITED: {name} */" in line:
                return f"tests/host_runner_check.c:{number}"
    raise AssertionError(f"no line says CITED: {name}")


def run(env_extra=None, cpu_seconds=3):
    def limit():  # the program's own CPU limit: its endless case stops after cpu_seconds
        soft, hard = resource.getrlimit(resource.RLIMIT_CPU)
        resource.setrlimit(resource.RLIMIT_CPU, (cpu_seconds, hard))
    env = dict(os.environ, CMOCKA_MESSAGE_OUTPUT="STDOUT", **(env_extra or {}))
    env.pop("KILN_HOST_TESTS_IN_ONE_PROCESS", None) if not env_extra else None
    r = subprocess.run([PROGRAM], env=env, preexec_fn=limit, stdout=subprocess.PIPE,
                       stderr=subprocess.STDOUT, text=True, errors="replace", timeout=300)
    return r.returncode, r.stdout


def case_output(out, name):
    """The lines from [ RUN ] name to its [ OK ]/[ FAILED ] line."""
    m = re.search(rf"^\[ RUN      \] {name}\n(.*?)^\[ *(OK|FAILED) *\] {name}$", out, re.S | re.M)
    assert m, f"{name} was not reported:\n{out}"
    return m.group(2), m.group(1)


class Runner(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.status, cls.out = run()

    def test_every_case_reported_and_the_last_still_passes(self):
        self.assertEqual(case_output(self.out, "test_passes_first")[0], "OK")
        self.assertEqual(case_output(self.out, "test_passes_last")[0], "OK",
                         "a case after a crash and an endless loop must still run")
        self.assertIn("[==========] 6 test(s) run.", self.out)
        self.assertIn("[  PASSED  ] 2 test(s).", self.out)
        self.assertIn("[  FAILED  ] 4 test(s), listed below:", self.out)
        self.assertEqual(self.status, 4, "the exit status counts the failed cases")
        self.assertEqual(self.out.count("[==========] Running"), 1, "one header for the group")

    def test_a_crash_names_the_finding_and_the_line(self):
        verdict, text = case_output(self.out, "test_overflows_the_heap")
        self.assertEqual(verdict, "FAILED")
        first = text.splitlines()[0]
        self.assertIn("this test crashed: AddressSanitizer: heap-buffer-overflow", first)
        self.assertIn(f"first in kiln's code at test_overflows_the_heap ({cited('overflow')})", first)

    def test_an_unexpected_panic_cites_the_call_and_the_kernel_function(self):
        verdict, text = case_output(self.out, "test_panics_unexpectedly")
        self.assertEqual(verdict, "FAILED")
        self.assertIn(f"{cited('helper')}: error: Failure!", text)
        self.assertRegex(text, r"unexpected panic: .*\[panic\(\) called in \w+ \(src/mm/pmm\.c:\d+\), "
                               rf"from free_an_unaligned_frame \({re.escape(cited('helper'))}\) <- "
                               rf"test_panics_unexpectedly \({re.escape(cited('caller'))}\)\]")
        self.assertNotIn("host_panic.h", text, "the hook's own line is not the failure's place")

    def test_an_expect_panic_without_its_word_cites_its_own_line(self):
        verdict, text = case_output(self.out, "test_expected_panic_lacks_a_word")
        self.assertEqual(verdict, "FAILED")
        self.assertIn("which lacks \"no such word\"", text)
        self.assertIn(f"{cited('expect')}: error: Failure!", text)

    def test_an_endless_loop_is_stopped_by_its_cpu_limit(self):
        verdict, text = case_output(self.out, "test_loops_forever")
        self.assertEqual(verdict, "FAILED")
        self.assertIn("was killed by SIGXCPU (its CPU-time limit", text)

    def test_in_one_process_the_crash_ends_the_program(self):
        status, out = run({"KILN_HOST_TESTS_IN_ONE_PROCESS": "1"})
        self.assertNotEqual(status, 0)
        self.assertNotIn("[       OK ] test_passes_last", out)
        self.assertIn("AddressSanitizer: heap-buffer-overflow", out)


if __name__ == "__main__":
    if len(sys.argv) < 2:
        sys.exit("usage: tests/test_host_runner.py BUILD/host_runner_check")
    PROGRAM = os.path.abspath(sys.argv.pop(1))
    unittest.main(verbosity=2)
