#!/usr/bin/env python3
"""tests/emu/pmm_ram.py SIZE BUILD [CPU] - boot with SIZE of RAM and check the PMM uses it.

The kernel's summary line `pmm: usable N KiB, ...` must report the machine's
RAM minus what the firmware keeps: on QEMU's PC that is the 384 KiB hole
between 640 KiB and 1 MiB, the top 128 KiB below the PCI hole and a KiB of
BIOS data, so the usable figure must lie within 2 MiB below SIZE (well
inside 1% at every size). RAM above the bootstrap direct map (64 GiB) joins
later, on the line `pmm: N KiB of RAM above 64 GiB added ...`; free +
reserved + added must equal usable, and no line may say RAM is left unused.

Guest RAM is a memory backend with reserve=off, so QEMU asks the host for
pages only as the guest touches them and -m 1T starts on a host with far
less; phys-bits=48 because QEMU puts RAM above 4 GiB at 1 TiB for large -m.
CPU (default max) picks the model, e.g. qemu64 for a CPU without 1 GiB pages.
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
    cpu = sys.argv[3] if len(sys.argv) > 3 else "max"
    mib = kiln_ci.memory_size(size)
    machine_kib = mib * 1024
    lazy_ram = ["--qemu-arg=-object",
                f"--qemu-arg=memory-backend-ram,id=ram0,size={mib}M,reserve=off",
                "--qemu-arg=-machine", "--qemu-arg=memory-backend=ram0"]
    run = subprocess.run([os.path.join(REPO, "ci", "boot"), "--build-dir", build, "--memory", size,
                          "--cpu", f"{cpu},phys-bits=48", "--cmdline", "poweroff"] + lazy_ram,
                         capture_output=True, text=True, timeout=120)
    sys.stdout.write(run.stdout)
    sys.stderr.write(run.stderr)
    if run.returncode != 0:
        sys.exit(f"FAIL: the boot with {size} did not succeed")
    m = re.search(r"^pmm: usable (\d+) KiB, free (\d+) KiB, reserved (\d+) KiB", run.stdout, re.M)
    if not m:
        sys.exit("FAIL: no 'pmm: usable N KiB, free N KiB, reserved N KiB' line in the boot report")
    usable, free, reserved = map(int, m.groups())
    unused = re.search(r"^pmm: (\d+) KiB of RAM lies at or above .*", run.stdout, re.M)
    if unused:
        sys.exit(f"FAIL: the kernel left RAM unused: {unused.group(0).strip()}")
    m = re.search(r"^pmm: (\d+) KiB of RAM above \d+ GiB added", run.stdout, re.M)
    added = int(m.group(1)) if m else 0
    low = machine_kib - SLACK_KIB
    if not low <= usable <= machine_kib:
        sys.exit(f"FAIL: expected usable RAM between {low} and {machine_kib} KiB for {size}, "
                 f"got {usable} KiB")
    if free + reserved + added != usable:
        sys.exit(f"FAIL: expected free + reserved + added = usable ({usable} KiB), "
                 f"got {free} + {reserved} + {added} = {free + reserved + added} KiB")
    print(f"PASS: {size} ({cpu}): usable {usable} KiB of {machine_kib} KiB, "
          f"free {free} KiB, reserved {reserved} KiB, added later {added} KiB")


if __name__ == "__main__":
    main()
