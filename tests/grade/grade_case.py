#!/usr/bin/env python3
"""tests/grade/grade_case.py [CHECK]... -- [ci/grade ARG]...

Runs ci/grade once (with --json, --junit, --gradescope and --markdown into a
temporary directory) and checks what it gave. The grade.* CTest tests use it to grade
the solution and deliberately broken kernels (cmake/grade.cmake).

Every run checks that the three reports agree with each other and that the
exit status is 0 exactly on full marks. CHECKs add:
  --full              full marks, and no test the manifest does not know
  --host-full         every host test case passed
  --ktest-zero REGEX  every in-kernel test scored 0, its reason matching REGEX
  --all-zero REGEX    every test scored 0, its reason matching REGEX
  --output REGEX      ci/grade's printed report matches REGEX
  --broken-tree FILE TEXT
                      grade a copy of the tree (its files as git lists them) with
                      TEXT appended to FILE, built inside the copy
  --submission-of NAME
                      grade the lab 2 submission tests/grade/cheats.py writes for
                      NAME with ci/grade --submission (transplant grading)
  --ignored REGEX     the report lists a change of the submission's, ignored,
                      that matches REGEX
"""
import argparse
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import xml.etree.ElementTree as ET

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
# Only so that a stuck ci/grade cannot hold CTest for ever: no check here is about
# how long grading takes (a busy machine must not change a verdict; ci/bench times things).
BACKSTOP_SECONDS = 3600
problems = []


def check(condition, message):
    if not condition:
        problems.append(message)
    return condition


def copy_tree(dest):
    """The tree's files as git sees them (tracked, or new and not ignored); every
    file outside build directories when this is not a git checkout."""
    listed = subprocess.run(["git", "-C", REPO, "ls-files", "-z", "--cached", "--others",
                             "--exclude-standard"], capture_output=True, timeout=60)
    if listed.returncode == 0:
        files = [f for f in listed.stdout.decode().split("\0") if f]
    else:
        files = []
        for directory, dirs, names in os.walk(REPO):
            dirs[:] = [d for d in dirs if not d.startswith(("build", ".git"))]
            files += [os.path.relpath(os.path.join(directory, n), REPO) for n in names]
    for rel in files:
        src = os.path.join(REPO, rel)
        if os.path.isfile(src):
            os.makedirs(os.path.dirname(os.path.join(dest, rel)), exist_ok=True)
            shutil.copy2(src, os.path.join(dest, rel))


def run_grade(grade, args, timeout):
    started = time.monotonic()
    proc = subprocess.Popen([grade] + args, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                            start_new_session=True)
    try:
        out, _ = proc.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        out, _ = proc.communicate()
        problems.append(f"ci/grade did not finish within {timeout} s")
    return proc.returncode, out.decode("utf-8", "replace"), time.monotonic() - started


def check_reports(report, files, status):
    tests = [t for lab in report["labs"] for t in lab["tests"]]
    check(tests, "the report lists no tests")
    check(report["score"] == sum(t["score"] for t in tests), "the JSON score is not the sum of its tests")
    check(report["max_score"] == sum(t["max_score"] for t in tests), "the JSON max_score is not the sum")
    check((status == 0) == report["full_marks"], f"exit status {status} but full_marks={report['full_marks']}")
    check(all(t["status"] == ("passed" if t["score"] == t["max_score"] else "failed")
              for t in tests if not t.get("ungraded")),
          "a test's status does not match its score")
    check(all(t["reason"] for t in tests if t["status"] == "failed"), "a failed test has no reason")
    root = ET.parse(files["junit"]).getroot()
    suites = root.findall("testsuite")
    check(len(suites) == len(report["labs"]), "JUnit: not one testsuite per lab")
    check(len(root.findall("testsuite/testcase")) == len(tests), "JUnit: not one testcase per test")
    check(len(root.findall("testsuite/testcase/failure")) ==
          sum(t["status"] == "failed" and not t.get("ungraded") for t in tests),
          "JUnit: the failures do not match the failed graded tests")
    check(len(root.findall("testsuite/testcase/skipped")) == sum(bool(t.get("ungraded")) for t in tests),
          "JUnit: the skipped cases do not match the ungraded tests")
    for schema in ("junit-ant-strict.xsd", "junit-jenkins.xsd"):  # tests/ci/test_junit_schemas.py
        lint = subprocess.run(["xmllint", "--noout", "--schema",
                               os.path.join(REPO, "tests", "ci", schema), files["junit"]],
                              capture_output=True, text=True)
        check(lint.returncode == 0, f"JUnit: not valid under tests/ci/{schema}: {lint.stderr.strip()[:300]}")
    with open(files["gradescope"]) as f:
        gs = json.load(f)
    check((gs["score"], gs["max_score"]) == (report["score"], report["max_score"]), "Gradescope: wrong score")
    check(len(gs["tests"]) == len(tests) and all(t["status"] in ("passed", "failed") for t in gs["tests"]),
          "Gradescope: wrong tests")
    check(isinstance(gs.get("output"), str) and gs["output"], "Gradescope: no output summary")
    with open(files["markdown"]) as f:
        check(f.readline().startswith(f"### kiln grade: {report['score']}/{report['max_score']}"),
              "Markdown: no score line")


def main():
    argv = sys.argv[1:]
    split = argv.index("--") if "--" in argv else len(argv)
    p = argparse.ArgumentParser(usage=__doc__)
    p.add_argument("--full", action="store_true")
    p.add_argument("--host-full", action="store_true")
    p.add_argument("--ktest-zero")
    p.add_argument("--all-zero")
    p.add_argument("--output")
    p.add_argument("--broken-tree", nargs=2, metavar=("FILE", "TEXT"))
    p.add_argument("--submission-of", metavar="NAME")
    p.add_argument("--ignored", metavar="REGEX")
    opts = p.parse_args(argv[:split])
    grade_args = argv[split + 1:]

    with tempfile.TemporaryDirectory(prefix="kiln-grade-case-") as tmp:
        grade = os.path.join(REPO, "ci", "grade")
        if opts.broken_tree:
            tree = os.path.join(tmp, "tree")
            copy_tree(tree)
            with open(os.path.join(tree, opts.broken_tree[0]), "a") as f:
                f.write("\n" + opts.broken_tree[1] + "\n")
            grade = os.path.join(tree, "ci", "grade")
            grade_args += ["--build-dir", os.path.join(tree, "build-grade")]
        if opts.submission_of:
            sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
            import cheats
            submission = os.path.join(tmp, "submission")
            cheats.make(opts.submission_of, submission)
            grade_args += ["--submission", submission, "--lab", str(cheats.LAB),
                           "--build-dir", os.path.join(tmp, "grade")]
        files = {k: os.path.join(tmp, f"report.{k}") for k in ("json", "junit", "gradescope", "markdown")}
        for kind, path in files.items():
            grade_args += [f"--{kind}", path]
        print("$ ci/grade " + " ".join(grade_args), flush=True)
        status, out, seconds = run_grade(grade, grade_args, BACKSTOP_SECONDS)
        print(out)
        if not check(os.path.exists(files["json"]), "ci/grade wrote no JSON report"):
            return finish(seconds)
        with open(files["json"]) as f:
            report = json.load(f)
        check_reports(report, files, status)
        tests = [t for lab in report["labs"] for t in lab["tests"]]
        if opts.full:
            check(report["full_marks"] and status == 0, f"not full marks: {report['score']}/{report['max_score']}")
            for lab in report["labs"]:
                extra = (lab["boot"] or {}).get("unexpected", []) + \
                    [n for h in lab["host_programs"] for n in h["unexpected"]]
                check(not extra, f"lab {lab['number']}: tests the manifest does not list: {extra[:3]}")
        if opts.host_full:
            bad = [t["title"] for t in tests if t["kind"] == "host" and t["status"] != "passed"]
            check(not bad, f"host tests failed: {bad[:3]}")
        for regex, kinds in ((opts.ktest_zero, ("ktest",)), (opts.all_zero, ("host", "ktest"))):
            if regex:
                chosen = [t for t in tests if t["kind"] in kinds]
                check(chosen, f"no {'/'.join(kinds)} tests graded")
                bad = [f"{t['title']}: {t['score']} points, '{t['reason']}'" for t in chosen
                       if t["score"] != 0 or not re.search(regex, t["reason"])]
                check(not bad, f"expected 0 points with a reason matching /{regex}/, got: {bad[:3]}")
                check(status != 0, "a zero score but exit status 0")
        if opts.ignored:
            ignored = (report.get("transplant") or {}).get("ignored", [])
            check(any(re.search(opts.ignored, i) for i in ignored),
                  f"no ignored change matches /{opts.ignored}/: {ignored[:5]}")
        if opts.output:
            check(re.search(opts.output, out, re.S), f"the printed report does not match /{opts.output}/")
    return finish(seconds)


def finish(seconds):
    if problems:
        print("FAIL: " + "\n      ".join(problems))
        return 1
    print(f"PASS ({seconds:.1f} s)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
