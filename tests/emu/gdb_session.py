#!/usr/bin/env python3
"""tests/emu/gdb_session.py BUILD - a scripted GDB session against QEMU.

Runs `ci/gdb --port 0 --batch FILE` with the session below (the one
docs/debugging.md walks through): QEMU starts halted with its gdbstub on a
free TCP port, so parallel CTest runs never collide, and GDB runs the commands
without a prompt. The checks: a hardware breakpoint at kmain stops there and
`magic` is the Multiboot2 magic; after vmm_boot_init, $cr3 equals
kernel_space.pml4.addr and the kernel's `vmm: kernel page tables at` line;
kiln-walk sends 0xffff800000100000 through a 1 GiB page to physical 0x100000
and finds 0x100000 unmapped; kiln-pmm lists a free run starting where the
kernel's boot report said; kiln-buddy shows the heap's first arena with free
blocks; the heap's first page is a 4 KiB page; `kill` ends QEMU. QEMU's
output (the kernel's console, and its own "terminating" messages) goes to a
file of its own (ci/gdb --emulator-output), so it never lands inside GDB's
lines: GDB's output is checked in order, the kernel's lines in that file.
ci/gdb's timeout and this script's own bound the run, generous backstops for
a busy machine. Exit status 0 only when every check passed.
"""
import os
import re

from debug_session import REPO, Expect, run_documented_session

MARKER = "tests/emu/gdb_session.py"
TIMEOUT_S = 300
MB2_MAGIC = 0x36D76289

SESSION = [
    ("Stop in kmain. hbreak: a hardware breakpoint, which works even before the\n"
     "kernel's addresses are mapped (docs/debugging.md says why).",
     ["hbreak kmain", "continue"]),
    ("kmain's first argument: the Multiboot2 magic GRUB left in EAX.", ["print/x magic"]),
    ("Run until the VMM has switched to the kernel's own page tables.",
     ["break vmm_boot_report", "continue", "print/x $cr3", "print/x kernel_space.pml4.addr"]),
    ("Walk the tables like the CPU: the direct map (a 1 GiB page), then an address\n"
     "that is no longer mapped (the identity map is gone).",
     ["kiln-walk 0xffff800000100000", "kiln-walk 0x100000"]),
    ("The PMM's free list: what is left after the VMM took its table pages.", ["kiln-pmm"]),
    ("Run until the heap exists; show its buddy free lists and its first page.",
     ["break kmalloc_print_summary", "continue", "kiln-buddy", "kiln-walk 0xffffc00000000000"]),
    ("End the session: kill stops QEMU.", ["kill"]),
]


def check_output(out, console):
    """Failures in GDB's output `out` (in order) and the kernel's `console`."""
    e = Expect(out)
    e.find(r"Hardware assisted breakpoint 1 at 0x[0-9a-f]+: file .*main\.c", "hbreak kmain")
    e.find(r"Breakpoint 1, kmain \(", "the CPU stops in kmain")
    e.find(rf"^\$1 = {MB2_MAGIC:#x}$", "print/x magic: the Multiboot2 magic")
    e.find(r"Breakpoint 2, vmm_boot_report \(\)", "stops at vmm_boot_report")
    cr3 = e.find(r"^\$2 = (0x[0-9a-f]+)$", "print/x $cr3")
    pml4 = e.find(r"^\$3 = (0x[0-9a-f]+)$", "print/x kernel_space.pml4.addr")
    if cr3 and pml4:
        e.check(cr3.group(1) == pml4.group(1), "CR3 = kernel_space.pml4.addr",
                f"{cr3.group(1)} != {pml4.group(1)}")
    e.find(r"^walk of 0xffff800000100000 from cr3 (0x[0-9a-f]+):$", "kiln-walk starts at CR3")
    e.find(r"^  PML4\[256\] at 0x[0-9a-f]+: 0x[0-9a-f]+  P W .*-> next table", "PML4 slot 256")
    e.find(r"^  PDPT\[  0\] .* NX PS -> 1 GiB page at 0x0$", "a 1 GiB page, not executable")
    e.find(r"^  0xffff800000100000 -> physical 0x100000$", "the direct map leads to 0x100000")
    e.find(r"^  PML4\[  0\] at 0x[0-9a-f]+: 0x0+  not present: 0x100000 is not mapped$",
           "kiln-walk 0x100000: not mapped any more")
    boot_run = re.search(r"^pmm:   free run 0x([0-9a-f]+)-", console, re.M)
    e.check(boot_run is not None, "the kernel printed its first free run")
    e.find(r"^pmm free list: \d+ run\(s\), \d+ KiB free", "kiln-pmm: the summary line")
    run = e.find(r"^  run  0: 0x([0-9a-f]{16})-0x[0-9a-f]{16} +(\d+) pages", "kiln-pmm: run 0")
    if run and boot_run:
        e.check(int(run.group(1), 16) == int(boot_run.group(1), 16),
                "run 0 starts where the boot report's first free run does",
                f"{run.group(1)} vs {boot_run.group(1)}")
        e.check(int(run.group(2)) > 0, "run 0 has pages")
    e.find(r"Breakpoint 3, kmalloc_print_summary \(", "stops at kmalloc_print_summary")
    arena = e.find(r"^arena 0: 0xffffc00000000000-0x[0-9a-f]+ \((\d+) KiB\), \d+ block\(s\) in use$",
                   "kiln-buddy: arena 0 at the heap's base")
    orders = re.findall(r"^  order +(\d+) \( *(\d+) bytes\): (\d+) free:", out[e.pos:], re.M)
    e.check(bool(orders), "kiln-buddy lists at least one order with free blocks")
    if arena and orders:
        free = sum(int(size) * int(count) for _, size, count in orders)
        e.check(0 < free <= int(arena.group(1)) * 1024, "free bytes fit in the arena",
                f"{free} bytes free in {arena.group(1)} KiB")
    e.find(r"^  PT  \[  0\] .* -> 4 KiB page at 0x[0-9a-f]+$", "the heap's first page: 4 KiB")
    e.find(r"^  0xffffc00000000000 -> physical 0x[0-9a-f]+$", "and where it leads")
    e.find(r"\[Inferior 1 \(process 1\) killed\]", "kill ends the session")
    m = re.search(r"^vmm: kernel page tables at (0x[0-9a-f]+):", console, re.M)
    e.check(m is not None and cr3 is not None and m.group(1) == cr3.group(1),
            "the kernel's vmm line names the PML4 that CR3 held",
            f"{m.group(1) if m else 'no vmm line'} vs {cr3.group(1) if cr3 else '?'}")
    return e.failures


def main():
    console = {}

    def command(build, work, commands):
        console["path"] = os.path.join(work, "qemu-output.txt")
        return [os.path.join(REPO, "ci", "gdb"), "--build-dir", build, "--no-build", "--port", "0",
                "--timeout", str(TIMEOUT_S), "--emulator-output", console["path"], "--batch", commands]

    def check(build, out):
        try:
            with open(console["path"], errors="replace") as f:
                text = f.read()
        except OSError:
            text = ""
        print("--- QEMU's output (the kernel's console), read apart from GDB's:\n" + text)
        return check_output(out, text)

    run_documented_session("GDB", MARKER, SESSION, ".gdb", command, TIMEOUT_S + 30, check,
                           merge_stderr=True)


if __name__ == "__main__":
    main()
