#!/usr/bin/env python3
"""tests/ci/test_kiln_ci.py - unit tests of ci/kiln_ci.py, what the scripts share.

The TAP reader's rules on hostile and malformed input, escape stripping, the
memory-size parser, the bounded reader (line cutting, the byte limit, following
a file still being written) and the process limits of run_bounded (time,
output, process groups). Runs in a few seconds; no kernel or emulator needed.
"""
import argparse
import io
import os
import signal
import sys
import tempfile
import threading
import time
import unittest

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
sys.path.insert(0, os.path.join(REPO, "ci"))
import kiln_ci  # noqa: E402


def tap_of(text):
    tap = kiln_ci.Tap()
    for line in text.splitlines():
        tap.feed(kiln_ci.clean(line, kiln_ci.LINE_LIMIT))
    return tap


class RecordTests(unittest.TestCase):
    RECORD = '@kiln-record {"v":1,"kind":"memmap","base":"0x0","end":"0x9fc00"}'

    def test_records_are_never_tap(self):
        with_records = tap_of(f"{self.RECORD}\nTAP version 13\n1..2\n{self.RECORD}\n"
                              f"ok 1 - a: b\n{self.RECORD}\nnot ok 2 - a: c\n")
        self.assertEqual([(r.number, r.ok) for r in with_records.results], [(1, True), (2, False)])
        self.assertEqual(with_records.problems, [])
        self.assertFalse(kiln_ci.Tap().feed(self.RECORD))

    def test_is_record(self):
        self.assertTrue(kiln_ci.is_record(self.RECORD))
        self.assertFalse(kiln_ci.is_record(" " + self.RECORD))
        self.assertFalse(kiln_ci.is_record("ok 1 - @kiln-record"))


class CleanTests(unittest.TestCase):
    def test_escapes_and_controls_go_tabs_and_newlines_stay(self):
        self.assertEqual(kiln_ci.strip_escapes("\x1b[2J\x1b[31mred\x1b[0m\x1b(B\x00\x07a\tb\n"),
                         "reda\tb\n")

    def test_clean_trims_and_cuts(self):
        self.assertEqual(kiln_ci.clean("  \x1b[1mok\r\n"), "ok")
        self.assertEqual(kiln_ci.clean("x" * 50, 10), "xxxxxxx...")
        self.assertEqual(kiln_ci.clean("x" * 10, 10), "x" * 10)


class MemorySizeTests(unittest.TestCase):
    def test_units(self):
        for text, mib in (("128", 128), ("64M", 64), ("64m", 64), ("1G", 1024), ("16GiB", 16384),
                          ("32768K", 32), ("1T", 1 << 20), (" 2 G ", 2048)):
            self.assertEqual(kiln_ci.memory_size(text), mib, text)

    def test_refusals_say_why(self):
        with self.assertRaisesRegex(argparse.ArgumentTypeError, r"bad memory size 'lots'"):
            kiln_ci.memory_size("lots")
        with self.assertRaisesRegex(argparse.ArgumentTypeError, r"whole number of MiB >= 16"):
            kiln_ci.memory_size("8M")
        with self.assertRaisesRegex(argparse.ArgumentTypeError, r"whole number of MiB"):
            kiln_ci.memory_size("16385K")


class TapTests(unittest.TestCase):
    def test_a_clean_run(self):
        tap = tap_of("TAP version 13\n1..2\n# why\nnot ok 1 - pmm: first\nok 2 - pmm: second\n"
                     "# ktest: 2 tests, 1 passed\n")
        self.assertEqual(tap.plan, 2)
        self.assertEqual(tap.problems, [])
        self.assertEqual([(r.number, r.ok, r.description, r.diagnostics) for r in tap.results],
                         [(1, False, "pmm: first", ["why"]), (2, True, "pmm: second", [])])
        self.assertEqual([r.number for r in tap.failed()], [1])

    def test_the_runners_closing_lines_belong_to_no_result(self):
        # src/ktest/ktest.c ends with the summary and one cycle count per suite,
        # then the kernel's free-run line: none of them is a result's diagnostic.
        tap = tap_of("1..2\nnot ok 1 - vmm: a\nok 2 - user: b\n# ktest: 2 tests, 1 passed\n"
                     "# suite vmm: 23751356 cycles, 1 tests\n# suite user: 12 cycles, 1 tests\n"
                     "pmm: free runs: 2 after pmm_init, 2 before the tests, 53 after them\n")
        self.assertEqual(tap.problems, [])
        self.assertEqual([r.diagnostics for r in tap.results], [[], []])
        self.assertEqual(len(tap.results), tap.plan)

    def test_only_well_formed_results_count(self):
        tap = tap_of("ok 1 - early\n1..3\nok 1 - a\nok 1 - again\nok 3 - skipped ahead\n"
                     "ok 2 - b\nok 3 - c\nok 4 - beyond\n1..9\n")
        self.assertEqual([r.description for r in tap.results], ["a", "b", "c"])
        self.assertEqual(tap.problems, ["'ok 1 - early' came before the plan",
                                        "test 1 reported twice", "test 3 reported out of order",
                                        "test 4 beyond the plan", "a second TAP plan line '1..9'"])

    def test_prefixed_lines_are_not_tap(self):
        tap = tap_of("1..1\nhello: ok 1 - pmm: first\nevil:ok 1 - x\nok 1 -\n")
        self.assertEqual(tap.results, [])
        self.assertFalse(tap.feed("hello: 1..5"))
        self.assertIsNone(tap.bail_out)

    def test_bail_out(self):
        tap = tap_of("Bail out! unknown ktest suite 'x'\n")
        self.assertEqual(tap.bail_out, "Bail out! unknown ktest suite 'x'")

    def test_diagnostics_belong_to_the_next_result_and_are_bounded(self):
        tap = tap_of("1..2\n" + "".join(f"# line {i}\n" for i in range(50)) + "ok 1 - a\nok 2 - b\n")
        self.assertEqual(len(tap.results[0].diagnostics), kiln_ci.DIAG_LINES)
        self.assertEqual(tap.results[1].diagnostics, [])

    def test_problems_are_bounded(self):
        tap = kiln_ci.Tap()
        tap.feed("1..1")
        for i in range(1000):
            tap.feed(f"ok {i + 5} - flood")
        self.assertEqual(len(tap.problems), kiln_ci.MAX_PROBLEMS)

    def test_suite_of(self):
        self.assertEqual(kiln_ci.suite_of("pmm: frees coalesce: twice"), ("pmm", "frees coalesce: twice"))
        self.assertEqual(kiln_ci.suite_of("no suite here"), (None, "no suite here"))


class ReadBoundedTests(unittest.TestCase):
    def read(self, data, limit=1 << 20, **kw):
        lines = []
        total, overflow = kiln_ci.read_bounded(io.BytesIO(data), lines.append, limit, **kw)
        return lines, total, overflow

    def test_lines_and_the_last_partial_one(self):
        self.assertEqual(self.read(b"a\r\nb\n\xffc"), (["a\r", "b", "\ufffdc"], 7, False))

    def test_an_endless_line_is_cut(self):
        lines, _, _ = self.read(b"y" * 300000)
        self.assertGreater(len(lines), 1)
        self.assertLessEqual(max(map(len, lines)), kiln_ci.LINE_LIMIT)
        self.assertEqual(sum(map(len, lines)), 300000)

    def test_the_limit_stops_reading(self):
        chunks = []
        lines, total, overflow = self.read(b"z\n" * 100000, limit=1000, on_chunk=chunks.append)
        self.assertTrue(overflow)
        self.assertEqual((lines, chunks), ([], []), "the chunk over the limit goes nowhere")
        self.assertGreater(total, 1000)

    def test_chunks_only(self):
        chunks = []
        total, overflow = kiln_ci.read_bounded(io.BytesIO(b"kiln> "), None, 100, on_chunk=chunks.append)
        self.assertEqual((b"".join(chunks), total, overflow), (b"kiln> ", 6, False))

    def test_following_a_file_still_being_written(self):
        with tempfile.TemporaryDirectory() as tmp:
            path = os.path.join(tmp, "serial.txt")
            done = threading.Event()

            def write():
                with open(path, "ab", buffering=0) as f:
                    for part in (b"one\ntw", b"o\n", b"three"):
                        time.sleep(0.1)
                        f.write(part)
                done.set()

            open(path, "wb").close()
            writer = threading.Thread(target=write)
            writer.start()
            lines = []
            with open(path, "rb") as f:
                kiln_ci.read_bounded(f, lines.append, 1000, follow=lambda: not done.is_set())
            writer.join()
        self.assertEqual(lines, ["one", "two", "three"])


class RunBoundedTests(unittest.TestCase):
    def test_output_limit_stops_the_program(self):
        lines = []
        # "output", not "timeout": the byte limit stopped it (no clock is read).
        ran = kiln_ci.run_bounded([sys.executable, "-c", "while True: print('x' * 99)"], 600,
                                  lines.append, 200_000)
        self.assertEqual(ran.how, "output")
        self.assertLessEqual(len(lines), 2000)
        self.assertEqual(ran.describe(20, 200_000),
                         "was stopped: output limit exceeded (more than 0.190735 MiB)")

    def test_timeout_kills_the_whole_process_group(self):
        with tempfile.TemporaryDirectory() as tmp:
            pidfile = os.path.join(tmp, "pid")
            script = f"sleep 60 & echo $! > {pidfile}; wait"
            ran = kiln_ci.run_bounded(["sh", "-c", script], 0.5, lambda line: None, 1 << 20)
            self.assertEqual(ran.how, "timeout")
            self.assertEqual(ran.describe(0.5, 1), "timed out after 0.5 s")
            with open(pidfile) as f:
                child = f.read().strip()
            time.sleep(0.2)
            try:  # gone, or a zombie waiting for whoever inherited it
                with open(f"/proc/{child}/stat") as f:
                    self.assertEqual(f.read().rsplit(")", 1)[1].split()[0], "Z")
            except FileNotFoundError:
                pass

    def test_cpu_time_limit_stops_a_spinning_program(self):
        # The shell spins on a CPU; 1 s of CPU time stops it long before the
        # 300 s backstop, on a quiet machine or a busy one.
        ran = kiln_ci.run_bounded(["sh", "-c", "while :; do :; done"], 300, lambda line: None,
                                  1 << 20, cpu_seconds=1)
        self.assertEqual((ran.how, ran.status), ("exited", -signal.SIGXCPU))
        self.assertEqual(ran.describe(300, 1, cpu_seconds=1),
                         "was stopped: it used more than 1 s of CPU time")

    def test_a_child_left_behind_does_not_hold_the_run(self):
        # The child would sleep for a day: had the run waited for it, this test would
        # never end (CTest's own limit fails it). It ends, and the child is dead.
        with tempfile.TemporaryDirectory() as tmp:
            pidfile = os.path.join(tmp, "pid")
            lines = []
            ran = kiln_ci.run_bounded(["sh", "-c", f"sleep 86400 & echo $! > {pidfile}; echo started"], 86400,
                                      lines.append, 1 << 20)
            self.assertEqual((ran.how, ran.status, lines), ("exited", 0, ["started"]))
            with open(pidfile) as f:
                child = f.read().strip()
        for _ in range(100):
            try:
                with open(f"/proc/{child}/stat") as f:
                    if f.read().rsplit(")", 1)[1].split()[0] == "Z":
                        break
            except FileNotFoundError:
                break
            time.sleep(0.05)
        else:
            self.fail(f"the child {child} the program left behind is still running")

    def test_cpu_seconds_counts_the_processs_own_cpu_time(self):
        before = kiln_ci.cpu_seconds(os.getpid())
        spun = time.process_time()
        while time.process_time() - spun < 0.3:
            pass
        self.assertGreaterEqual(kiln_ci.cpu_seconds(os.getpid()) - before, 0.2)
        self.assertEqual(kiln_ci.cpu_seconds(2 ** 22 + 12345), 0.0)   # no such process

    def test_exit_status_and_signals_are_described(self):
        self.assertEqual(kiln_ci.Ran("exited", 3, 0, 0).describe(1, 1), "exited with status 3")
        self.assertEqual(kiln_ci.Ran("exited", -11, 0, 0).describe(1, 1), "was killed by SIGSEGV")


class CommandTests(unittest.TestCase):
    def test_qemu_command(self):
        cmd = kiln_ci.qemu_command("/x/kiln.iso", 64, "qemu64")
        self.assertEqual(cmd[0], "qemu-system-x86_64")
        for pair in (["-m", "64M"], ["-cpu", "qemu64"], ["-cdrom", "/x/kiln.iso"], ["-serial", "stdio"]):
            self.assertIn(pair, [cmd[i:i + 2] for i in range(len(cmd) - 1)])
        self.assertIn("-no-reboot", cmd)
        self.assertIn("isa-debug-exit,iobase=0xf4,iosize=0x04", cmd)

    def test_boot_iso_without_a_command_line(self):
        self.assertEqual(kiln_ci.boot_iso("/b"), "/b/kiln.iso")


if __name__ == "__main__":
    unittest.main()
