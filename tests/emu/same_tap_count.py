#!/usr/bin/env python3
"""tests/emu/same_tap_count.py BUILD - QEMU and Bochs must run the same tests.

Boots ktest=all in both emulators and compares the TAP plans and the test
descriptions: a suite that silently ran in only one of them would show here.
"""
import os
import re
import subprocess
import sys

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def tap(emulator, build):
    run = subprocess.run([os.path.join(REPO, "ci", "boot"), "--build-dir", build, "--emulator",
                          emulator, "--cmdline", "ktest=all"], capture_output=True, text=True,
                         timeout=300)
    plan = re.search(r"^1\.\.(\d+)\r?$", run.stdout, re.M)
    tests = re.findall(r"^(?:not )?ok \d+ - (.*?)\r?$", run.stdout, re.M)
    print(f"{emulator}: plan {plan.group(1) if plan else 'missing'}, {len(tests)} results; "
          + run.stderr.strip().splitlines()[-1])
    return (plan.group(1) if plan else None), tests


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
