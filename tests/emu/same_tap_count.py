#!/usr/bin/env python3
"""tests/emu/same_tap_count.py BUILD [--boot] - QEMU and Bochs must run the same tests.

Compares the TAP plans and the test descriptions of ktest=all in both emulators,
as ci/boot read them (its --json summary): a suite that silently ran in only one
of them would show here. Under CTest, qemu.ktest and bochs.ktest have just written
those summaries (BUILD/ktest-all-EMULATOR.json, a CTest fixture), so nothing boots
twice; with --boot, or when a summary is missing, it boots ktest=all itself.
"""
import json
import os
import subprocess
import sys
import tempfile

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def tap(emulator, build, boot):
    saved = os.path.join(build, f"ktest-all-{emulator}.json")
    if not boot and os.path.exists(saved):
        with open(saved) as f:
            summary = json.load(f)
        print(f"{emulator}: plan {summary['plan']}, {len(summary['results'])} results, "
              f"from {saved} ({summary['reason']})")
        return summary["plan"], [r["description"] for r in summary["results"]]
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
    boot = "--boot" in sys.argv[2:]
    qemu_plan, qemu_tests = tap("qemu", build, boot)
    bochs_plan, bochs_tests = tap("bochs", build, boot)
    if qemu_plan is None or qemu_plan != bochs_plan or qemu_tests != bochs_tests:
        only_q = sorted(set(qemu_tests) - set(bochs_tests))
        only_b = sorted(set(bochs_tests) - set(qemu_tests))
        sys.exit(f"FAIL: expected the same TAP plan and tests in QEMU and Bochs, got plans "
                 f"{qemu_plan} and {bochs_plan}; only in QEMU: {only_q[:5]}; only in Bochs: {only_b[:5]}")
    print(f"PASS: both emulators planned and reported the same {qemu_plan} tests")


if __name__ == "__main__":
    main()
