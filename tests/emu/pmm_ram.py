#!/usr/bin/env python3
"""tests/emu/pmm_ram.py SIZE - boot with SIZE of RAM and check the PMM saw it.

The kernel's summary line `pmm: usable N KiB, ...` must report the machine's
RAM minus what the firmware keeps: on QEMU's PC that is the 384 KiB hole
between 640 KiB and 1 MiB, the top 128 KiB below the PCI hole and a KiB of
BIOS data, so the usable figure must lie within 2 MiB below SIZE.
"""
import os
import re
import subprocess
import sys

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
sys.path.insert(0, os.path.join(REPO, "ci"))
import kiln_ci  # noqa: E402  (ci/kiln_ci.py: sizes)

SLACK_KIB = 2048


def main():
    size, build = sys.argv[1], sys.argv[2]
    machine_kib = kiln_ci.memory_size(size) * 1024
    run = subprocess.run([os.path.join(REPO, "ci", "boot"), "--build-dir", build, "--memory", size,
                          "--cmdline", "poweroff"], capture_output=True, text=True, timeout=120)
    sys.stdout.write(run.stdout)
    sys.stderr.write(run.stderr)
    if run.returncode != 0:
        sys.exit(f"FAIL: the boot with {size} did not succeed")
    m = re.search(r"^pmm: usable (\d+) KiB, free (\d+) KiB, reserved (\d+) KiB", run.stdout, re.M)
    if not m:
        sys.exit("FAIL: no 'pmm: usable N KiB, free N KiB, reserved N KiB' line in the boot report")
    usable, free, reserved = map(int, m.groups())
    low = machine_kib - SLACK_KIB
    if not low <= usable <= machine_kib:
        sys.exit(f"FAIL: expected usable RAM between {low} and {machine_kib} KiB for {size}, "
                 f"got {usable} KiB")
    if free + reserved != usable:
        sys.exit(f"FAIL: expected free + reserved = usable ({usable} KiB), "
                 f"got {free} + {reserved} = {free + reserved} KiB")
    print(f"PASS: {size}: usable {usable} KiB of {machine_kib} KiB, "
          f"free {free} KiB, reserved {reserved} KiB")


if __name__ == "__main__":
    main()
