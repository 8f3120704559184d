#!/usr/bin/env python3
"""tests/emu/qemu_script.py - the README's ./ci/qemu boots the real kernel and gives a verdict.

Runs `timeout 150 ci/qemu "ktest=pmm"` and `... "ktest=broken"` (the suite that fails on
purpose) without a terminal, as a script or CI job would, with KILN_QEMU_NO_BUILD=1 (CTest
runs after the build). Checks: ci/qemu says it runs headless, the kernel's TAP reaches
stdout, and the exit status is 0 for the passing suite and 1 for the failing one (QEMU
itself exits 33 and 35). tests/ci/test_scripts.py checks the script's other paths with a
stand-in QEMU.
"""
import os
import re
import subprocess
import sys

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
BOUND_S = 150

CASES = [("ktest=pmm", 0, r"^ok \d+ - pmm: ", "kiln: power off (success)"),
         ("ktest=broken", 1, r"^not ok 1 - broken", "kiln: power off (failure)")]


def main():
    failures = []
    env = dict(os.environ, KILN_QEMU_NO_BUILD="1")
    for cmdline, expected, tap, last in CASES:
        ran = subprocess.run(["timeout", str(BOUND_S), os.path.join(REPO, "ci", "qemu"), cmdline],
                             stdin=subprocess.DEVNULL, capture_output=True, text=True, env=env,
                             errors="replace")
        out = ran.stdout.replace("\r", "")
        problems = []
        if ran.returncode != expected:
            problems.append(f"exit status {ran.returncode}, expected {expected}")
        if not out.startswith("kiln: stdin is not a terminal: running QEMU headless"):
            problems.append("no headless notice as the first line of stdout")
        if not re.search(tap, out, re.MULTILINE):
            problems.append(f"no TAP line matching {tap!r} on stdout")
        if last not in out:
            problems.append(f"no '{last}' on stdout")
        if problems:
            failures.append(f"ci/qemu \"{cmdline}\": " + "; ".join(problems) +
                            f"\n---- stdout (end) ----\n{out[-1500:]}\n---- stderr ----\n"
                            f"{ran.stderr[-1500:]}")
    for f in failures:
        print("FAIL: " + f)
    if failures:
        sys.exit(1)
    print(f"PASS: ci/qemu gave the kernel's verdict as its exit status for {len(CASES)} runs")


if __name__ == "__main__":
    main()
