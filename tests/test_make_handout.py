#!/usr/bin/env python3
"""tests/test_make_handout.py - checks ci/make-handout on small made-up trees.

Each test writes a tiny repository (ci/labs.json, a few marked source files)
into a temporary directory and runs the tool on it with --root: good markers
become TODO comments and stubs from the handout's lab on, earlier labs keep
their solution, instructor-only files stay out, and every kind of broken
marker is reported as FILE:LINE: message with exit status 2. The C scan gets
its own tests: the (void) casts for parameters a stub no longer reads, the
unused attribute for helpers that lose every caller, and exit status 2 with
FILE:LINE for C it cannot read. The last tests run --check on the real
repository and check that its solution carries none of the scaffolding the
tool now writes. CTest: handout.tool (cmake/labs.cmake).
"""

import json
import re
import os
import shutil
import stat
import subprocess
import sys
import tempfile
import textwrap
import unittest
import importlib.machinery
import importlib.util

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
TOOL = os.path.join(REPO, "ci", "make-handout")
# The tool as a module, for unit tests of its C scan (its file has no .py ending).
_loader = importlib.machinery.SourceFileLoader("make_handout", TOOL)
make_handout = importlib.util.module_from_spec(importlib.util.spec_from_loader("make_handout", _loader))
_loader.exec_module(make_handout)

LABS = {"labs": [{"number": n, "title": f"lab {n}", "doc": f"docs/labs/lab{n}.md", "host": [], "ktest": []}
                 for n in (1, 2, 3)]}

GOOD_C = """\
int first(int x)
{
    /* LAB 1 BEGIN: double x */
    /* LAB 1 STUB: return -1; */
    return 2 * x;
    /* LAB 1 END */
}

int second(int y)
{
    int z = y + 1;
    /* LAB 2 BEGIN: square z */
    /* LAB 2 STUB: return -2; */
    z = z * z;
    return z;
    /* LAB 2 END */
}

/* LAB 3 BEGIN: a helper only lab 3 needs */
static int helper(void)
{
    return 3;
}
/* LAB 3 END */
"""

GOOD_ASM = """\
global answer
answer:
    ; LAB 2 BEGIN: put 42 in eax
    ; LAB 2 STUB: xor eax, eax
    mov eax, 42
    ; LAB 2 END
    ret
"""


def write(root, path, text, mode=None):
    full = os.path.join(root, path)
    os.makedirs(os.path.dirname(full), exist_ok=True)
    with open(full, "w", encoding="utf-8", newline="") as f:
        f.write(text)
    if mode is not None:
        os.chmod(full, mode)


def read(root, path):
    with open(os.path.join(root, path), encoding="utf-8", newline="") as f:
        return f.read()


class TreeTest(unittest.TestCase):
    """A made-up repository in a temporary directory, and ways to run the tool on it."""

    def setUp(self):
        self.tmp = tempfile.mkdtemp(prefix="kiln-handout-test-")
        self.root = os.path.join(self.tmp, "repo")
        self.out = os.path.join(self.tmp, "out")
        write(self.root, "ci/labs.json", json.dumps(LABS))
        write(self.root, "src/good.c", GOOD_C)
        write(self.root, "asm/good.asm", GOOD_ASM)
        write(self.root, "docs/labs/README.md", "how the labs work\n")
        write(self.root, "ci/run-me", "#!/bin/sh\necho hi\n", mode=0o755)
        # Instructor-only: never in a handout.
        write(self.root, "ci/make-handout", "# the tool\n")
        write(self.root, "tests/test_make_handout.py", "# its test\n")
        write(self.root, "cmake/labs.cmake", "# its registration\n")
        write(self.root, "instructor/answers.md", "secret\n")
        # Looks like a build tree: never copied when there is no git.
        write(self.root, "build/junk.o", "junk\n")

    def tearDown(self):
        shutil.rmtree(self.tmp)

    def run_tool(self, *args):
        return subprocess.run([sys.executable, TOOL, "--root", self.root, *args],
                              capture_output=True, text=True)

    def handout(self, lab, path="src/good.c"):
        """Make the handout for `lab` and return the text of one of its files."""
        r = self.run_tool("--lab", str(lab), "--out", self.out)
        self.assertEqual(r.returncode, 0, r.stderr)
        return read(self.out, path)

    def assert_marker_errors(self, files, expected):
        """Write files, run --check and a handout, and expect exit 2 with
        exactly the expected FILE:LINE: fragments (and nothing written)."""
        for path, text in files.items():
            write(self.root, path, textwrap.dedent(text))
        for args in (["--check"], ["--lab", "1", "--out", self.out]):
            r = self.run_tool(*args)
            self.assertEqual(r.returncode, 2, r.stdout + r.stderr)
            errors = [line for line in r.stderr.splitlines() if not line.startswith("ci/make-handout:")]
            self.assertEqual(len(errors), len(expected), r.stderr)
            for line, (where, words) in zip(errors, expected):
                self.assertTrue(line.startswith(where + ": "), f"{line!r} should start with {where}")
                self.assertIn(words, line)
            self.assertFalse(os.path.exists(self.out), "nothing may be written when markers are broken")



class HandoutTool(TreeTest):
    # ---- good markers

    def test_check_counts_regions(self):
        r = self.run_tool("--check")
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertIn("4 marked regions in 2 files", r.stdout)
        self.assertIn("lab 1: 1, lab 2: 2, lab 3: 1", r.stdout)

    def test_list_names_file_lines_lab_and_description(self):
        r = self.run_tool("--list")
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertEqual(r.stdout.splitlines(), [
            "asm/good.asm:3-6: lab 2: put 42 in eax",
            "src/good.c:3-6: lab 1: double x",
            "src/good.c:12-16: lab 2: square z",
            "src/good.c:19-24: lab 3: a helper only lab 3 needs",
        ])
        r = self.run_tool("--list", "--lab", "2")
        self.assertEqual(len(r.stdout.splitlines()), 2)

    def test_handout_keeps_earlier_labs_and_stubs_the_rest(self):
        self.assertEqual(self.handout(2), textwrap.dedent("""\
            int first(int x)
            {
                return 2 * x;
            }

            int second(int y)
            {
                int z = y + 1;
                /* TODO(lab 2): square z */
                return -2;
                /* END TODO(lab 2) */
            }

            /* TODO(lab 3): a helper only lab 3 needs */
            /* END TODO(lab 3) */
            """))
        self.assertEqual(read(self.out, "asm/good.asm"), textwrap.dedent("""\
            global answer
            answer:
                ; TODO(lab 2): put 42 in eax
                xor eax, eax
                ; END TODO(lab 2)
                ret
            """))

    def test_lab_1_handout_stubs_every_lab(self):
        text = self.handout(1)
        self.assertIn("    /* TODO(lab 1): double x */\n    (void)x;\n    return -1;\n"
                      "    /* END TODO(lab 1) */\n}", text)
        self.assertNotIn("LAB ", text)
        self.assertNotIn("2 * x", text)

    def test_last_lab_handout_keeps_all_earlier_solutions(self):
        text = self.handout(3)
        self.assertIn("return 2 * x;", text)
        self.assertIn("z = z * z;", text)
        self.assertNotIn("static int helper", text)
        self.assertNotIn("LAB ", text)

    def test_solved_handout_holds_the_solution_between_the_todo_lines(self):
        r = self.run_tool("--lab", "2", "--out", self.out, "--solved")
        self.assertEqual(r.returncode, 0, r.stderr)
        text = read(self.out, "src/good.c")
        self.assertIn("    /* TODO(lab 2): square z */\n    z = z * z;\n    return z;\n"
                      "    /* END TODO(lab 2) */\n", text)
        self.assertIn("/* TODO(lab 3): a helper only lab 3 needs */\n/* END TODO(lab 3) */", text)

    def test_student_regions_are_found_between_todo_and_end_todo(self):
        lines = ["a\n", "  /* TODO(lab 2): one */\n", "x\n", "  /* END TODO(lab 2) */\n",
                 "// TODO(lab 3): other lab\n", "// END TODO(lab 3)\n",
                 "  /* TODO(lab 2): two */\n", "/* TODO(lab 2): again */\n", "y\n", "z\n",
                 "  /* END TODO(lab 2) */\n"]
        regions, problems = make_handout.student_regions(lines, 2)
        self.assertEqual([(r.description, r.first, r.last) for r in regions], [("one", 1, 3), ("two", 6, 10)])
        self.assertEqual(problems, [(8, "TODO(lab 2) inside the region opened at line 7 "
                                        "(a region ends at END TODO(lab 2))")])
        self.assertEqual(make_handout.fill_regions(lines, regions, [["X\n"], None]),
                         lines[:2] + ["X\n"] + lines[3:])
        _, problems = make_handout.student_regions(["/* END TODO(lab 2) */\n", "/* TODO(lab 2): a */\n"], 2)
        self.assertEqual(problems, [(1, "END TODO(lab 2) without a TODO(lab 2) line before it"),
                                    (2, "TODO(lab 2) has no END TODO(lab 2) after it")])

    def test_copies_the_tree_without_instructor_files_or_builds(self):
        self.assertEqual(self.handout(2, "docs/labs/README.md"), "how the labs work\n")
        self.assertTrue(os.stat(os.path.join(self.out, "ci/run-me")).st_mode & stat.S_IXUSR)
        for gone in ("ci/make-handout", "tests/test_make_handout.py", "cmake/labs.cmake",
                     "instructor/answers.md", "build/junk.o"):
            self.assertFalse(os.path.exists(os.path.join(self.out, gone)), gone)

    def test_git_tree_copies_tracked_files_only(self):
        if shutil.which("git") is None:
            self.skipTest("no git")
        subprocess.run(["git", "init", "-q", self.root], check=True)
        subprocess.run(["git", "-C", self.root, "add", "ci", "src", "asm", "docs"], check=True)
        write(self.root, "notes.txt", "not tracked\n")
        r = self.run_tool("--lab", "2", "--out", self.out)
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertTrue(os.path.exists(os.path.join(self.out, "src/good.c")))
        self.assertFalse(os.path.exists(os.path.join(self.out, "notes.txt")))
        self.assertFalse(os.path.exists(os.path.join(self.out, "ci/make-handout")))
        r = self.run_tool("--lab", "2", "--out", self.out, "--force", "--untracked")
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertTrue(os.path.exists(os.path.join(self.out, "notes.txt")))

    def test_refuses_a_non_empty_out_directory_without_force(self):
        write(self.out, "old.txt", "old\n")
        r = self.run_tool("--lab", "2", "--out", self.out)
        self.assertEqual(r.returncode, 1)
        self.assertIn("not empty", r.stderr)
        r = self.run_tool("--lab", "2", "--out", self.out, "--force")
        self.assertEqual(r.returncode, 1, "--force deletes only an earlier handout")
        self.assertIn("does not look like a handout", r.stderr)
        write(self.out, "ci/labs.json", "{}")
        r = self.run_tool("--lab", "2", "--out", self.out, "--force")
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertFalse(os.path.exists(os.path.join(self.out, "old.txt")))

    def test_lab_number_must_be_in_labs_json(self):
        r = self.run_tool("--lab", "4", "--out", self.out)
        self.assertEqual(r.returncode, 2)
        self.assertIn("labs 1, 2, 3", r.stderr)
        r = self.run_tool("--check", "--out", self.out)
        self.assertEqual(r.returncode, 2)

    # ---- broken markers: FILE:LINE: message, exit 2

    def test_broken_markers_are_reported_with_file_and_line(self):
        for name, (files, expected) in BROKEN.items():
            with self.subTest(name):
                self.tearDown()
                self.setUp()
                self.assert_marker_errors(files, expected)


# A file where a stub leaves parameters unread and helpers uncalled: the
# solution carries no (void) casts and no unused attributes; the handout must.
SCAN_C = """\
#define TWICE(v) twice(v)

struct pair {
    int a, b;
};

static int twice(int v)
{
    return 2 * v;
}

static int add(int a, int b)
{
    return a + b;
}

static int unused_now(int v);

static int unused_now(int v)
{
    return v - 1;
}

static int (*const table[])(int, int) = {add};

static __attribute__((noinline)) int pick(const struct pair *p, int which, int bias)
{
    int base = bias;
    /* LAB 1 BEGIN: the chosen member, plus base */
    /* LAB 1 STUB: return -1; */
    return (which ? p->b : p->a) + unused_now(base);
    /* LAB 1 END */
}

int sum(const struct pair *p, int (*scale)(int), int a)
{
    /* LAB 2 BEGIN: scale both members and add them */
    /* LAB 2 STUB: return a; */
    int x = scale(p->a), y = TWICE(p->b);
    /* LAB 2 END */
    /* LAB 2 BEGIN: and the bias */
    /* LAB 2 STUB: return 0; */
    return x + y + p->a;
    /* LAB 2 END */
}

int use(const struct pair *p)
{
    return pick(p, 0, 0) + sum(p, twice, 0) + table[0](1, 2);
}
"""


class WhatAStudentReceives(TreeTest):
    """The handout is a git repository with one commit, and its README lists only what it holds."""

    README = textwrap.dedent("""\
        # made-up kiln

        | what | command |
        | --- | --- |
        | run it | `ci/run-me` |
        | make a handout | `ci/make-handout --lab N --out DIR` |
        | the grader's tests | `tests/grade/` and `cmake/labs.cmake` |
        | notes | `instructor/answers.md` |
        """)

    def git(self, *args):
        r = subprocess.run(["git", "-C", self.out, *args], capture_output=True, text=True,
                           env={"PATH": os.environ["PATH"], "HOME": self.tmp})  # no git configuration
        self.assertEqual(r.returncode, 0, r.stderr)
        return r.stdout

    def test_the_handout_is_a_git_repository_with_one_clean_commit(self):
        subprocess.run(["git", "-C", self.root, "init", "-q"], check=True)  # the solution's own repository
        subprocess.run(["git", "-C", self.root, "add", "-A"], check=True)
        self.handout(2)
        self.assertEqual(self.git("log", "--format=%an|%s").splitlines(),
                         ["kiln handout|kiln: the handout of lab 2"])
        self.assertEqual(self.git("status", "--porcelain"), "", "every file of the handout is committed")
        self.assertEqual(self.git("rev-parse", "--abbrev-ref", "HEAD").strip(), "main")
        committed = sorted(self.git("ls-files").splitlines())
        self.assertIn("src/good.c", committed)
        self.assertNotIn("ci/make-handout", committed)
        self.assertEqual(self.git("show", "HEAD:src/good.c"), read(self.out, "src/good.c"),
                         "the commit holds the stubbed file, not the solution")

    def test_a_student_commit_on_top_shows_only_their_work(self):
        self.handout(2)
        with open(os.path.join(self.out, "src/good.c"), "a", encoding="utf-8") as f:
            f.write("/* my work */\n")
        self.git("-c", "user.name=s", "-c", "user.email=s@invalid", "commit", "-qam", "lab 2")
        self.assertEqual(self.git("diff", "--name-only", "HEAD~1").split(), ["src/good.c"])

    def test_readme_drops_the_lines_naming_what_the_handout_leaves_out(self):
        write(self.root, "README.md", self.README)
        text = self.handout(2, "README.md")
        self.assertIn("`ci/run-me`", text)
        for absent in ("make-handout", "tests/grade/", "instructor/"):
            self.assertNotIn(absent, text)
        self.assertEqual(text.splitlines()[:3], [
            "# made-up kiln", "",
            "**This is the handout of lab 2: lab 2.** Start with [docs/students.md](docs/students.md) "
            "(building, testing and handing in) and [docs/labs/lab2.md](docs/labs/lab2.md) (what to write)."])


class CScanInHandouts(TreeTest):
    """What ci/make-handout adds to a handout so that the stubs compile."""

    def setUp(self):
        super().setUp()
        write(self.root, "src/scan.c", SCAN_C)

    def test_parameters_the_stub_no_longer_reads_are_cast_to_void(self):
        text = self.handout(1, "src/scan.c")
        # pick: p and which were read only in the region; bias is still read by the kept line.
        self.assertIn("    /* TODO(lab 1): the chosen member, plus base */\n"
                      "    (void)p; (void)which;\n"
                      "    return -1;\n"
                      "    /* END TODO(lab 1) */\n}", text)
        self.assertNotIn("(void)bias", text)
        # sum: one line, after the function's first TODO; a still reads a (the stub uses it).
        self.assertIn("    /* TODO(lab 2): scale both members and add them */\n"
                      "    (void)p; (void)scale;\n"
                      "    return a;\n"
                      "    /* END TODO(lab 2) */\n"
                      "    /* TODO(lab 2): and the bias */\n"
                      "    return 0;\n"
                      "    /* END TODO(lab 2) */\n}", text)

    def test_member_names_do_not_count_as_reading_a_parameter(self):
        # p->a and p->b would keep a parameter called a or b alive if members counted.
        write(self.root, "src/scan.c", textwrap.dedent("""\
            struct pair {
                int a, b;
            };

            int first(struct pair *p, int a, int b)
            {
                p->a = 0;
                p->b = 0;
                /* LAB 1 BEGIN: add */
                /* LAB 1 STUB: return 0; */
                return a + b;
                /* LAB 1 END */
            }
            """))
        self.assertIn("    (void)a; (void)b;\n    return 0;", self.handout(1, "src/scan.c"))

    def test_no_casts_where_the_solution_stays(self):
        text = self.handout(3, "src/scan.c")
        self.assertNotIn("(void)", text)
        self.assertNotIn("__attribute__((unused))", text)

    def test_helpers_that_lose_every_caller_are_marked_unused(self):
        text = self.handout(1, "src/scan.c")
        mark = make_handout.UNUSED_HELPER + "\n"
        # unused_now was called only in the lab 1 region; its prototype is not a use.
        self.assertIn("static int unused_now(int v);\n\n" + mark + "static int unused_now(int v)\n{", text)
        self.assertEqual(text.count(mark), 1, text)
        # twice is still named by use() and by a macro; add by a table at file scope;
        # pick keeps its noinline and its caller.
        self.assertIn("\nstatic int twice(int v)\n", text)
        self.assertIn("\nstatic int add(int a, int b)\n", text)
        self.assertIn("\nstatic __attribute__((noinline)) int pick(", text)

    def test_a_helper_called_only_from_itself_or_in_a_macro_name(self):
        write(self.root, "src/scan.c", textwrap.dedent("""\
            static int down(int n)
            {
                return n ? down(n - 1) : 0;
            }

            int run(int n)
            {
                /* LAB 2 BEGIN: count down */
                /* LAB 2 STUB: return n; */
                return down(n);
                /* LAB 2 END */
            }
            """))
        self.assertIn(make_handout.UNUSED_HELPER + "\nstatic int down(int n)", self.handout(2, "src/scan.c"))
        self.assertNotIn("unused", self.handout_again(3, "src/scan.c"))

    def handout_again(self, lab, path):
        shutil.rmtree(self.out)
        return self.handout(lab, path)

    def test_summary_counts_what_was_added(self):
        r = self.run_tool("--lab", "1", "--out", self.out)
        self.assertEqual(r.returncode, 0, r.stderr)
        # good.c's first(x) 1, scan.c's pick 2 and sum 2; unused_now.
        self.assertIn("5 parameters cast to (void), 1 helpers marked unused", r.stdout)

    def test_code_the_scan_cannot_read_stops_the_tool(self):
        for name, (text, line, words) in UNREADABLE.items():
            with self.subTest(name):
                write(self.root, "src/scan.c", textwrap.dedent(text))
                for args in (["--check"], ["--lab", "1", "--out", self.out]):
                    r = self.run_tool(*args)
                    self.assertEqual(r.returncode, 2, r.stdout + r.stderr)
                    self.assertIn(f"src/scan.c:{line}: ", r.stderr)
                    self.assertIn(words, r.stderr)
                    self.assertFalse(os.path.exists(self.out), "nothing may be written")

    def test_files_without_a_stubbed_region_are_not_scanned(self):
        # Unreadable C after the lab 2 region: the lab 3 handout keeps it, so it is never scanned.
        write(self.root, "src/scan.c", "int f(void)\n{\n    /* LAB 2 BEGIN: one */\n"
                                       "    /* LAB 2 STUB: return 0; */\n    return 1;\n    /* LAB 2 END */\n}\n"
                                       "int g(a) int a; { return a; }\n")
        self.assertEqual(self.run_tool("--lab", "2", "--out", self.out).returncode, 2)
        self.assertEqual(self.run_tool("--lab", "3", "--out", self.out).returncode, 0)


# name: (solution text, the solution line reported, words of the message)
UNREADABLE = {
    "K&R definition": ("""\
        int f(a)
        int a;
        {
            /* LAB 1 BEGIN: one */
            /* LAB 1 STUB: return 0; */
            return a;
            /* LAB 1 END */
        }
        """, 3, "'{' at file scope with no declaration before it"),
    "unbalanced brace": ("""\
        int f(int a)
        {
            if (a) {
                /* LAB 1 BEGIN: one */
                /* LAB 1 STUB: return 0; */
                return a;
                /* LAB 1 END */
            return a;
        }
        """, 2, "is never closed"),
    "stray closer": ("""\
        int f(int a)
        {
            /* LAB 1 BEGIN: one */
            /* LAB 1 STUB: return 0; */
            return a;
            /* LAB 1 END */
        }
        }
        """, 8, "does not match an earlier bracket"),
    "unterminated comment": ("""\
        int f(int a)
        {
            /* LAB 1 BEGIN: one */
            /* LAB 1 STUB: return 0; */
            return a;
            /* LAB 1 END */
        }
        /* never closed
        """, 8, "cannot read this comment"),
    "function returning a function pointer": ("""\
        static int one(int a)
        {
            return a;
        }
        int (*pick(int a))(int)
        {
            /* LAB 1 BEGIN: one */
            /* LAB 1 STUB: return 0; */
            return a ? one : 0;
            /* LAB 1 END */
        }
        """, 5, "cannot find the name of this function definition"),
    "macro at file scope without a semicolon": ("""\
        DECLARE_THING(x)
        int f(int a)
        {
            /* LAB 1 BEGIN: one */
            /* LAB 1 STUB: return 0; */
            return a;
            /* LAB 1 END */
        }
        """, 1, "DECLARE_THING: something after the parameter list"),
    "definition not at the start of its line": ("""\
        int x; static int one(int a)
        {
            return a;
        }
        int f(int a)
        {
            /* LAB 1 BEGIN: one */
            /* LAB 1 STUB: return 0; */
            return one(a);
            /* LAB 1 END */
        }
        """, 1, "does not start its line"),
}


class CScanUnits(unittest.TestCase):
    """The pieces of the C scan, on their own."""

    def functions(self, text):
        tokens = make_handout.c_tokens(textwrap.dedent(text))
        functions, outside = make_handout.c_functions(tokens)
        return {f.name: f for f in functions}, [t.text for t in outside]

    def test_parameter_names(self):
        cases = {
            "void f(void) {}": [],
            "void f(int a, const struct pair *const p, uint64_t v[4]) {}": ["a", "p", "v"],
            "void f(int (*cb)(int, int), char **argv) {}": ["cb", "argv"],
            "void f(struct pair, size_t) {}": [],
            "void f(const char *fmt, ...) {}": ["fmt"],
            "void f(unsigned long long n, enum kind k) {}": ["n", "k"],
        }
        for text, names in cases.items():
            with self.subTest(text):
                self.assertEqual(self.functions(text)[0]["f"].params, names)

    def test_definitions_and_their_names(self):
        found, _ = self.functions("""\
            static __attribute__((noinline, cold)) int a(void) { return 0; }
            struct s { int x; } value = { 1 };
            typedef int (*fn)(int);
            int b(int x);
            static inline int c(int x) { if (x) { return b(x); } return 0; }
            const char *d(void) { return "{ not a brace"; }
            """)
        self.assertEqual(sorted(found), ["a", "c", "d"])
        self.assertTrue(found["a"].static and found["c"].static and not found["d"].static)

    def test_references_outside_functions(self):
        _, outside = self.functions("""\
            #define CALL(x) helper(x)
            static int helper(int x);
            int (*table[])(int) = { helper, other };
            int f(int x) { return other(x); }
            """)
        self.assertIn("helper", outside)        # the macro and the table; the prototype is not a use
        self.assertEqual(outside.count("helper"), 2)
        self.assertIn("other", outside)

    def test_comments_strings_and_characters_are_not_code(self):
        found, outside = self.functions("""\
            // int fake(void) {
            /* int fake2(void) { */
            int f(void) { return '{' + "}" [0]; }
            """)
        self.assertEqual(list(found), ["f"])
        self.assertEqual(outside, [])

    def test_errors_carry_the_line(self):
        with self.assertRaises(make_handout.CParseError) as caught:
            self.functions("int f(void)\n{\n    return (1;\n}\n")
        self.assertEqual(caught.exception.line, 4)
        self.assertIn("'}' does not match an earlier bracket (the last open one is '(' of line 3)",
                      str(caught.exception))


# name: ({file: text}, [(FILE:LINE, words the message must contain), ...] in report order)
BROKEN = {
    "begin without end": ({"src/bad.c": """\
        int f(void)
        {
            /* LAB 2 BEGIN: never closed */
            return 1;
        }
        """}, [("src/bad.c:3", "LAB 2 BEGIN has no LAB 2 END")]),
    "end without begin": ({"src/bad.c": """\
        int f(void)
        {
            return 1;
            /* LAB 2 END */
        }
        """}, [("src/bad.c:4", "LAB 2 END without a LAB 2 BEGIN")]),
    "nested regions": ({"src/bad.c": """\
        /* LAB 1 BEGIN: outer */
        int a;
        /* LAB 2 BEGIN: inner */
        int b;
        /* LAB 2 END */
        /* LAB 1 END */
        """}, [("src/bad.c:3", "LAB 2 BEGIN inside the LAB 1 region opened at line 1")]),
    "end names another lab": ({"src/bad.c": """\
        /* LAB 1 BEGIN: one */
        int a;
        /* LAB 2 END */
        """}, [("src/bad.c:3", "LAB 2 END closes the LAB 1 region opened at line 1")]),
    "unknown lab": ({"src/bad.c": """\
        /* LAB 7 BEGIN: no such lab */
        int a;
        /* LAB 7 END */
        """}, [("src/bad.c:1", "there is no lab 7 in ci/labs.json"),
               ("src/bad.c:3", "there is no lab 7 in ci/labs.json")]),
    "stub outside its region": ({"src/bad.c": """\
        /* LAB 1 STUB: return 0; */
        /* LAB 1 BEGIN: one */
        /* LAB 2 STUB: return 0; */
        int a;
        /* LAB 1 END */
        """}, [("src/bad.c:1", "LAB 1 STUB outside a LAB 1 region"),
               ("src/bad.c:3", "LAB 2 STUB inside the LAB 1 region opened at line 2")]),
    "malformed and empty markers": ({"src/bad.c": """\
        /* LAB 1 BEGIN */
        int x;
        int a; /* LAB 1 END */
        /* LAB2 END */
        /* LAB 1 STUB: */
        /* LAB 1 END */
        /* LAB 3 BEGIN: nothing inside */
        /* LAB 3 END */
        """}, [("src/bad.c:1", "LAB 1 BEGIN needs a description"),
               ("src/bad.c:3", "malformed marker"),
               ("src/bad.c:4", "malformed marker"),
               ("src/bad.c:5", "LAB 1 STUB needs code"),
               ("src/bad.c:7", "the LAB 3 region has no solution lines")]),
    "every file is reported": ({
        "src/one.c": "/* LAB 1 BEGIN: a */\nint a;\n",
        "include/two.h": "int b;\n/* LAB 3 END */\n",
    }, [("include/two.h:2", "LAB 3 END without"), ("src/one.c:1", "LAB 1 BEGIN has no LAB 1 END")]),
    "asm markers": ({"asm/bad.asm": """\
        ; LAB 2 BEGIN: unclosed in assembly
        mov eax, 1
        """}, [("asm/bad.asm:1", "LAB 2 BEGIN has no LAB 2 END")]),
}


class RealRepository(unittest.TestCase):
    def test_markers_are_balanced_and_every_lab_has_work(self):
        r = subprocess.run([sys.executable, TOOL, "--check"], capture_output=True, text=True)
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
        with open(os.path.join(REPO, "ci", "labs.json"), encoding="utf-8") as f:
            labs = [lab["number"] for lab in json.load(f)["labs"]]
        listed = subprocess.run([sys.executable, TOOL, "--list"], capture_output=True, text=True).stdout
        for n in labs:
            self.assertIn(f": lab {n}: ", listed, f"lab {n} has no marked region")

    def test_the_solution_carries_no_scaffolding_the_tool_writes(self):
        marked = subprocess.run([sys.executable, TOOL, "--list"], capture_output=True, text=True).stdout
        for path in sorted({line.split(":")[0] for line in marked.splitlines()}):
            with open(os.path.join(REPO, path), encoding="utf-8") as f:
                for number, line in enumerate(f, 1):
                    where = f"{path}:{number}: {line.strip()}"
                    self.assertNotRegex(line, r"LAB \d+ STUB: *(\(void\)\w+; *)+\*/", where)
                    self.assertNotRegex(line, r"__attribute__\(\([^)]*\bunused\b", where)

    def test_a_real_handout_readme_names_only_files_it_holds(self):
        """Every path in a code span of the lab 2 handout's README (`ci/grade --lab 2`,
        `src/mm/`, `docs/pmm.md`...) exists in the handout."""
        with tempfile.TemporaryDirectory(prefix="kiln-handout-readme-") as tmp:
            out = os.path.join(tmp, "lab2")
            r = subprocess.run([sys.executable, TOOL, "--lab", "2", "--out", out, "--untracked"],
                               capture_output=True, text=True)
            self.assertEqual(r.returncode, 0, r.stderr)
            text = read(out, "README.md")
            self.assertIn("This is the handout of lab 2", text)
            paths = set()
            for span in re.findall(r"`([^`]+)`", text) + re.findall(r"\]\(([^)]+)\)", text):
                first = span.split()[0] if span.split() else ""
                first = first[2:] if first.startswith("./") else first
                if "/" in first and not first.startswith(("http", "/", "-")) and "ADDR" not in first:
                    paths.add(first.rstrip(",;:."))
            self.assertGreater(len(paths), 10, "the README names the tree's folders and tools")
            missing = sorted(p for p in paths if not os.path.exists(os.path.join(out, p)))
            self.assertEqual(missing, [], "the handout's README names files the handout does not hold")


if __name__ == "__main__":
    unittest.main(verbosity=2)
