#!/usr/bin/env python3
"""tests/emu/same_tap_count.py BUILD - QEMU and Bochs must run the same tests.

Boots ktest=all in both emulators and compares the TAP plans and the test
descriptions, as ci/boot read them (its --json summary): a suite that silently
ran in only one of them would show here.
"""
import json
import os
import subprocess
import sys
import tempfile

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def tap(emulator, build):
    with tempfile.TemporaryDirectory(prefix="kiln-same-tap-") as tmp:
        path = os.path.join(tmp, "boot.json")
        run = subprocess.run([os.path.join(REPO, "ci", "boot"), "--build-dir", build, "--emulator",
                              emulator, "--cmdline", "ktest=all", "--quiet", "--json", path],
                             capture_output=True, text=True, timeout=300)
        try:
            with open(path) as f:
                summary = json.load(f)
        except (OSError, ValueError):
            summary = {"plan": None, "results": []}
    plan = summary["plan"]
    tests = [r["description"] for r in summary["results"]]
    print(f"{emulator}: plan {plan if plan is not None else 'missing'}, {len(tests)} results; "
          + (run.stderr.strip().splitlines() or ["ci/boot said nothing"])[-1])
    return plan, tests


def main():
    build = sys.argv[1]
    qemu_plan, qemu_tests = tap("qemu", build)
    bochs_plan, bochs_tests = tap("bochs", build)
    if qemu_plan is None or qemu_plan != bochs_plan or qemu_tests != bochs_tests:
        only_q = sorted(set(qemu_tests) - set(bochs_tests))
        only_b = sorted(set(bochs_tests) - set(qemu_tests))
        sys.exit(f"FAIL: expected the same TAP plan and tests in QEMU and Bochs, got plans "
                 f"{qemu_plan} and {bochs_plan}; only in QEMU: {only_q[:5]}; only in Bochs: {only_b[:5]}")
    print(f"PASS: both emulators planned and reported the same {qemu_plan} tests")


if __name__ == "__main__":
    main()
