#!/usr/bin/env python3
"""tests/test_docs_commands.py - the commands the student docs give run, as written, in handouts.

    tests/test_docs_commands.py [--keep DIR] [--list]

Every line of every ```sh block of docs/students.md and docs/labs/*.md, and
every command in the first column of their tables, is a command a student
types at the top of a handout. This test makes the handouts and types them:

  1. the handout of lab 1, fresh from ci/make-handout (no build/ yet), runs
     the commands of lab 1's page;
  2. the same tree then becomes the handout of lab 2 (ci/make-handout's lab 2
     files copied over it, so only what differs is rebuilt), where lab 1's page
     runs again, now against its solution, then lab 2's page, docs/students.md
     and docs/labs/README.md; and so on up to lab 5, whose solution is the
     repository's own source.

In the handout of its own lab a command must either succeed or fail the way
the lab's stubs make it fail (tests that ran and failed, "not implemented"),
never for a reason of its own: a missing build directory, an unknown preset
or target, a file that is not there. Against its lab's solution every
command must succeed. A page's lab is its file name's number (students.md
and labs/README.md use lab 2's examples); a comment line
<!-- docs-test: skip: REASON --> just before a block leaves that block out
(the instructor's commands in labs/README.md), and SKIP below lists the
commands that cannot run here, each with its reason (interactive sessions,
Bochs and large-memory boots, ci/grade, which ci/check-handouts runs in every
handout; against a solution, the direct runs of build/host_* programs, whose
CTest test the page's ctest command has just run). Each page's hand-in
commands (git commit, git archive) run too, and the archive is checked to hold
the student's committed work. It prints each command with its exit status and
time, each skip with its reason, and the CPU time of the whole.

Python 3 standard library; needs what a handout build needs. CTest:
docs.commands (cmake/labs.cmake; instructor-only, as it makes handouts).
"""

import argparse
import glob
import os
import re
import resource
import shutil
import subprocess
import sys
import tempfile
import time
import zipfile

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
MAKE_HANDOUT = os.path.join(REPO, "ci", "make-handout")
PAGES = ["docs/students.md", "docs/labs/README.md"] + sorted(
    os.path.relpath(p, REPO) for p in glob.glob(os.path.join(REPO, "docs", "labs", "lab*.md")))
DEFAULT_LAB = 2   # students.md and labs/README.md give lab 2's commands

# Commands this test does not type, and why. The first pattern that matches wins.
SKIP = [
    (r"^(\./)?ci/(qemu|gdb|bochs-debug)\b", "an interactive session"),
    (r"^(\./)?ci/grade\b", "ci/check-handouts (CTest handouts.check) runs ci/grade in every handout"),
    (r"--emulator bochs", "a Bochs boot: the page's QEMU boot of the same suite runs"),
    (r"--memory|--cpu ", "a variant boot: the page's plain boot of the same suite runs"),
    (r"^(\./)?ci/bench", "a benchmark: it builds the release preset"),
    (r"fuzz", "the fuzzers need the default preset, clang, and a minute"),
    (r"^git (push|remote)\b", "needs the course's remote"),
]

# How the lab's own stubs make a command fail; and how a command fails for a
# reason of its own.
STUB_FAILURE = re.compile(r"tests failed out of \d+|^\[  FAILED  \]|not implemented|^not ok |"
                          r"^ci/boot: FAIL", re.MULTILINE)
OWN_FAILURE = re.compile(r"is not a directory|No such file or directory|command not found|CMake Error|"
                         r"No rule to make target|Could not find|unrecognized arguments|[Uu]sage:|"
                         r"No such preset|not a git repository|fatal:")
COMMAND_START = re.compile(r"^(\./)?(ci/|build/|cmake |ctest |git |grep )")
STUDENT_WORK = "/* docs.commands: a student's edit, so that there is work to commit */\n"
GIT_IDENTITY = {"GIT_AUTHOR_NAME": "A Student", "GIT_AUTHOR_EMAIL": "student@invalid",
                "GIT_COMMITTER_NAME": "A Student", "GIT_COMMITTER_EMAIL": "student@invalid"}


class Command:
    def __init__(self, page, line, text):
        self.page, self.line, self.text = page, line, text

    def where(self):
        return f"{self.page}:{self.line}"


def strip_comment(line):
    """The line without a trailing shell comment (a # after a space, outside quotes)."""
    quote = None
    for i, c in enumerate(line):
        if quote:
            quote = None if c == quote else quote
        elif c in "'\"":
            quote = c
        elif c == "#" and (i == 0 or line[i - 1] in " \t"):
            return line[:i].rstrip()
    return line.rstrip()


def page_lab(page):
    m = re.search(r"/lab(\d+)-", page)
    return int(m.group(1)) if m else DEFAULT_LAB


def lab_page(page):
    """A lab's own page (docs/labs/labN-*.md), whose commands also run against the solution."""
    return re.search(r"/lab(\d+)-", page) is not None


def extract(page):
    """(commands, skipped blocks) of one page: every line of its ```sh blocks
    (lines ending in \\ or && continue on the next) and every table row whose
    first cell is one code span that starts like a command."""
    with open(os.path.join(REPO, page), encoding="utf-8") as f:
        lines = f.read().splitlines()
    commands, skipped, fence, skip_reason, pending = [], [], None, None, None
    previous = ""
    for number, line in enumerate(lines, 1):
        if fence is None:
            m = re.match(r"^\s*```\s*(\S*)", line)
            if m:
                fence = m.group(1)
                m2 = re.match(r"<!-- docs-test: skip: (.*) -->", previous.strip())
                skip_reason = m2.group(1) if m2 and fence == "sh" else None
                if skip_reason:
                    skipped.append((f"{page}:{number}", skip_reason))
            else:
                cell = re.match(r"^\|\s*`([^`]+)`\s*\|", line)
                if cell and COMMAND_START.match(cell.group(1)):
                    commands.append(Command(page, number, cell.group(1)))
            if line.strip():
                previous = line
            continue
        if re.match(r"^\s*```\s*$", line):
            fence, pending = None, None
            previous = line
            continue
        if fence != "sh" or skip_reason:
            continue
        text = strip_comment(line.strip())
        if pending is not None:
            pending.text += " " + text
        elif text:
            pending = Command(page, number, text)
            commands.append(pending)
        if pending is not None and (pending.text.endswith("\\") or pending.text.endswith("&&")):
            pending.text = pending.text.rstrip("\\").rstrip()
        else:
            pending = None
    return commands, skipped


def skip_reason(command):
    for pattern, reason in SKIP:
        if re.search(pattern, command.text):
            return reason
    return None


class Runner:
    def __init__(self, work, log):
        self.work, self.tree, self.log = work, os.path.join(work, "kiln"), log
        self.problems, self.ran, self.skipped = [], 0, []
        self.env = dict(os.environ, **GIT_IDENTITY, HOME=work)
        for name in ("GIT_DIR", "GIT_WORK_TREE", "MAKEFLAGS", "CMAKE_BUILD_PARALLEL_LEVEL"):
            self.env.pop(name, None)

    def say(self, text):
        print(text, flush=True)
        self.log.write(text + "\n")
        self.log.flush()

    def handout(self, lab):
        """The tree becomes the handout of `lab` (lab None: the solution)."""
        if lab is not None and not os.path.exists(self.tree):
            self.make(lab, self.tree)
            return
        with tempfile.TemporaryDirectory(dir=self.work) as tmp:
            if lab is None:
                source = REPO
                paths = [p for p in self.tree_files() if os.path.isfile(os.path.join(REPO, p))]
            else:
                source = os.path.join(tmp, "h")
                self.make(lab, source)
                paths = self.tree_files(source)
                for gone in set(self.tree_files()) - set(paths):
                    os.remove(os.path.join(self.tree, gone))
            changed = 0
            for path in paths:
                src, dst = os.path.join(source, path), os.path.join(self.tree, path)
                if os.path.exists(dst) and same_bytes(src, dst):
                    continue
                os.makedirs(os.path.dirname(dst), exist_ok=True)
                shutil.copyfile(src, dst)       # a new modification time: make rebuilds it
                shutil.copymode(src, dst)
                changed += 1
        self.say(f"docs.commands: the tree is now {'the solution' if lab is None else f'the lab {lab} handout'} "
                 f"({changed} files changed)")

    def make(self, lab, out):
        r = subprocess.run([sys.executable, MAKE_HANDOUT, "--lab", str(lab), "--out", out, "--untracked"],
                           capture_output=True, text=True)
        if r.returncode != 0:
            raise SystemExit(f"docs.commands: ci/make-handout --lab {lab} failed:\n{r.stdout}{r.stderr}")

    def tree_files(self, root=None):
        root = root or self.tree
        found = []
        for here, dirs, files in os.walk(root):
            dirs[:] = [d for d in dirs if d != ".git" and not (here == root and d.startswith("build"))]
            found += [os.path.relpath(os.path.join(here, f), root) for f in files]
        return found

    def run_page(self, page, solved):
        """Types every command of `page` at the top of the tree. solved: the tree
        holds the page's lab's solution, so every command must succeed."""
        commands, skipped_blocks = extract(page)
        self.skipped += [(where, reason) for where, reason in skipped_blocks]
        for c in commands:
            reason = skip_reason(c)
            if solved and re.match(r"^build/host_\S+$", c.text):
                # The program ran as written in the handout; against the solution
                # its CTest test (the page's ctest command) has just run it.
                reason = "run in the handout; against the solution its CTest test runs it"
            if reason:
                self.skipped.append((c.where(), reason))
                continue
            if c.text.startswith("git add"):
                with open(os.path.join(self.tree, "src", "mm", "pmm.c"), "a", encoding="utf-8") as f:
                    f.write(STUDENT_WORK)
            started = time.monotonic()
            r = subprocess.run(["bash", "-c", c.text], cwd=self.tree, env=self.env, stdin=subprocess.DEVNULL,
                               stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                               errors="replace", timeout=900)
            self.ran += 1
            out = r.stdout
            self.log.write(f"\n$ {c.text}   ({c.where()}, exit {r.returncode})\n{out}\n")
            verdict = "ok"
            if r.returncode != 0:
                own = OWN_FAILURE.search(out)
                if solved:
                    verdict = "FAIL: it fails against its lab's solution"
                elif own or not STUB_FAILURE.search(out):
                    verdict = ("FAIL: it fails for a reason of its own: "
                               + (own.group(0) if own else "no test of the lab ran and failed"))
                else:
                    verdict = "ok (fails as the stubs make it fail)"
            self.say(f"docs.commands: {c.where()}: {c.text}: exit {r.returncode} "
                     f"[{time.monotonic() - started:.0f} s]: {verdict}")
            if verdict.startswith("FAIL"):
                tail = "\n".join(out.splitlines()[-15:])
                self.problems.append(f"{c.where()}: `{c.text}` exits {r.returncode}: {verdict[6:]}; "
                                     f"its last lines:\n{tail}")
            if c.text.startswith("git archive") and r.returncode == 0:
                self.check_archive(c)

    def check_archive(self, c):
        """The archive `git archive` wrote holds the student's committed work under kiln/."""
        m = re.search(r"-o (\S+)", c.text)
        path = os.path.join(self.tree, m.group(1)) if m else None
        problem = None
        if path is None or not os.path.exists(path):
            problem = f"wrote no archive {path}"
        elif path.endswith(".zip"):
            with zipfile.ZipFile(path) as z:
                names = set(z.namelist())
                if "kiln/ci/labs.json" not in names:
                    problem = "holds no kiln/ci/labs.json (where the grader looks for the tree)"
                elif STUDENT_WORK not in z.read("kiln/src/mm/pmm.c").decode():
                    problem = "does not hold the student's committed edit of src/mm/pmm.c"
        if problem:
            self.problems.append(f"{c.where()}: `{c.text}`: the archive {problem}")


def same_bytes(a, b):
    if os.path.getsize(a) != os.path.getsize(b):
        return False
    with open(a, "rb") as fa, open(b, "rb") as fb:
        return fa.read() == fb.read()


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--keep", metavar="DIR", help="work in DIR (new) and keep it, with docs-commands.log")
    p.add_argument("--list", action="store_true", help="only list the commands each page gives")
    args = p.parse_args()
    labs = sorted({page_lab(page) for page in PAGES})
    if args.list:
        for page in PAGES:
            commands, skipped = extract(page)
            for c in commands:
                print(f"{c.where()}: {c.text}" + (f"   [skipped: {skip_reason(c)}]" if skip_reason(c) else ""))
            for where, reason in skipped:
                print(f"{where}: a block skipped: {reason}")
        return 0
    missing = [page for page in PAGES if not extract(page)[0]]
    if missing:
        print(f"docs.commands: FAIL: no command found in {', '.join(missing)}")
        return 1
    work = args.keep or tempfile.mkdtemp(prefix="kiln-docs-commands-")
    os.makedirs(work, exist_ok=True)
    started = time.monotonic()
    with open(os.path.join(work, "docs-commands.log"), "w") as log:
        runner = Runner(work, log)
        try:
            for lab in labs:
                runner.handout(lab)
                for page in PAGES:
                    if page_lab(page) == lab - 1 and lab_page(page):
                        runner.run_page(page, solved=True)
                for page in PAGES:
                    if page_lab(page) == lab:
                        runner.run_page(page, solved=False)
            runner.handout(None)
            for page in PAGES:
                if page_lab(page) == labs[-1] and lab_page(page):
                    runner.run_page(page, solved=True)
        finally:
            if not args.keep:
                shutil.rmtree(work, ignore_errors=True)
    for where, reason in sorted(set(runner.skipped)):
        print(f"docs.commands: skipped {where}: {reason}")
    elapsed = time.monotonic() - started
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    elapsed_cpu = usage.ru_utime + usage.ru_stime
    if runner.problems:
        for problem in runner.problems:
            print(f"docs.commands: FAIL: {problem}")
        print(f"docs.commands: {len(runner.problems)} problem(s) in {runner.ran} commands "
              f"[{elapsed:.0f} s, {elapsed_cpu:.0f} s of CPU]")
        return 1
    print(f"docs.commands: PASS: {runner.ran} commands ran as the docs say in fresh handouts and "
          f"against the solutions, {len(set(runner.skipped))} skipped [{elapsed:.0f} s, {elapsed_cpu:.0f} s of CPU]")
    return 0


if __name__ == "__main__":
    sys.exit(main())
