#!/usr/bin/env python3
"""tests/grade/test_sandbox.py - the sandbox ci/grade runs student code in (kiln_ci.Sandbox).

Each test runs a small hostile program the way ci/grade runs a host test program
(kiln_ci.run_bounded with a Sandbox) and checks what it could do: a child that
calls setsid() and sleeps must be gone when the run returns, a fork bomb must
stop at the process limit and leave nothing behind, a write outside the build
directory must fail, and the instructor's own files (this tree, when the tree
graded is a copy) must not be readable. Then ci/grade itself: its first line
names the sandbox, or says loudly that there is none.

Without bubblewrap and user namespaces the bubblewrap cases are skipped (the
process-group fallback is still tested). CTest: grade.sandbox.
"""
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import unittest

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
sys.path.insert(0, os.path.join(REPO, "ci"))
import kiln_ci  # noqa: E402

HAVE_BWRAP, WHY_NOT = kiln_ci.probe_bwrap()


def alive(marker):
    """Pids of processes whose command line holds `marker`."""
    found = []
    for pid in os.listdir("/proc"):
        if not pid.isdigit():
            continue
        try:
            with open(f"/proc/{pid}/cmdline", "rb") as f:
                if marker.encode() in f.read():
                    found.append(int(pid))
        except OSError:
            pass
    return [p for p in found if p != os.getpid()]


class SandboxTest(unittest.TestCase):
    use_bwrap = True

    def setUp(self):
        if self.use_bwrap and not HAVE_BWRAP:
            self.skipTest(f"no bubblewrap sandbox here: {WHY_NOT}")
        self.tmp = tempfile.mkdtemp(prefix="kiln-sandbox-test-")
        self.tree = os.path.join(self.tmp, "tree")
        self.build = os.path.join(self.tmp, "build")
        os.makedirs(self.tree)
        os.makedirs(self.build)
        self.sandbox = kiln_ci.Sandbox(self.tree, self.build, use_bwrap=self.use_bwrap)
        self.marker = f"kiln-sandbox-{os.getpid()}-{id(self)}"

    def tearDown(self):
        for pid in alive(self.marker):      # never leave one behind, whatever the test found
            try:
                os.kill(pid, signal.SIGKILL)
            except OSError:
                pass
        self.sandbox.close()
        shutil.rmtree(self.tmp, ignore_errors=True)

    def run_script(self, script, timeout=60):
        """Runs a Python program in the sandbox (the system's python3, as ci/boot runs:
        the sandbox shows only system directories); returns (Ran, its output lines)."""
        path = os.path.join(self.build, "hostile.py")
        with open(path, "w") as f:
            f.write(script)
        lines = []
        ran = kiln_ci.run_bounded(["/usr/bin/env", "python3", path, self.marker], timeout, lines.append, 1 << 20,
                                  cwd=self.build, sandbox=self.sandbox, cpu_seconds=30)
        return ran, lines

    def assert_none_left(self):
        # A killed process can take a moment to be gone from /proc; 5 s is generous.
        for _ in range(100):
            left = alive(self.marker)
            if not left:
                return
            time.sleep(0.05)
        self.fail(f"processes the run started are still alive after it returned: pids {left}")

    def test_a_setsid_child_dies_with_the_run(self):
        ran, lines = self.run_script(
            "import os, sys, time\n"
            "if os.fork() == 0:\n"
            "    os.setsid()\n"
            "    if os.fork() == 0:\n"
            "        null = os.open('/dev/null', os.O_WRONLY)\n"
            "        os.dup2(null, 1)\n"
            "        os.dup2(null, 2)\n"
            "        os.execvp('sh', ['sh', '-c', 'sleep 100000; true', sys.argv[1]])\n"
            "    os._exit(0)\n"
            "time.sleep(0.5)\n"
            "print('escaped', flush=True)\n")
        self.assertIn("escaped", lines, f"the program did not run: {lines}")
        self.assertEqual(ran.how, "exited")
        self.assert_none_left()

    def test_a_fork_bomb_stops_at_the_limit_and_leaves_nothing(self):
        ran, lines = self.run_script(
            "import os, sys, time\n"
            "made = 0\n"
            "try:\n"
            f"    for _ in range({kiln_ci.SANDBOX_PROCESSES * 4}):\n"
            "        if os.fork() == 0:\n"
            "            time.sleep(300)\n"
            "            os._exit(0)\n"
            "        made += 1\n"
            "except OSError as e:\n"
            "    print(f'stopped after {made}: {e.strerror}', flush=True)\n"
            "else:\n"
            "    print(f'made all {made}', flush=True)\n")
        stopped = [l for l in lines if l.startswith("stopped after")]
        self.assertTrue(stopped, f"the fork bomb was not stopped at {kiln_ci.SANDBOX_PROCESSES} "
                                 f"processes: {lines} (process limit: {self.sandbox.process_limit})")
        made = int(stopped[0].split()[2].rstrip(":"))
        self.assertLessEqual(made, kiln_ci.SANDBOX_PROCESSES)
        self.assert_none_left()

    def test_no_write_outside_the_build_directory(self):
        outside = os.path.join(self.tree, "written-by-student-code")
        ran, lines = self.run_script(
            "import sys\n"
            f"for path in [{outside!r}, 'inside.txt']:\n"
            "    try:\n"
            "        open(path, 'w').write('x')\n"
            "        print('wrote', path, flush=True)\n"
            "    except OSError as e:\n"
            "        print('refused', path, e.strerror, flush=True)\n")
        self.assertFalse(os.path.exists(outside), f"student code wrote {outside}: {lines}")
        self.assertTrue(os.path.exists(os.path.join(self.build, "inside.txt")),
                        f"student code could not write its own build directory: {lines}")

    def test_the_instructors_files_cannot_be_read(self):
        secret = os.path.join(REPO, "ci", "labs.json")   # anything of the instructor's own tree
        ran, lines = self.run_script(
            "try:\n"
            f"    data = open({secret!r}).read()\n"
            "    print('read', len(data), 'bytes', flush=True)\n"
            "except OSError as e:\n"
            "    print('refused', e.strerror, flush=True)\n")
        self.assertTrue(any(l.startswith("refused") for l in lines),
                        f"student code read the instructor's {secret}: {lines}")

    def test_no_network(self):
        ran, lines = self.run_script(
            "import socket\n"
            "try:\n"
            "    socket.create_connection(('1.1.1.1', 53), timeout=5)\n"
            "    print('connected', flush=True)\n"
            "except OSError as e:\n"
            "    print('refused', e.strerror, flush=True)\n")
        self.assertTrue(any(l.startswith("refused") for l in lines), f"student code reached the network: {lines}")


class FallbackTest(SandboxTest):
    """Without bubblewrap: process groups only. What that still guarantees."""
    use_bwrap = False

    def test_a_setsid_child_dies_with_the_run(self):
        # A process group cannot hold a setsid() child: the reason the sandbox exists.
        # Without one, ci/grade is a subreaper and kills every descendant as it ends.
        self.assertTrue(kiln_ci.become_subreaper(), "prctl(PR_SET_CHILD_SUBREAPER) failed")
        self.escaped_after_run = None
        super().test_a_setsid_child_dies_with_the_run()
        self.assertTrue(self.escaped_after_run, "the setsid() child did not outlive its process group "
                                                "(the very case this test is about)")

    def assert_none_left(self):
        if getattr(self, "escaped_after_run", False) is None:
            self.escaped_after_run = bool(alive(self.marker))
            kiln_ci.kill_descendants()       # what ci/grade does as it ends
        super().assert_none_left()

    test_no_write_outside_the_build_directory = None
    test_the_instructors_files_cannot_be_read = None
    test_no_network = None

    def test_the_fallback_says_so(self):
        self.assertTrue(self.sandbox.describe().startswith("WARNING: no sandbox"), self.sandbox.describe())


class GraderFirstLine(unittest.TestCase):
    def test_first_line_says_there_is_no_sandbox(self):
        # A submission with a test file of its own is refused before anything is built: quick.
        with tempfile.TemporaryDirectory(prefix="kiln-sandbox-test-") as tmp:
            sub = os.path.join(tmp, "submission")
            os.makedirs(os.path.join(sub, "tests"))
            with open(os.path.join(sub, "tests", "test_pmm.c"), "w") as f:
                f.write("/* mine */\n")
            r = subprocess.run([os.path.join(REPO, "ci", "grade"), "--no-sandbox", "--lab", "2",
                                "--submission", sub, "--build-dir", os.path.join(tmp, "g")],
                               capture_output=True, text=True, timeout=300)
        first = r.stdout.splitlines()[0] if r.stdout else ""
        self.assertTrue(first.startswith("ci/grade: WARNING: no sandbox: turned off (--no-sandbox)"),
                        f"first line: {first!r}; stderr: {r.stderr[-500:]}")
        self.assertIn("refused: the submission carries test or grading files of its own", r.stdout)


if __name__ == "__main__":
    unittest.main(verbosity=2)
