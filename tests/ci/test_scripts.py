#!/usr/bin/env python3
"""tests/ci/test_scripts.py - what a new user meets first: ci/qemu and ci/install-deps.

ci/qemu runs here with a stand-in qemu-system-x86_64 first on PATH (it records its
arguments and whether its stdin is a terminal, reads one line of input, and exits with
the status it is told), with KILN_QEMU_NO_BUILD=1 and KILN_QEMU_ISO so no build is
needed. Checked: QEMU's isa-debug-exit statuses become 0 (pass) and non-zero
(failure, no verdict) with a reason; without a terminal, and in a background job of
one (`timeout 20 ci/qemu` started from a shell on a pseudo-terminal), it says so on
stdout and boots headless instead of stopping; in the foreground of a terminal it
takes the console (-nographic). ci/install-deps runs with stand-ins for dpkg-query,
apt-cache, id and sudo: when sudo needs a password and there is no terminal it must
name the missing packages and the command to install them. tests/emu/qemu_script.py
boots the real kernel through ci/qemu.
"""
import fcntl
import os
import pty
import re
import select
import stat
import subprocess
import tempfile
import termios
import time
import unittest

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
QEMU = os.path.join(REPO, "ci", "qemu")
INSTALL_DEPS = os.path.join(REPO, "ci", "install-deps")
BOUND_S = 30

FAKE_QEMU = """#!/usr/bin/env python3
import os, sys
with open(os.environ["FAKE_LOG"], "w") as log:
    log.write(repr({"argv": sys.argv[1:], "tty": os.isatty(0),
                    "line": sys.stdin.readline().strip()}))
sys.exit(int(os.environ.get("FAKE_STATUS", "0")))
"""


def executable(directory, name, text):
    path = os.path.join(directory, name)
    with open(path, "w") as f:
        f.write(text)
    os.chmod(path, os.stat(path).st_mode | stat.S_IXUSR)


class QemuScript(unittest.TestCase):
    def setUp(self):
        self.dir = tempfile.TemporaryDirectory()
        executable(self.dir.name, "qemu-system-x86_64", FAKE_QEMU)
        self.log = os.path.join(self.dir.name, "log")
        self.env = dict(os.environ, PATH=self.dir.name + os.pathsep + os.environ["PATH"],
                        FAKE_LOG=self.log, KILN_QEMU_NO_BUILD="1",
                        KILN_QEMU_ISO=os.path.join(self.dir.name, "kiln.iso"))

    def tearDown(self):
        self.dir.cleanup()

    def qemu_saw(self):
        with open(self.log) as f:
            return eval(f.read())  # noqa: S307 (our own stand-in wrote it)

    def run_piped(self, status, *args, stdin="typed\n"):
        env = dict(self.env, FAKE_STATUS=str(status))
        return subprocess.run([QEMU, *args], input=stdin, capture_output=True, text=True,
                              env=env, timeout=BOUND_S)

    def test_exit_statuses_become_verdicts(self):
        cases = [(33, ["ktest=pmm"], 0, ""), (33, [], 0, ""),
                 (35, ["ktest=pmm"], 1, 'powered off with "failure"'),
                 (0, ["ktest=pmm"], 2, "without the kernel's verdict"),
                 (0, ["run=hello ktest=all"], 2, "without the kernel's verdict"),
                 (0, [], 0, ""), (0, ["run=hello"], 0, ""),
                 (1, [], 1, "QEMU exited with status 1")]
        for qemu_status, args, expected, reason in cases:
            with self.subTest(qemu_status=qemu_status, args=args):
                ran = self.run_piped(qemu_status, *args)
                self.assertEqual(ran.returncode, expected,
                                 f"QEMU status {qemu_status} with {args}: ci/qemu exited "
                                 f"{ran.returncode}, expected {expected}; stderr: {ran.stderr}")
                self.assertIn(reason, ran.stderr)

    def test_without_a_terminal_it_says_so_and_runs_headless(self):
        ran = self.run_piped(33, "ktest=pmm")
        first = ran.stdout.splitlines()[0] if ran.stdout else ""
        self.assertRegex(first, r"^kiln: stdin is not a terminal: running QEMU headless",
                         f"the notice on stdout; stdout was {ran.stdout!r}")
        saw = self.qemu_saw()
        self.assertNotIn("-nographic", saw["argv"])
        for option in (["-display", "none"], ["-serial", "stdio"], ["-monitor", "none"]):
            i = saw["argv"].index(option[0]) if option[0] in saw["argv"] else -1
            self.assertEqual(saw["argv"][i:i + 2], option, f"QEMU's arguments: {saw['argv']}")
        self.assertEqual(saw["line"], "typed", "what was piped in reaches the serial port")
        self.assertIn("isa-debug-exit,iobase=0xf4,iosize=0x04", saw["argv"])

    def run_on_pty(self, command):
        """Runs `command` as the leader of a new session whose controlling terminal is a
        fresh pseudo-terminal; returns (exit status, what it wrote to the terminal)."""
        master, slave = pty.openpty()

        def take_terminal():
            os.setsid()
            fcntl.ioctl(slave, termios.TIOCSCTTY, 0)

        proc = subprocess.Popen(command, stdin=slave, stdout=slave, stderr=slave,
                                env=dict(self.env, FAKE_STATUS="33"),
                                preexec_fn=take_terminal)
        os.close(slave)
        out = b""
        deadline = time.monotonic() + BOUND_S
        try:
            while time.monotonic() < deadline:
                ready, _, _ = select.select([master], [], [], 0.1)
                if ready:
                    try:
                        chunk = os.read(master, 4096)
                    except OSError:  # EIO: every writer is gone
                        chunk = b""
                    if not chunk and proc.poll() is not None:
                        break
                    out += chunk
                elif proc.poll() is not None:
                    break
                if b"FEED" not in out and b"kiln: booting" in out:
                    os.write(master, b"typed\r")
                    out += b"FEED"
        finally:
            if proc.poll() is None:
                proc.kill()
            proc.wait()
            os.close(master)
        return proc.returncode, out.decode("utf-8", "replace")

    def test_in_the_foreground_of_a_terminal_it_takes_the_console(self):
        status, out = self.run_on_pty([QEMU, "ktest=pmm"])
        self.assertEqual(status, 0, out)
        self.assertIn("kiln: booting", out)
        saw = self.qemu_saw()
        self.assertIn("-nographic", saw["argv"])
        self.assertTrue(saw["tty"], "QEMU's stdin is the terminal")

    def test_in_a_background_job_it_runs_headless_instead_of_stopping(self):
        # A shell without job control starts timeout, which moves itself and ci/qemu
        # into a process group of their own: not the terminal's foreground group.
        status, out = self.run_on_pty(["sh", "-c", f"timeout {BOUND_S - 5} {QEMU} ktest=pmm"])
        self.assertNotEqual(status, 124, "ci/qemu stopped or hung under timeout: " + out)
        self.assertEqual(status, 0, out)
        self.assertIn("kiln: this is a background job (under timeout, or started with &): "
                      "running QEMU headless", out)
        saw = self.qemu_saw()
        self.assertNotIn("-nographic", saw["argv"])
        self.assertFalse(saw["tty"], "QEMU's stdin is not the terminal it cannot read")


def load_ci_test():
    import importlib.machinery
    import importlib.util
    loader = importlib.machinery.SourceFileLoader("kiln_ci_test", os.path.join(REPO, "ci", "test"))
    module = importlib.util.module_from_spec(importlib.util.spec_from_loader(loader.name, loader))
    loader.exec_module(module)
    return module


class Lines:
    """A stand-in for ci/test's Talker that keeps what it would print."""

    def __init__(self):
        self.lines = []

    def say(self, line):
        self.lines.append(line)


# What `ctest -V -j2` prints, cut down: two tests at once, one passes, one fails.
TRANSCRIPT = """\
UpdateCTestConfiguration  from :/work/build/DartConfiguration.tcl
test 46
    Start 46: qemu.ktest
test 47
    Start 47: bochs.ktest
46: Test command: /work/ci/boot "--cmdline" "ktest=all"
47: Test command: /work/ci/boot "--emulator" "bochs"
46: ok 1 - boot: the magic number
46: \x1b[H\x1b[J
47: ok 1 - boot: the magic number
47: not ok 2 - pmm: frees coalesce
47: a test running CTest itself:
    Start 46: qemu.ktest
1/14 Test #46: qemu.ktest .........   Passed    1.00 sec
1/4 Test #46: qemu.ktest .......................   Passed    5.02 sec
47: ci/boot: FAIL: 1 of 95 tests failed: 2 (pmm: frees coalesce)
47: # ktest: 95 tests, 94 passed
2/4 Test #47: bochs.ktest ......................***Failed  150.10 sec
    Start 48: qemu.crash-x
3/4 Test #48: qemu.crash-x .....................***Failed  Required regular expression not found. Regex=[a
b]  2.00 sec
    Start 49: emulators.same-tap-count
Failed test dependencies: bochs.ktest
4/4 Test #49: emulators.same-tap-count .........***Not Run   0.00 sec

50% tests passed, 1 tests failed out of 2
"""


class CiTestScript(unittest.TestCase):
    def test_progress_names_what_runs_and_the_table_names_failures(self):
        ci_test = load_ci_test()
        out = Lines()
        tests = ci_test.Tests(out, total=4)
        lines = TRANSCRIPT.splitlines()
        for line in lines[:11]:          # both started, each printed its first lines
            tests.feed(line)
        status = tests.status()
        self.assertNotIn("\x1b", status, "terminal escapes reach the progress line")
        self.assertRegex(status, r"^0 of 4 tests done \(0 failed\); running qemu\.ktest for \d+ s "
                                 r"\(last: ok 1 - boot: the magic number\); running bochs\.ktest "
                                 r"for \d+ s \(last: not ok 2 - pmm: frees coalesce\)$")
        for line in lines[11:]:
            tests.feed(line)
        self.assertEqual([(n, v) for n, v, _, _ in tests.done],
                         [("qemu.ktest", "Passed"), ("bochs.ktest", "***Failed"),
                          ("qemu.crash-x", "***Failed  Required regular expression not found. "
                                           "Regex=[a"),
                          ("emulators.same-tap-count", "***Not Run")])
        self.assertEqual(tests.running, {}, "a test whose reason runs over two lines still ends")
        self.assertEqual(tests.done[0][2], 5.02, "a test's own CTest output is not a result")
        self.assertIn("  | ci/boot: FAIL: 1 of 95 tests failed: 2 (pmm: frees coalesce)", out.lines,
                      "a failed test's output is shown")
        ci_test.summary(out, [("build", 12.0, "ok")], tests, 200)
        table = "\n".join(out.lines)
        self.assertIn("slowest: bochs.ktest 150 s, qemu.ktest 5 s", table)
        self.assertIn("FAILED bochs.ktest: ***Failed: ci/boot: FAIL: 1 of 95 tests failed", table)
        self.assertIn("FAILED emulators.same-tap-count: ***Not Run: Failed test dependencies: "
                      "bochs.ktest", table)

    def test_silence_brings_a_progress_line(self):
        ci_test = load_ci_test()
        ci_test.QUIET_S = 0.5
        talker = ci_test.Talker()
        talker.status = lambda: "3 of 9 tests done"
        printed = []
        talker.say = lambda line: printed.append(line) or setattr(talker, "last_print",
                                                                  time.monotonic())
        time.sleep(2.5)
        talker.stop.set()
        self.assertTrue(any(re.match(r"^ci/test: \[0:0\d\] 3 of 9 tests done$", p) for p in printed),
                        f"no progress line in {printed}")


class InstallDeps(unittest.TestCase):
    def run_bare(self, args, password_needed):
        """ci/install-deps ARGS on a pretend machine with nothing installed, as a user whose
        sudo needs a password (or not); returns (the run, the commands given to sudo)."""
        with tempfile.TemporaryDirectory() as d:
            executable(d, "dpkg-query", "#!/bin/sh\nexit 1\n")      # nothing is installed
            executable(d, "apt-cache", "#!/bin/sh\nexit 1\n")
            executable(d, "id", "#!/bin/sh\necho 1000\n")           # not root
            executable(d, "sudo", "#!/bin/sh\nprintf '%s\\n' \"$*\" >> \"$FAKE_LOG\"\n"
                                  + ("[ \"$1\" = -n ] && { echo 'sudo: a password is required' >&2;"
                                     " exit 1; }\n" if password_needed else "") + "exit 0\n")
            log = os.path.join(d, "sudo.log")
            env = dict(os.environ, PATH=d + os.pathsep + os.environ["PATH"], FAKE_LOG=log)
            ran = subprocess.run([INSTALL_DEPS, *args], stdin=subprocess.DEVNULL,
                                 capture_output=True, text=True, env=env, timeout=BOUND_S)
            if not os.path.exists(log):
                return ran, []
            with open(log) as f:
                return ran, f.read().splitlines()

    def test_each_command_gets_only_its_set_without_recommends(self):
        ran, sudo = self.run_bare(["boot"], password_needed=False)
        self.assertEqual(ran.returncode, 0, ran.stderr)
        installs = [c for c in sudo if c.startswith("apt-get install")]
        self.assertTrue(installs, f"no apt-get install through sudo: {sudo}")
        words = installs[0].split()
        self.assertIn("--no-install-recommends", words)
        for needed in ("qemu-system-x86", "nasm", "grub-pc-bin", "xorriso", "libcmocka-dev"):
            self.assertIn(needed, words, f"the boot set lacks {needed}")
        for heavy in ("bochs", "clang", "gdb", "valgrind", "bochs-x", "bochs-term"):
            self.assertNotIn(heavy, words, f"./ci/qemu does not need {heavy}")
        ran, sudo = self.run_bare(["test"], password_needed=False)
        words = [c for c in sudo if c.startswith("apt-get install")][0].split()
        for needed in ("bochs", "bochs-term", "clang", "gdb", "libxml2-utils"):
            self.assertIn(needed, words, f"the test set lacks {needed}")
        self.assertNotIn("valgrind", words)
        ran, _ = self.run_bare(["nosuchset"], password_needed=False)
        self.assertEqual(ran.returncode, 2)
        self.assertIn("no package set 'nosuchset'", ran.stderr)

    def test_no_terminal_for_sudos_password_names_the_command(self):
        ran, sudo = self.run_bare([], password_needed=True)
        self.assertEqual(ran.returncode, 1, ran.stderr)
        self.assertIn("sudo needs a password and there is no terminal", ran.stderr)
        self.assertRegex(ran.stderr, r"sudo apt-get install --no-install-recommends [^\n]*"
                                     r"qemu-system-x86")
        self.assertEqual(sudo, ["-n true"], "only the password check ran through sudo, not apt-get")


if __name__ == "__main__":
    unittest.main()
