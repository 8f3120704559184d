"""ci/kiln_ci.py - what kiln's scripts share: one reading of each format, one way to run things.

ci/boot, ci/grade, ci/gdb, ci/bochs-debug and the tests under tests/emu/ import
this module (standard library only), so each rule is written once:

  clean, strip_escapes   hostile text made safe: no terminal escapes or control characters
  memory_size            "64M", "1G", "16G" -> MiB, for every --memory option
  Tap                    the TAP reader: which result lines count, and what is wrong with the rest
  read_bounded           a stream read line by line, stopped after a number of bytes
  run_bounded, Ran       a program run in its own process group with a time and output limit
  Sandbox                bubblewrap around a run of student code (ci/grade), or a process group
  qemu_command           QEMU as every headless kiln boot starts it
  build_default, boot_iso  what a debugging session does before it starts an emulator

The scripts put ci/ on sys.path and `import kiln_ci`; tests/ci/test_kiln_ci.py
tests this file. docs/testing.md describes the scripts.
"""

import argparse
import collections
import os
import re
import resource
import signal
import subprocess
import sys
import threading
import time

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))

# ------------------------------------------------------------ hostile text

# CSI sequences (ESC [ ... letter), character-set selections (ESC ( B) and the C0
# control characters except tab and newline: what a serial console may send
# that a report (XML above all) cannot carry.
CONTROL = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]|\x1b[()][A-Za-z0-9]|[\x00-\x08\x0b-\x1f\x7f]")
LINE_LIMIT = 64 << 10   # a "line" longer than this is cut into pieces


def strip_escapes(text):
    """`text` without terminal escapes and control characters (tab and newline stay)."""
    return CONTROL.sub("", text)


def clean(text, limit=400):
    """One line of hostile output made safe for a report: no escapes or control
    characters, no surrounding white space, at most `limit` characters."""
    text = strip_escapes(text).strip()
    return text if len(text) <= limit else text[:limit - 3] + "..."


# ------------------------------------------------------------ sizes

SIZE = re.compile(r"(\d+)\s*([KMGT]?)i?B?", re.IGNORECASE)
UNIT_MIB = {"K": 1 / 1024, "M": 1, "G": 1024, "T": 1024 * 1024}
MIN_MEMORY_MIB = 16


def memory_size(text):
    """Guest RAM as a whole number of MiB: '128' and '128M' are 128, '1G' is 1024;
    K, M, G, T with an optional 'iB' or 'B'. An argparse type: a bad size raises
    argparse.ArgumentTypeError, whose message says why."""
    m = SIZE.fullmatch(text.strip())
    if not m:
        raise argparse.ArgumentTypeError(f"bad memory size '{text}' (examples: 64M, 1G, 16G)")
    mib = int(m.group(1)) * UNIT_MIB[m.group(2).upper() or "M"]
    if mib < MIN_MEMORY_MIB or mib != int(mib):
        raise argparse.ArgumentTypeError(
            f"memory size '{text}' must be a whole number of MiB >= {MIN_MEMORY_MIB}")
    return int(mib)


# ------------------------------------------------------------ TAP

TAP_PLAN = re.compile(r"^1\.\.(\d+)$")
TAP_RESULT = re.compile(r"^(ok|not ok) (\d+) - (.*)$")
SUITE_DESCRIPTION = re.compile(r"^([A-Za-z0-9_]+): (.*)$")   # ktest's "pmm: frees coalesce"
DIAG_LINES, DIAG_CHARS = 6, 240      # diagnostics kept for one result
MAX_PROBLEMS = 20

TapResult = collections.namedtuple("TapResult", "number ok description diagnostics")


def suite_of(description):
    """ktest's description 'SUITE: TEXT' as (suite, text); (None, description) otherwise."""
    m = SUITE_DESCRIPTION.match(description)
    return (m.group(1), m.group(2)) if m else (None, description)


class Tap:
    """Reads TAP (the Test Anything Protocol) one line at a time, as kiln's ktest
    prints it: `TAP version 13`, the plan `1..N`, then `ok N - SUITE: TEXT` or
    `not ok N - ...`, each after the `# ...` diagnostic lines that explain it.

    Only well-formed TAP counts: a result line after the plan, numbered one more
    than the last accepted result and within the plan. Any other result line is
    ignored and named in `problems` (at most MAX_PROBLEMS), as is a second plan.
    Lines must arrive whole; the reader removes escapes and surrounding space.
    A line with anything in front (a user program's `NAME: ok 1 - ...`) is not TAP.
    """

    def __init__(self):
        self.plan = None
        self.results = []        # accepted TapResults, in order
        self.problems = []
        self.bail_out = None     # the `Bail out! ...` line
        self._diag = []

    def note(self, problem):
        if len(self.problems) < MAX_PROBLEMS:
            self.problems.append(problem)

    def feed(self, line):
        """Reads one line (clean it first); returns True when it was a TAP line."""
        if m := TAP_PLAN.match(line):
            if self.plan is None:
                self.plan = int(m.group(1))
            else:
                self.note(f"a second TAP plan line '{clean(line, 80)}'")
        elif m := TAP_RESULT.match(line):
            self._result(int(m.group(2)), m.group(1) == "ok", m.group(3), line)
        elif line.startswith("#"):
            if len(self._diag) < DIAG_LINES:
                self._diag.append(clean(line[1:], DIAG_CHARS))
        elif line.startswith("Bail out!"):
            self.bail_out = line
        else:
            return False
        return True

    def _result(self, number, ok, description, line):
        expected = len(self.results) + 1
        if self.plan is None:
            self.note(f"'{clean(line, 100)}' came before the plan")
        elif number < expected:
            self.note(f"test {number} reported twice")
        elif number > expected:
            self.note(f"test {number} reported out of order")
        elif number > self.plan:
            self.note(f"test {number} beyond the plan")
        else:
            self.results.append(TapResult(number, ok, description, self._diag))
        self._diag = []

    def failed(self):
        return [r for r in self.results if not r.ok]


# ------------------------------------------------------------ records

# The kernel's state as data (records=, the monitor's `records`): one JSON
# object per line after this prefix (src/kernel/record_writer.h, docs/records.md).
# They are never TAP and never a verdict: ci/boot and the grader skip them;
# ci/picture reads them.
RECORD_PREFIX = "@kiln-record "


def is_record(line):
    return line.startswith(RECORD_PREFIX)


# ------------------------------------------------------------ bounded reading

def read_bounded(stream, on_line, limit, on_chunk=None, follow=None):
    """Reads the binary `stream` to its end, giving each line (decoded, without
    its newline; a line over LINE_LIMIT bytes in pieces) to `on_line` and each
    chunk as it came to `on_chunk`. Stops after `limit` bytes: that chunk goes
    to neither. While `follow()` is true an empty read means "not yet" (a file
    an emulator is still writing) and reading goes on. Returns (bytes read,
    True if it stopped at the limit)."""
    pending, total = b"", 0
    overflow = False
    while True:
        chunk = stream.read1(65536) if hasattr(stream, "read1") else stream.read(65536)
        if not chunk:
            if follow is not None and follow():
                time.sleep(0.05)
                continue
            break
        total += len(chunk)
        if total > limit:
            overflow = True
            break
        if on_chunk is not None:
            on_chunk(chunk)
        if on_line is None:
            continue
        pending += chunk
        *lines, pending = pending.split(b"\n")
        for line in lines:
            on_line(line.decode("utf-8", "replace"))
        while len(pending) > LINE_LIMIT:
            on_line(pending[:LINE_LIMIT].decode("utf-8", "replace"))
            pending = pending[LINE_LIMIT:]
    if pending:
        on_line(pending.decode("utf-8", "replace"))
    return total, overflow


# Timeouts are CPU time; the wall-clock backstop behind one (for a program that
# blocks or a guest that idles instead of spinning) is this many times as long.
WALL_BACKSTOP_FACTOR = 4


def cpu_seconds(pid):
    """CPU time (user + system, every thread) process `pid` has used so far; 0
    once it is gone. The measure of emulator timeouts: load does not change it."""
    try:
        with open(f"/proc/{pid}/stat") as f:
            fields = f.read().rsplit(")", 1)[1].split()
    except (OSError, IndexError):
        return 0.0
    # Fields 14 and 15 of stat(5), utime and stime, counted after the ")" of the name.
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def mib(n):
    return f"{n / (1 << 20):g} MiB"


class Ran:
    """How a bounded run ended: `how` is 'exited', 'timeout' or 'output'."""

    def __init__(self, how, status, seconds, nbytes):
        self.how, self.status, self.seconds, self.bytes = how, status, seconds, nbytes

    def describe(self, timeout, limit, cpu_seconds=None):
        if self.how == "timeout":
            return f"timed out after {timeout:g} s"
        if cpu_seconds is not None and self.status == -signal.SIGXCPU:
            return f"was stopped: it used more than {cpu_seconds:g} s of CPU time"
        if self.how == "output":
            return f"was stopped: output limit exceeded (more than {mib(limit)})"
        if self.status < 0:
            try:
                return f"was killed by {signal.Signals(-self.status).name}"
            except ValueError:
                return f"was killed by signal {-self.status}"
        return f"exited with status {self.status}"


_live_groups = set()            # process groups run_bounded started and has not reaped
_live_lock = threading.RLock()  # RLock: a signal handler may interrupt its own thread
_stopping = threading.Event()


def kill_group(pgid):
    try:
        os.killpg(pgid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError):
        pass


def kill_all_groups():
    """Kills every process group run_bounded has running, and refuses new ones:
    for a signal handler, when the whole script must stop."""
    with _live_lock:
        _stopping.set()
        for pgid in list(_live_groups):
            kill_group(pgid)


def _cpu_limit(seconds):
    """For preexec_fn: the kernel sends SIGXCPU once the process has run on a
    CPU for `seconds`, however busy the machine is (and SIGKILL 5 s later)."""
    def apply():
        soft = max(1, int(seconds + 0.999))
        resource.setrlimit(resource.RLIMIT_CPU, (soft, soft + 5))
    return apply


# ------------------------------------------------------------ the sandbox

SANDBOX_PROCESSES = 512          # processes one grading run may have at once (a fork bomb stops there)
SANDBOX_FILE_BYTES = 1 << 30     # the largest file student code may write
SYSTEM_DIRS = ("/usr", "/bin", "/sbin", "/lib", "/lib32", "/lib64", "/libx32", "/etc")
PIDS_CGROUPS = ("/sys/fs/cgroup/pids", "/sys/fs/cgroup")


class Sandbox:
    """Where ci/grade runs student code (the build, host test programs, boots).

    With bubblewrap (`bwrap`) and user namespaces, each run sees only the
    system's programs and libraries (/usr, /etc, ... read-only), the tree being
    graded (read-only), the build directory (the one place it can write), its
    own /tmp, /proc and /dev; no network (its own network namespace); its own
    PID namespace, so that when the run ends every process it started dies
    with it, a setsid() or double fork included. Everything else (the
    instructor's own tree, home directories) is not there at all.

    Without them (`available` False, `why` says why) runs go in a process group
    of their own, killed when they end, as before; ci/grade says so first.

    Either way a run may have at most SANDBOX_PROCESSES processes (RLIMIT_NPROC,
    or for root, whom that limit does not bind, a pids cgroup when one can be
    made) and write no file over SANDBOX_FILE_BYTES (RLIMIT_FSIZE)."""

    def __init__(self, tree, build, use_bwrap=True):
        self.tree, self.build = os.path.realpath(tree), os.path.realpath(build)
        self.available, self.why = (probe_bwrap() if use_bwrap else (False, "turned off (--no-sandbox)"))
        self.cgroup = None
        self.process_limit = "RLIMIT_NPROC"
        if os.geteuid() == 0:
            self.cgroup = make_pids_cgroup(SANDBOX_PROCESSES)
            self.process_limit = "a pids cgroup" if self.cgroup else "none (root, and no pids cgroup)"

    def describe(self):
        if self.available:
            return (f"sandbox: bubblewrap (no network, own PID namespace, read-only {self.tree}, "
                    f"writable {self.build} only, private /tmp; process limit: {self.process_limit})")
        return (f"WARNING: no sandbox: {self.why}; student code runs in process groups that are killed "
                f"when each run ends (process limit: {self.process_limit})")

    def wrap(self, cmd, cwd=None):
        """`cmd` as it runs in the sandbox (unchanged without bubblewrap)."""
        if not self.available:
            return list(cmd)
        out = ["bwrap", "--unshare-all", "--die-with-parent", "--new-session"]
        for d in SYSTEM_DIRS:
            if os.path.islink(d):
                out += ["--symlink", os.readlink(d), d]
            elif os.path.isdir(d):
                out += ["--ro-bind", d, d]
        out += ["--proc", "/proc", "--dev", "/dev", "--tmpfs", "/tmp",
                "--ro-bind", self.tree, self.tree, "--bind", self.build, self.build,
                "--setenv", "HOME", "/tmp", "--setenv", "TMPDIR", "/tmp"]
        if cwd is not None:
            out += ["--chdir", os.path.realpath(cwd)]
        return out + ["--", *cmd]

    def preexec(self, cpu_seconds=None):
        """For preexec_fn: the limits of one run (and its CPU time, if given)."""
        cgroup, nproc = self.cgroup, None
        if not cgroup and os.geteuid() != 0:
            # RLIMIT_NPROC counts every process of the user: leave room for the ones already there.
            uid = os.getuid()
            nproc = SANDBOX_PROCESSES + sum(1 for d in os.listdir("/proc") if d.isdigit() and _owner(d) == uid)

        def apply():
            if cpu_seconds:
                _cpu_limit(cpu_seconds)()
            resource.setrlimit(resource.RLIMIT_FSIZE, (SANDBOX_FILE_BYTES, SANDBOX_FILE_BYTES))
            if cgroup:
                with open(os.path.join(cgroup, "cgroup.procs"), "w") as f:
                    f.write(str(os.getpid()))
            elif nproc:
                resource.setrlimit(resource.RLIMIT_NPROC, (nproc, nproc))
        return apply

    def close(self):
        if self.cgroup:
            try:
                os.rmdir(self.cgroup)
            except OSError:
                pass


PR_SET_CHILD_SUBREAPER = 36


def become_subreaper():
    """Makes this process the one orphans of its descendants are given to (Linux
    prctl), so that kill_descendants() finds a child that left its process group
    with setsid() and whose parent died. True if that worked."""
    try:
        import ctypes
        libc = ctypes.CDLL(None, use_errno=True)
        return libc.prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0) == 0
    except (OSError, AttributeError):
        return False


def _children():
    """{parent pid: [child pids]} of every process now."""
    tree = collections.defaultdict(list)
    for pid in os.listdir("/proc"):
        if not pid.isdigit():
            continue
        try:
            with open(f"/proc/{pid}/stat") as f:
                stat = f.read()
        except OSError:
            continue
        ppid = int(stat[stat.rindex(")") + 2:].split()[1])
        tree[ppid].append(int(pid))
    return tree


def kill_descendants():
    """Kills every descendant of this process (with become_subreaper(), the
    orphans too) and reaps them: what the fallback without a sandbox does when
    ci/grade ends. Returns how many it killed."""
    killed = 0
    for _ in range(20):            # a few passes: a process may fork while the last pass ran
        tree, found, todo = _children(), [], [os.getpid()]
        while todo:
            for child in tree.get(todo.pop(), []):
                found.append(child)
                todo.append(child)
        if not found:
            break
        for pid in found:
            try:
                os.kill(pid, signal.SIGKILL)
                killed += 1
            except OSError:
                pass
        while True:
            try:
                if os.waitpid(-1, os.WNOHANG) == (0, 0):
                    break
            except ChildProcessError:
                break
        time.sleep(0.05)
    return killed


def _owner(pid):
    try:
        return os.stat(f"/proc/{pid}").st_uid
    except OSError:
        return None


def probe_bwrap():
    """(True, '') when bubblewrap can make its namespaces here, else (False, why)."""
    try:
        r = subprocess.run(["bwrap", "--unshare-all", "--ro-bind", "/", "/", "true"],
                           capture_output=True, text=True, timeout=60)
    except FileNotFoundError:
        return False, "bubblewrap (bwrap) is not installed (Debian package bubblewrap; ci/install-deps)"
    except (OSError, subprocess.TimeoutExpired) as e:
        return False, f"bwrap does not run: {e}"
    if r.returncode != 0:
        return False, "bwrap cannot make user namespaces here: " + clean(r.stderr or f"status {r.returncode}", 200)
    return True, ""


def make_pids_cgroup(limit):
    """A new pids cgroup allowing `limit` processes, or None when none can be made."""
    for base in PIDS_CGROUPS:
        if not os.path.exists(os.path.join(base, "cgroup.procs")):
            continue
        if base == "/sys/fs/cgroup":   # cgroup v2: only if the pids controller is there
            try:
                with open(os.path.join(base, "cgroup.controllers")) as f:
                    if "pids" not in f.read().split():
                        continue
            except OSError:
                continue
        path = os.path.join(base, f"kiln-grade-{os.getpid()}")
        try:
            os.makedirs(path, exist_ok=True)
            with open(os.path.join(path, "pids.max"), "w") as f:
                f.write(str(limit))
            return path
        except OSError:
            try:
                os.rmdir(path)
            except OSError:
                pass
    return None


def run_bounded(cmd, timeout, on_line, limit, cwd=None, env=None, stderr=None, cpu_seconds=None,
                sandbox=None):
    """Runs `cmd` in a new process group, feeding each line of its output (stderr
    too unless `stderr` is a file) to `on_line`. Stops it, and everything it
    started, after `timeout` seconds or `limit` bytes; never blocks longer.
    With `cpu_seconds`, the program itself is also stopped (SIGXCPU) once it
    has used that much CPU time: a bound a loaded machine does not change, so
    callers make `timeout` a generous wall-clock backstop behind it. With a
    `sandbox` (a Sandbox), `cmd` runs inside it, under its limits.
    Raises SystemExit(1) once kill_all_groups() has been called."""
    started = time.monotonic()
    with _live_lock:
        if _stopping.is_set():
            raise SystemExit(1)
        if sandbox is not None:
            cmd, preexec = sandbox.wrap(cmd, cwd), sandbox.preexec(cpu_seconds)
        else:
            preexec = _cpu_limit(cpu_seconds) if cpu_seconds else None
        proc = subprocess.Popen(cmd, cwd=cwd, env=env, stdin=subprocess.DEVNULL,
                                stdout=subprocess.PIPE,
                                stderr=stderr if stderr is not None else subprocess.STDOUT,
                                start_new_session=True, preexec_fn=preexec)
        _live_groups.add(proc.pid)
    state = {"bytes": 0, "overflow": False}

    def pump():
        state["bytes"], state["overflow"] = read_bounded(proc.stdout, on_line, limit)

    reader = threading.Thread(target=pump, daemon=True)
    reader.start()
    how = "exited"
    while proc.poll() is None:
        if state["overflow"]:
            how = "output"
            break
        if time.monotonic() - started > timeout:
            how = "timeout"
            break
        time.sleep(0.02)
    if how == "exited":
        reader.join(timeout=1)        # what is still in the pipe
    kill_group(proc.pid)              # leftovers (an emulator, a forked child) too
    proc.wait()
    reader.join(timeout=5)
    if not reader.is_alive():
        proc.stdout.close()
    # else a process outside the group (only without the sandbox: a setsid() child)
    # still holds the pipe; closing it would wait for that process, so it is left open.
    with _live_lock:
        _live_groups.discard(proc.pid)
    if how == "exited" and state["overflow"]:
        how = "output"
    return Ran(how, proc.returncode, time.monotonic() - started, state["bytes"])


# ------------------------------------------------------------ emulators and builds

# isa-debug-exit (iobase 0xf4) makes QEMU exit with (value << 1) | 1: the kernel
# writes 0x10 for success and 0x11 for failure.
QEMU_EXIT_PASS, QEMU_EXIT_FAIL = 33, 35


# Bochs 2.7 refuses a host allocation above 2048 MiB ("host_size ... out of
# range 1 to 2048"); a guest larger than that is backed on demand.
BOCHS_HOST_MIB_MAX = 2048


def bochs_host_mib(memory_mib):
    """The host memory a Bochs configuration asks for, for a guest of memory_mib."""
    return min(int(memory_mib), BOCHS_HOST_MIB_MAX)


def qemu_command(iso, memory_mib, cpu="max"):
    """QEMU booting `iso` headless: TCG, serial port on stdout, no monitor, no
    reboot (a triple fault ends the run) and the isa-debug-exit device."""
    return ["qemu-system-x86_64", "-accel", "tcg", "-m", f"{memory_mib}M", "-cpu", cpu,
            "-cdrom", iso, "-boot", "d", "-display", "none", "-serial", "stdio",
            "-monitor", "none", "-no-reboot",
            "-device", "isa-debug-exit,iobase=0xf4,iosize=0x04"]


def build_default(tool, build_dir=None):
    """Builds kiln before a session: configure and build the default preset, or
    build `build_dir` when one was named. Exits with `tool`'s message on failure."""
    steps = [["cmake", "--preset", "default"], ["cmake", "--build", "--preset", "default"]]
    if build_dir is not None:
        steps = [["cmake", "--build", build_dir]]
    for step in steps:
        if subprocess.run(step, cwd=REPO, stdout=subprocess.DEVNULL).returncode != 0:
            sys.exit(f"{tool}: '{' '.join(step)}' failed")


def boot_iso(build_dir, cmdline=None):
    """The ISO ci/boot would boot: build_dir/kiln.iso, or with `cmdline` the
    variant ISO ci/boot makes for that kernel command line."""
    if cmdline is None:
        return os.path.join(build_dir, "kiln.iso")
    cmd = [os.path.join(REPO, "ci", "boot"), "--build-dir", build_dir, "--cmdline", cmdline,
           "--print-iso"]
    return subprocess.run(cmd, check=True, capture_output=True, text=True).stdout.strip()
