"""tests/emu/debug_session.py - what the scripted debugger sessions share.

A session is a list of steps, each a comment and the debugger commands it
explains. session_text() turns it into a command file (comments as `#` lines,
which the Bochs debugger and GDB both skip); docs/debugging.md shows that very
text, and check_docs() fails the test when the two differ, so the walkthrough
a student follows is always the one CTest runs.

Expect reads the debugger's output in order: each check must match after the
previous one, so "breakpoint 2, then CR3 = X" cannot pass on lines printed in
another order.
"""
import difflib
import os
import re
import tempfile
import sys
import subprocess

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
DOCS = os.path.join(REPO, "docs", "debugging.md")


def session_text(steps):
    lines = []
    for comment, commands in steps:
        lines += [f"# {line}" if line else "#" for line in comment.split("\n")]
        lines += commands
    return "\n".join(lines) + "\n"


def check_docs(marker, text):
    """The fenced block after the line `<!-- session: MARKER -->` in
    docs/debugging.md must be `text`. Returns a problem, or None."""
    if not os.path.exists(DOCS):
        return "docs/debugging.md is missing"
    with open(DOCS) as f:
        docs = f.read()
    m = re.search(r"<!-- session: " + re.escape(marker) + r" -->\n```[a-z]*\n(.*?)```", docs,
                  re.S)
    if not m:
        return f"docs/debugging.md has no block marked '<!-- session: {marker} -->'"
    if m.group(1) != text:
        diff = "".join(difflib.unified_diff(m.group(1).splitlines(True), text.splitlines(True),
                                            "docs/debugging.md", marker))
        return (f"docs/debugging.md shows another session than {marker} runs; make the block "
                f"the same as the script's steps:\n{diff}")
    return None


class Expect:
    """Ordered checks over a text; collects failures instead of stopping."""

    def __init__(self, text):
        self.text = text
        self.pos = 0
        self.failures = []

    def find(self, pattern, what):
        """The match of `pattern` after the previous one, or None (a failure)."""
        m = re.compile(pattern, re.M).search(self.text, self.pos)
        if m is None:
            self.failures.append(f"{what}: expected /{pattern}/ after offset {self.pos}")
            return None
        self.pos = m.end()
        print(f"ok: {what}: {m.group(0).strip()[:100]}")
        return m

    def check(self, condition, what, detail=""):
        if condition:
            print(f"ok: {what}")
        else:
            self.failures.append(f"{what}{': ' + detail if detail else ''}")
        return condition


def read_symbols(path):
    """kernel.sym (ci/bochs-symbols): name -> address."""
    symbols = {}
    with open(path) as f:
        for line in f:
            address, name = line.split()
            symbols.setdefault(name, int(address, 16))
    return symbols


def run_documented_session(what, marker, steps, suffix, make_command, timeout_s, check,
                           merge_stderr):
    """Run one scripted debugger session and exit with its verdict.

    The session is `steps` (also checked against docs/debugging.md at `marker`),
    written to a command file ending in `suffix`; make_command(build, work,
    command_file) gives the command line that runs it; check(build, output)
    returns a list of failures. With merge_stderr the tool's stderr is part of
    the output checked, else only shown when the tool fails.
    """
    build = os.path.abspath(sys.argv[1] if len(sys.argv) > 1 else os.path.join(REPO, "build"))
    text = session_text(steps)
    failures = []
    problem = check_docs(marker, text)
    if problem:
        failures.append(problem)
    with tempfile.TemporaryDirectory(prefix="kiln-debug-session-") as work:
        commands = os.path.join(work, "session" + suffix)
        with open(commands, "w") as f:
            f.write(text)
        cmd = make_command(build, work, commands)
        print("$ " + " ".join(cmd))
        try:
            run = subprocess.run(cmd, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                                 stderr=subprocess.STDOUT if merge_stderr else subprocess.PIPE,
                                 text=True, errors="replace", timeout=timeout_s)
        except subprocess.TimeoutExpired as t:
            out = t.stdout.decode(errors="replace") if isinstance(t.stdout, bytes) else t.stdout
            sys.stdout.write(out or "")
            sys.exit(f"FAIL: the {what} session did not end within {timeout_s} s")
        sys.stdout.write(run.stdout)
        print(f"--- {what} exited with status {run.returncode}")
        if run.returncode != 0:
            failures.append(f"{what} exited with status {run.returncode} (expected 0)"
                            + ("" if merge_stderr else ":\n" + run.stderr[-2000:]))
        failures += check(build, run.stdout)
    if failures:
        print("\n".join("FAIL: " + f for f in failures))
        sys.exit(1)
    print(f"PASS: the {what} session went as docs/debugging.md says")
