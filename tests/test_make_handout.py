#!/usr/bin/env python3
"""tests/test_make_handout.py - checks ci/make-handout on small made-up trees.

Each test writes a tiny repository (ci/labs.json, a few marked source files)
into a temporary directory and runs the tool on it with --root: good markers
become TODO comments and stubs from the handout's lab on, earlier labs keep
their solution, instructor-only files stay out, and every kind of broken
marker is reported as FILE:LINE: message with exit status 2. The last test
runs --check on the real repository. CTest: handout.tool (cmake/labs.cmake).
"""

import json
import os
import shutil
import stat
import subprocess
import sys
import tempfile
import textwrap
import unittest

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
TOOL = os.path.join(REPO, "ci", "make-handout")

LABS = {"labs": [{"number": n, "title": f"lab {n}", "doc": f"docs/labs/lab{n}.md", "host": [], "ktest": []}
                 for n in (1, 2, 3)]}

GOOD_C = """\
int first(int x)
{
    /* LAB 1 BEGIN: double x */
    /* LAB 1 STUB: (void)x; */
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


class HandoutTool(unittest.TestCase):
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
            "src/good.c:3-7: lab 1: double x",
            "src/good.c:13-17: lab 2: square z",
            "src/good.c:20-25: lab 3: a helper only lab 3 needs",
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
            }

            /* TODO(lab 3): a helper only lab 3 needs */
            """))
        self.assertEqual(read(self.out, "asm/good.asm"), textwrap.dedent("""\
            global answer
            answer:
                ; TODO(lab 2): put 42 in eax
                xor eax, eax
                ret
            """))

    def test_lab_1_handout_stubs_every_lab(self):
        text = self.handout(1)
        self.assertIn("    /* TODO(lab 1): double x */\n    (void)x;\n    return -1;\n}", text)
        self.assertNotIn("LAB ", text)
        self.assertNotIn("2 * x", text)

    def test_last_lab_handout_keeps_all_earlier_solutions(self):
        text = self.handout(3)
        self.assertIn("return 2 * x;", text)
        self.assertIn("z = z * z;", text)
        self.assertNotIn("static int helper", text)
        self.assertNotIn("LAB ", text)

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


if __name__ == "__main__":
    unittest.main(verbosity=2)
