#!/usr/bin/env python3
"""tests/grade/test_grade_parsing.py - unit tests of ci/grade's readers and reports.

Hostile serial output fed line by line to ci/boot's reader, whose --json summary
ci/grade scores; hostile cmocka output fed to ci/grade's cmocka reader; ci/grade's
reading of ci/boot's verdict; the report writers. The shared pieces (TAP rules,
bounded reading, process limits) have their own tests in tests/ci/test_kiln_ci.py.
CTest: grade.parsing. Runs in a few seconds; no kernel needed.
"""
import importlib.machinery
import importlib.util
import os
import tempfile
import time
import unittest
import xml.etree.ElementTree as ET

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def load_script(name):
    """ci/NAME (a script without .py) as a module."""
    loader = importlib.machinery.SourceFileLoader(f"kiln_{name}", os.path.join(REPO, "ci", name))
    module = importlib.util.module_from_spec(importlib.util.spec_from_loader(loader.name, loader))
    loader.exec_module(module)
    return module


grade = load_script("grade")
boot = load_script("boot")
Ran = boot.kiln_ci.Ran


def boot_summary(text, how="poweroff"):
    """What ci/boot --json writes after reading `text` from the serial port."""
    verdict = boot.Verdict()
    for line in text.splitlines():
        verdict.feed(line)
    passed, reason = verdict.decide(how)
    return verdict.summary(passed, reason, how)


def cmocka_of(text):
    run = grade.CmockaRun()
    for line in text.splitlines():
        run.feed(line)
    return run


def by_name(tests):
    return {t["name"]: t for t in tests}


class TapTests(unittest.TestCase):
    EXPECTED = ["first", "second", "third"]

    def score(self, text, reason=""):
        summary = boot_summary(text)
        problems = list(summary["problems"])
        reports = grade.first_reports(summary["results"], problems)
        return problems, by_name(grade.score_ktest("pmm", self.EXPECTED, 2, reports, reason))

    def test_clean_run(self):
        problems, tests = self.score("TAP version 13\n1..3\nok 1 - pmm: first\nok 2 - pmm: second\n"
                                "ok 3 - pmm: third\n# ktest: 3 tests, 3 passed\n")
        self.assertEqual([t["score"] for t in tests.values()], [2, 2, 2])
        self.assertEqual(problems, [])

    def test_failure_carries_its_diagnostics(self):
        _, tests = self.score("1..3\nok 1 - pmm: first\n# /src/ktest/test_pmm.c:40: n: expected 1 (0x1), got 2 (0x2)\n"
                              "not ok 2 - pmm: second\nok 3 - pmm: third\n")
        self.assertEqual(tests["second"]["score"], 0)
        self.assertRegex(tests["second"]["reason"], r"^not ok: /src/ktest/test_pmm.c:40: n: expected 1")
        self.assertEqual(tests["third"]["reason"], "")

    def test_lines_before_the_plan_do_not_count(self):
        problems, tests = self.score("ok 1 - pmm: first\nok 2 - pmm: second\n1..3\nnot ok 1 - pmm: first\n")
        self.assertEqual(tests["first"]["score"], 0)
        self.assertEqual(tests["second"]["reason"], "not reported")
        self.assertIn("came before the plan", problems[0])

    def test_duplicate_and_out_of_order_numbers_are_ignored(self):
        problems, tests = self.score("1..3\nnot ok 1 - pmm: first\nok 1 - pmm: first\nok 3 - pmm: third\n"
                                "ok 2 - pmm: second\n")
        self.assertEqual(tests["first"]["score"], 0, "ok after not ok must not count")
        self.assertEqual(tests["second"]["score"], 2)
        self.assertEqual(tests["third"]["reason"], "not reported")
        self.assertEqual(len(problems), 2)

    def test_same_test_reported_again_under_a_new_number_earns_nothing(self):
        problems, tests = self.score("1..3\nnot ok 1 - pmm: first\nok 2 - pmm: first\nok 3 - pmm: second\n")
        self.assertEqual(tests["first"]["score"], 0)
        self.assertIn("only the first report counts", problems[-1])

    def test_results_beyond_the_plan_are_ignored(self):
        problems, tests = self.score("1..1\nnot ok 1 - pmm: first\nok 2 - pmm: second\n")
        self.assertEqual(tests["second"]["score"], 0)
        self.assertIn("beyond the plan", problems[0])

    def test_a_second_plan_is_ignored(self):
        problems, tests = self.score("1..1\nok 1 - pmm: first\n1..3\nok 2 - pmm: second\n")
        self.assertEqual(tests["second"]["score"], 0)
        self.assertIn("a second TAP plan line", problems[0])

    def test_user_program_output_is_not_tap(self):
        _, tests = self.score("1..3\nhello: ok 1 - pmm: first\nevil:ok 1 - pmm: first\n  ok 1 - pmm: first\n")
        self.assertEqual(tests["first"]["score"], 2)   # the indented one is the kernel's own line
        _, tests = self.score("1..3\nhello: ok 1 - pmm: first\n")
        self.assertEqual(tests["first"]["score"], 0)

    def test_escape_sequences_and_control_characters_are_dropped(self):
        _, tests = self.score("\x1b[2J1..3\r\nok 1 - pmm: fi\x00rst\r\n\x1b[31mok 2 - pmm: second\x1b[0m\r\n")
        self.assertEqual(tests["first"]["score"], 2)
        self.assertEqual(tests["second"]["score"], 2)

    def test_unreported_tests_name_how_the_boot_ended(self):
        _, tests = self.score("1..3\nok 1 - pmm: first\nKERNEL PANIC: oops\n",
                              reason="kernel panic: oops")
        self.assertEqual(tests["first"]["score"], 2)
        self.assertEqual(tests["second"]["reason"], "not reported; the boot ended: kernel panic: oops")

    def test_memory_stays_bounded(self):
        verdict = boot.Verdict()
        verdict.feed("1..3")
        for i in range(20000):
            verdict.feed(f"# diagnostic {i}")
            verdict.feed(f"ok {i + 5} - pmm: fake")
        summary = verdict.summary(False, "", "poweroff")
        self.assertLessEqual(len(summary["problems"]), 20)
        self.assertLessEqual(len(summary["last_lines"]), 20)

    def test_ci_boot_and_ci_grade_read_the_same_problems(self):
        # Both read the stream with one parser and name the same problem. Their
        # verdicts differ on purpose: ci/boot fails a run whose TAP is malformed,
        # while ci/grade scores each test by its first report and lists the problem.
        text = "1..3\nok 1 - pmm: first\nok 1 - pmm: first\nok 2 - pmm: second\nok 3 - pmm: third\n"
        summary = boot_summary(text)
        self.assertFalse(summary["passed"])
        self.assertEqual(summary["reason"], "malformed TAP output: test 1 reported twice")
        problems, tests = self.score(text)
        self.assertEqual([t["score"] for t in tests.values()], [2, 2, 2])
        self.assertEqual(problems, ["test 1 reported twice"])


class VerdictTests(unittest.TestCase):
    def reason(self, summary, stderr=(), how="exited", status=1):
        return grade.boot_reason(summary, list(stderr), Ran(how, status, 1.0, 0), 60)

    def test_pass(self):
        self.assertEqual(self.reason(boot_summary("1..1\nok 1 - pmm: a\nkiln: power off (success)\n")), "")

    def test_fail_reason(self):
        self.assertEqual(self.reason(boot_summary("KERNEL PANIC: oops\n")), "kernel panic: oops")

    def test_output_limit(self):
        summary = boot_summary("x\n", how="output exceeded 2097152 bytes")
        self.assertEqual(summary["reason"], "output exceeded 2097152 bytes (last line: 'x')")
        self.assertRegex(self.reason(summary),
                         r"^output limit exceeded \(more than 2 MiB\) \(last line: 'x'\)$")

    def test_no_verdict(self):
        self.assertEqual(self.reason(None, ["ci/boot: /b/kernel.elf does not exist; build first", ""]),
                         "ci/boot failed: ci/boot: /b/kernel.elf does not exist; build first")

    def test_ci_boot_itself_stuck(self):
        self.assertRegex(self.reason(None, how="timeout"), "did not finish")

    def test_a_summary_that_is_not_ci_boots(self):
        with tempfile.NamedTemporaryFile("w", suffix=".json") as f:
            f.write('{"passed": true}')
            f.flush()
            self.assertIsNone(grade.read_boot_summary(f.name))
        self.assertIsNone(grade.read_boot_summary("/nonexistent/boot.json"))


class CmockaTests(unittest.TestCase):
    EXPECTED = ["a", "b", "c", "d"]

    def score(self, text, ran):
        run = cmocka_of(text)
        return run, by_name(grade.score_host("pmm", self.EXPECTED, 1, run, ran,
                                             ran.describe(30, grade.OUTPUT_LIMIT)))

    def test_all_pass_and_summary_lines_do_not_count_twice(self):
        text = ("[==========] Running 4 test(s).\n" + "".join(f"[ RUN      ] {n}\n[       OK ] {n}\n" for n in "abc")
                + "[ RUN      ] d\n[  ERROR   ] --- 0x1 != 0x2\n[   LINE   ] --- t.c:8: error: Failure!\n"
                "[  FAILED  ] d\n[==========] 4 test(s) run.\n[  PASSED  ] 3 test(s).\n"
                "[  FAILED  ] 1 test(s), listed below:\n[  FAILED  ] d\n")
        run, tests = self.score(text, Ran("exited", 1, 0.1, 0))
        self.assertTrue(run.complete(Ran("exited", 1, 0.1, 0)))
        self.assertEqual([t["score"] for t in tests.values()], [1, 1, 1, 0])
        self.assertEqual(tests["d"]["reason"], "failed: 0x1 != 0x2; t.c:8: error: Failure!")

    def test_messages_before_the_error_line(self):
        text = ("[ RUN      ] a\nERROR: unexpected panic: lab 2: not implemented\n"
                "[  ERROR   ] --- [   LINE   ] --- t.c:48: error: Failure!\n[  FAILED  ] a\n")
        _, tests = self.score(text, Ran("exited", 1, 0.1, 0))
        self.assertEqual(tests["a"]["reason"],
                         "failed: ERROR: unexpected panic: lab 2: not implemented; t.c:48: error: Failure!")

    def test_crash_in_the_middle(self):
        text = ("[ RUN      ] a\n[       OK ] a\n[ RUN      ] b\n=================\n"
                "==123==ERROR: AddressSanitizer: heap-buffer-overflow on address 0x6020\n"
                "SUMMARY: AddressSanitizer: heap-buffer-overflow t.c:9 in b\n")
        run, tests = self.score(text, Ran("exited", 1, 0.1, 0))
        self.assertEqual(tests["a"]["score"], 1)
        self.assertRegex(tests["b"]["reason"], r"^the test program exited with status 1 during this test: "
                                               r"==123==ERROR: AddressSanitizer: heap-buffer-overflow")
        self.assertEqual(tests["c"]["reason"], "not run: the test program exited with status 1 during b")

    def test_signal_and_timeout(self):
        _, tests = self.score("[ RUN      ] a\n", Ran("exited", -11, 0.1, 0))
        self.assertEqual(tests["a"]["reason"], "the test program was killed by SIGSEGV during this test")
        _, tests = self.score("[ RUN      ] a\n[       OK ] a\n[ RUN      ] b\n", Ran("timeout", -9, 30, 0))
        self.assertEqual(tests["b"]["reason"], "the test program timed out after 30 s during this test")
        self.assertEqual(tests["d"]["reason"], "not run: the test program timed out after 30 s during b")

    def test_exit_between_tests(self):
        _, tests = self.score("[ RUN      ] a\n[       OK ] a\n", Ran("exited", 0, 0.1, 0))
        self.assertEqual(tests["b"]["reason"], "not run: the test program exited with status 0 after a")

    def test_missing_case_in_a_complete_run(self):
        text = "[ RUN      ] a\n[       OK ] a\n[ RUN      ] x\n[       OK ] x\n[==========] 2 test(s) run.\n"
        _, tests = self.score(text, Ran("exited", 0, 0.1, 0))
        self.assertEqual(tests["b"]["reason"], "not reported: host_pmm ran to the end without this test")

    def test_a_rerun_name_earns_nothing_more(self):
        text = "[ RUN      ] a\n[  FAILED  ] a\n[ RUN      ] a\n[       OK ] a\n[       OK ] b\n"
        _, tests = self.score(text, Ran("exited", 0, 0.1, 0))
        self.assertEqual(tests["a"]["score"], 0)
        self.assertEqual(tests["b"]["score"], 0, "an OK line for a test that never ran")

    def test_not_built(self):
        tests = by_name(grade.score_host("pmm", ["a"], 1, grade.CmockaRun(), None, "host_pmm was not built"))
        self.assertEqual(tests["a"]["reason"], "host_pmm was not built")


class ReportTests(unittest.TestCase):
    def report(self):
        tests = [grade.graded("ktest", "pmm", "bad \x1b[31mline\x07", 2, False, "not ok: \x00\x1f <&> ]]>"),
                 grade.graded("host", "pmm", "test_a", 1, True, "")]
        lab = grade.lab_report({"number": 2, "title": "PMM"}, tests, None, [])
        report = {"build": {"status": "ok", "log_tail": []}, "labs": [lab]}
        return grade.finish(report, time.monotonic())

    def test_junit_is_well_formed_despite_hostile_text(self):
        root = ET.fromstring(grade.junit_xml(self.report()))
        suite = root.find("testsuite")
        self.assertEqual((suite.get("tests"), suite.get("failures")), ("2", "1"))
        failure = suite.find("testcase/failure")
        self.assertEqual(failure.get("message"), "0/2 points: not ok:  <&> ]]>")

    def test_gradescope(self):
        import json
        out = json.loads(grade.gradescope_json(self.report()))
        self.assertEqual((out["score"], out["max_score"]), (1, 3))
        self.assertEqual([t["status"] for t in out["tests"]], ["failed", "passed"])
        self.assertEqual(sum(t["max_score"] for t in out["tests"]), 3)


class ManifestTests(unittest.TestCase):
    def test_ktest_declarations(self):
        with tempfile.TemporaryDirectory() as tmp:
            os.makedirs(os.path.join(tmp, "src", "ktest"))
            with open(os.path.join(tmp, "src", "ktest", "t.c"), "w") as f:
                f.write('KTEST(pmm, one, "a \\"quoted\\" word")\n{\n}\n'
                        'KTEST(vmm, two,\n      "split " "over"\n      " lines")\n{\n}\n'
                        '/* not at the start: x KTEST(pmm, three, "no") */\n')
            self.assertEqual(grade.ktest_declarations(tmp),
                             [("pmm", 'a "quoted" word'), ("vmm", "split over lines")])

    def test_the_committed_manifest_covers_every_lab(self):
        labs = grade.load_labs()
        manifest = grade.load_manifest(labs)
        self.assertEqual(sorted(manifest), sorted(labs))


class RegionCheckTests(unittest.TestCase):
    """ci/grade's check of a student region (--submission): what no lab needs."""

    def names(self, text, allow=()):
        return [name for _, name, _ in grade.region_violations(text, REPO, allow)]

    def test_the_solution_uses_nothing_forbidden(self):
        mh = grade.load_make_handout()
        labs = mh.load_labs(REPO)
        marked = mh.scan_tree(REPO, mh.list_files(REPO, True), labs)
        found = []
        for path, (lines, regions) in marked.items():
            for r in regions:
                body = "".join(l for l in lines[r.begin:r.end - 1] if mh.parse_marker(l.rstrip("\n")) is None)
                found += [f"{path}:{r.begin}: {v}" for v in grade.region_violations(body, REPO)]
        self.assertEqual(found, [], "the instructor's own solution breaks the region rules")

    def test_each_forbidden_thing_is_named_with_its_line(self):
        text = ("int x = 1;\n"
                "asm volatile(\"\");\n"
                "outb(0xf4, 0x10);\n"
                "exit(0);\n"
                "kprintf(\"ok 3 - pmm: fake\\n\");\n"
                "#define A 1\n"
                "#include \"arch/x86_64/cpu.h\"\n")
        found = grade.region_violations(text, REPO)
        self.assertIn((1, "asm", "inline assembly ('asm')"), found)
        self.assertEqual(sorted({(line, name) for line, name, _ in found}),
                         [(1, "asm"), (2, "exit-port"), (2, "port-io"), (3, "exit"), (4, "fake-results"),
                          (5, "preprocessor"), (6, "include")])

    def test_comments_strings_and_allowed_things_pass(self):
        text = ("/* no asm here, and no exit(0) */ int n = 0; // outb in a comment\n"
                "panic(\"lab 2: exit code %d\", n);\n"
                "#include \"lib/string.h\"\n#include <stdint.h>\n#if 1\n#endif\n")
        self.assertEqual(grade.region_violations(text, REPO), [])
        self.assertEqual(self.names("exit(1);", allow={"exit"}), [])
        self.assertEqual(self.names("#include \"../../etc/passwd\"\n"), ["include"])
        self.assertEqual(self.names("#include \"dev/console.h\"\n"), ["include"])
        self.assertEqual(self.names("__attribute__((section(\".init_array\"))) int f;"), ["attribute"])
        self.assertEqual(self.names("puts(\"[       OK ] test_x\");"), ["fake-results"])


class TransplantTests(unittest.TestCase):
    """ci/grade --submission's reading of a submission (no build): what it takes and ignores."""

    def transplant(self, edit, solved=True):
        import subprocess
        with tempfile.TemporaryDirectory(prefix="kiln-transplant-test-") as tmp:
            sub = os.path.join(tmp, "submission")
            subprocess.run([os.path.join(REPO, "ci", "make-handout"), "--lab", "2", "--out", sub, "--untracked"]
                           + (["--solved"] if solved else []), check=True, stdout=subprocess.DEVNULL)
            edit(sub)
            return grade.prepare_transplant(sub, 2, os.path.join(tmp, "tree"), set())

    def test_a_solved_handout_is_taken_whole_and_nothing_ignored(self):
        record = self.transplant(lambda sub: None)
        self.assertEqual(record["regions"], record["regions_expected"])
        self.assertGreater(record["regions"], 0)
        self.assertEqual((record["ignored"], record["problems"], record["refused"], record["violations"]),
                         ([], [], "", []))

    def test_a_symbolic_link_is_not_followed(self):
        def link(sub):   # to the instructor's own solution, say
            os.remove(os.path.join(sub, "src/mm/pmm.c"))
            os.symlink(os.path.join(REPO, "src/mm/pmm.c"), os.path.join(sub, "src/mm/pmm.c"))
        record = self.transplant(link)
        self.assertLess(record["regions"], record["regions_expected"])
        self.assertIn("src/mm/pmm.c: a symbolic link (not followed): its lab 2 regions are not taken "
                      "(stubs graded)", record["problems"])
        self.assertFalse(any(r["path"] == "src/mm/pmm.c" for r in record["regions_taken"]))

    def test_a_missing_end_line_keeps_the_stub_of_that_region_only(self):
        def cut(sub):
            path = os.path.join(sub, "src/mm/pmm.c")
            with open(path) as f:
                text = f.read()
            with open(path, "w") as f:
                f.write(text.replace("    /* END TODO(lab 2) */\n", "", 1))
        record = self.transplant(cut)
        self.assertTrue(any("TODO(lab 2) inside the region opened at line" in p for p in record["problems"]),
                        record["problems"])
        self.assertIn("src/mm/pmm.c: changed outside its lab regions (ignored: only the lab 2 regions are taken)",
                      record["ignored"])


if __name__ == "__main__":
    unittest.main()
