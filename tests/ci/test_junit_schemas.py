#!/usr/bin/env python3
"""tests/ci/test_junit_schemas.py - ci/grade's reports are read fully by their consumers.

JUnit: ci/grade's junit_xml, on a made-up report (hostile text, a failed test, ungraded
tests that passed and failed, a lab whose build failed), must validate with xmllint
against tests/ci/junit-ant-strict.xsd (Ant's JUnit XML read strictly) and
tests/ci/junit-jenkins.xsd (Jenkins's xUnit reading); the schemas must reject what
ci/grade used to write (attributes on <testsuites>, no timestamp or hostname, no
<system-err>), so the check can fail. Cases carry the measured time of the run that
reported them, shared among its cases; suites carry their sum and a timestamp;
ungraded tests are <skipped> with the reason. Gradescope: every field is one of
Gradescope's documented fields or one docs/grading.md lists as an extension.
"""
import json
import os
import re
import subprocess
import sys
import tempfile
import time
import unittest
import xml.etree.ElementTree as ET

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
SCHEMAS = {"Ant (strict)": os.path.join(REPO, "tests", "ci", "junit-ant-strict.xsd"),
           "Jenkins": os.path.join(REPO, "tests", "ci", "junit-jenkins.xsd")}

# Gradescope's documented results.json fields (its autograder specification).
GRADESCOPE_TOP = {"score", "execution_time", "output", "output_format", "test_output_format",
                  "test_name_format", "visibility", "stdout_visibility", "extra_data", "tests",
                  "leaderboard"}
GRADESCOPE_TEST = {"score", "max_score", "name", "name_format", "number", "output",
                   "output_format", "tags", "visibility", "extra_data"}


sys.path.insert(0, os.path.join(REPO, "tests", "grade"))
from test_grade_parsing import grade  # noqa: E402  (ci/grade, loaded as a module)


def validate(xml_text, schema):
    """(valid, xmllint's complaint)."""
    with tempfile.NamedTemporaryFile("w", suffix=".xml", delete=False) as f:
        f.write(xml_text)
    try:
        ran = subprocess.run(["xmllint", "--noout", "--schema", schema, f.name],
                             capture_output=True, text=True, timeout=60)
    finally:
        os.unlink(f.name)
    return ran.returncode == 0, ran.stderr.strip()


def made_up_report():
    pmm = [grade.graded("ktest", "pmm", "bad \x1b[31mline\x07", 2, False, "not ok: \x00\x1f <&> ]]>"),
           grade.graded("ktest", "pmm", "frees coalesce", 2, True, ""),
           grade.graded("host", "pmm", "test_a", 1, True, ""),
           grade.graded("host", "pmm", "test_b", 1, False, "assertion failed"),
           grade.graded("host", "multiboot2", "test_fewer_than_8_bytes", 1, True, ""),
           grade.graded("host", "multiboot2", "test_total_size_too_small", 1, False, "crashed")]
    for t in pmm[4:]:
        t["score"] = t["max_score"] = 0
        t["ungraded"] = True
    boot = {"cmdline": "ktest=pmm", "emulator": "qemu", "reason": "", "passed": True,
            "seconds": 4.5}
    runs = [{"test": "pmm", "seconds": 0.25}, {"test": "multiboot2", "seconds": 0.5}]
    broken = [grade.graded("host", "vmm", "test_c", 3, False, "the build failed")]
    report = {"build": {"status": "ok", "log_tail": []},
              "labs": [grade.lab_report({"number": 2, "title": "PMM"}, pmm, boot, runs),
                       grade.lab_report({"number": 3, "title": "VMM"}, broken, None, [])]}
    report = grade.finish(report, time.monotonic() - 7)
    return report


class JunitTests(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.xml = grade.junit_xml(made_up_report())
        cls.root = ET.fromstring(cls.xml)

    def test_valid_under_both_schemas(self):
        for what, schema in SCHEMAS.items():
            valid, complaint = validate(self.xml, schema)
            self.assertTrue(valid, f"ci/grade's JUnit is not valid under the {what} schema: "
                                   f"{complaint}\n{self.xml}")

    def test_the_schemas_reject_what_grade_used_to_write(self):
        old = ('<?xml version="1.0" encoding="UTF-8"?>\n<testsuites name="kiln grade" tests="1" '
               'failures="0" time="1.5"><testsuite name="lab2: PMM" tests="1" errors="0" '
               'skipped="0" failures="0"><properties/><testcase name="a" time="0" classname="x"/>'
               '<system-out>x</system-out></testsuite></testsuites>\n')
        valid, complaint = validate(old, SCHEMAS["Ant (strict)"])
        self.assertFalse(valid, "the strict schema accepted a suite with no timestamp")
        self.assertIn("timestamp", complaint)
        # A suite's time in e-notation (what f"{x:g}" gives for small values).
        exponent = re.sub(r'(<testsuite [^>]*time=")[0-9.]+"', r'\g<1>2.5e-05"', self.xml, count=1)
        self.assertNotEqual(exponent, self.xml)
        for what, schema in SCHEMAS.items():
            self.assertFalse(validate(exponent, schema)[0], f"{what} accepted a time in e-notation")

    def test_suites_have_a_timestamp_hostname_and_the_sum_of_their_case_times(self):
        for suite in self.root.findall("testsuite"):
            self.assertRegex(suite.get("timestamp"), r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d$")
            self.assertTrue(suite.get("hostname"))
            total = sum(float(c.get("time")) for c in suite.findall("testcase"))
            self.assertAlmostEqual(float(suite.get("time")), total, delta=0.002)

    def test_cases_share_the_time_of_the_run_that_reported_them(self):
        lab2 = self.root.find("testsuite")
        times = {c.get("name"): float(c.get("time")) for c in lab2.findall("testcase")}
        self.assertAlmostEqual(times["pmm: frees coalesce"], 4.5 / 2, places=3)   # one boot
        self.assertAlmostEqual(times["host_pmm: test_a"], 0.25 / 2, places=3)    # host_pmm
        self.assertAlmostEqual(times["host_multiboot2: test_fewer_than_8_bytes"], 0.5 / 2,
                               places=3)
        self.assertAlmostEqual(float(lab2.get("time")), 4.5 + 0.25 + 0.5, places=2)

    def test_ungraded_tests_are_skipped_with_the_reason(self):
        lab2 = self.root.find("testsuite")
        self.assertEqual((lab2.get("tests"), lab2.get("failures"), lab2.get("skipped")),
                         ("6", "2", "2"))
        skipped = {c.get("name"): c.find("skipped") for c in lab2.findall("testcase")}
        passed = skipped["host_multiboot2: test_fewer_than_8_bytes"]
        failed = skipped["host_multiboot2: test_total_size_too_small"]
        self.assertRegex(passed.get("message"), r"^ungraded \(.+\); it ran and passed$")
        self.assertRegex(failed.get("message"), r"^ungraded \(.+\); it ran and failed: crashed$")
        self.assertIsNone(skipped["host_pmm: test_b"], "a graded failure is not skipped")

    def test_failures_keep_their_points_and_reason(self):
        failure = self.root.find("testsuite/testcase/failure")
        self.assertEqual(failure.get("message"), "0/2 points: not ok:  <&> ]]>")
        self.assertEqual(failure.get("type"), "failed")


class GradescopeTests(unittest.TestCase):
    def test_only_documented_fields_or_documented_extensions(self):
        with open(os.path.join(REPO, "docs", "grading.md")) as f:
            docs = f.read()
        section = re.search(r"<!-- gradescope-extensions -->\n(.*?)\n\n", docs, re.S)
        self.assertIsNotNone(section, "docs/grading.md has no gradescope-extensions table")
        extensions = set(re.findall(r"^\| `([a-z_\[\].]+)` \|", section.group(1), re.M))
        out = json.loads(grade.gradescope_json(made_up_report()))
        extra_top = set(out) - GRADESCOPE_TOP
        self.assertLessEqual(extra_top, extensions,
                             f"top-level fields neither Gradescope's nor documented as extensions "
                             f"in docs/grading.md: {sorted(extra_top - extensions)}")
        extra_test = {f"tests[].{k}" for t in out["tests"] for k in t if k not in GRADESCOPE_TEST}
        self.assertLessEqual(extra_test, extensions,
                             f"test fields neither Gradescope's nor documented as extensions: "
                             f"{sorted(extra_test - extensions)}")


if __name__ == "__main__":
    unittest.main()
