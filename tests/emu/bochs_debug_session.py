#!/usr/bin/env python3
"""tests/emu/bochs_debug_session.py BUILD - a scripted Bochs debugger session.

Runs `ci/bochs-debug --headless --cmdline "break=vmm,heap" --commands FILE`
with the session below (the one docs/debugging.md walks through) and checks
what the debugger printed: symbolic breakpoints stop where kernel.sym says,
kmain receives the Multiboot2 magic, the first frame the PMM hands out is the
top page of its first free run and becomes the kernel's PML4 (CR3 after the
magic breakpoint of the vmm stage equals the `vmm: kernel page tables at`
line), the direct map sends 0xffff800000100000 to physical 0x100000, the
identity map is gone, `info tab` lists the kernel's .text at its load address,
and the heap's first page is a 4 KiB page. The session ends with `q`; the run
has a timeout. Exit status 0 only when every check passed.
"""
import os
import re

from debug_session import REPO, Expect, read_symbols, run_documented_session

MARKER = "tests/emu/bochs_debug_session.py"
CMDLINE = "break=vmm,heap"
TIMEOUT_S = 60
KERNEL_VMA = 0xFFFFFFFF80000000
MB2_MAGIC = 0x36D76289

SESSION = [
    ("Stop at kmain's first instruction. The names come from kernel.sym, which\n"
     "ci/bochs-debug loaded with ldsym.", ['lb "kmain"', "c"]),
    ("kmain(magic, mbi_phys): its first argument arrives in rdi. Look for the\n"
     "Multiboot2 magic, 0x36d76289.", ["r"]),
    ("The first page anyone asks the PMM for (it becomes the VMM's PML4).\n"
     "rdi = &kernel_pmm, rsi = 1 (PMM_ZERO). Then one instruction further.",
     ['lb "pmm_alloc_page_flags"', "c", "r", "s"]),
    ("zero_frames(pmm, frame, 1) clears the page just taken: rsi is its\n"
     "physical address, the last page of the first free run.",
     ['lb "zero_frames"', "c", "r"]),
    ("Remove breakpoints 2 and 3 (the VMM takes more pages), then run to the\n"
     "magic breakpoint of break=vmm: the kernel now runs on its own tables.",
     ["d 2", "d 3", "c"]),
    ("CR3 holds the PML4's physical address: the page zero_frames cleared.", ["creg"]),
    ("The direct map: virtual 0xffff800000100000 is physical 0x100000, through a\n"
     "1 GiB page (PML4 and PDPT entries only). Low addresses are no longer\n"
     "mapped. info tab lists the kernel image's pages.",
     ["page 0xffff800000100000", "page 0x100000", "info tab"]),
    ("On to the magic breakpoint of break=heap: the heap's first page is an\n"
     "ordinary 4 KiB page, so its walk has all four levels.",
     ["c", "page 0xffffc00000000000"]),
    ("Quit the debugger, and Bochs with it.", ["q"]),
]


def check_output(out, symbols):
    e = Expect(out)
    kmain = symbols["kmain"]
    e.find(rf"Breakpoint 1, 0x0*{kmain:x} in", "lb \"kmain\" stops at kernel.sym's kmain")
    e.find(r"\(kmain\+0\): push rbp", "the debugger names the place kmain+0")
    e.find(rf"^rdi: 00000000_{MB2_MAGIC:08x}$", "r: rdi holds the Multiboot2 magic")
    run = re.search(r"^pmm:   free run 0x([0-9a-f]+)-0x([0-9a-f]+) ", out, re.M)
    e.check(run is not None, "the kernel printed its first free run (pmm:   free run A-B)")
    e.find(r"Breakpoint 2, ", "lb \"pmm_alloc_page_flags\" stops")
    e.find(r"\(pmm_alloc_page_flags\+0\): push rbp", "at pmm_alloc_page_flags+0")
    pmm = symbols["kernel_pmm"]
    e.find(rf"^rsi: 00000000_00000001$", "r: rsi = 1 (PMM_ZERO)")
    e.find(rf"^rdi: {pmm >> 32:08x}_{pmm & 0xffffffff:08x}$", "r: rdi = &kernel_pmm")
    e.find(r"\(pmm_alloc_page_flags\+1\)", "s: one instruction further")
    e.find(r"Breakpoint 3, ", "lb \"zero_frames\" stops")
    e.find(r"\(zero_frames\+0\): push rbp", "at zero_frames+0")
    m = e.find(r"^rsi: 00000000_([0-9a-f]{8})$", "r: rsi = the frame just taken")
    frame = int(m.group(1), 16) if m else None
    if run and frame is not None:
        top = int(run.group(2), 16) - 0x1000
        e.check(frame == top, "the frame is the last page of the first free run",
                f"got {frame:#x}, expected {top:#x}")
    m = e.find(r"^vmm: kernel page tables at 0x([0-9a-f]+):", "the kernel reports its PML4")
    if m and frame is not None:
        e.check(int(m.group(1), 16) == frame, "the PML4 is the frame zero_frames cleared",
                f"PML4 {m.group(1)}, frame {frame:#x}")
    e.find(r"^break: stage vmm \(magic breakpoint: xchg bx,bx\)$", "break=vmm prints its line")
    e.find(r"Magic breakpoint", "Bochs stops at the magic breakpoint")
    e.find(r"^\(0\) \[0x[0-9a-f]+\] 0008:[0-9a-f]+ \(kmain\+[0-9a-f]+\)",
           "it stops in kmain, right after KILN_BREAK(\"vmm\")")
    m = e.find(r"^CR3=0x([0-9a-f]+)$", "creg shows CR3")
    if m and frame is not None:
        e.check(int(m.group(1), 16) == frame, "CR3 = the PML4 of the vmm line",
                f"CR3 {m.group(1)}, expected {frame:#x}")
    e.find(r"^linear page 0xffff800000100000 maps to physical page 0x0*100000$",
           "page 0xffff800000100000: the direct map leads to physical 0x100000")
    e.find(r"^physical address not available for linear 0x0*100000$",
           "page 0x100000: the identity map is gone")
    text = symbols["__text_start"]
    e.find(rf"^0x{text:016x}-0x[0-9a-f]+ -> 0x0*{text - KERNEL_VMA:x}-",
           "info tab: .text is mapped at its load address")
    e.find(r"^break: stage heap \(magic breakpoint: xchg bx,bx\)$", "break=heap prints its line")
    e.find(r"Magic breakpoint", "Bochs stops at the second magic breakpoint")
    e.find(r"^ PTE: 0x[0-9a-f]+ ", "page 0xffffc00000000000: the walk reaches a PTE (4 KiB page)")
    e.find(r"^linear page 0xffffc00000000000 maps to physical page 0x[0-9a-f]+$",
           "page 0xffffc00000000000: the heap's first page is mapped")
    e.check("break: stage pmm" not in out, "stages not named in break= stay quiet")
    e.check("ERROR" not in out and "syntax error" not in out, "Bochs accepted every command")
    return e.failures


def main():
    run_documented_session(
        "Bochs debugger", MARKER, SESSION, ".rc",
        lambda build, work, commands: [
            os.path.join(REPO, "ci", "bochs-debug"), "--build-dir", build, "--no-build",
            "--headless", "--workdir", work, "--cmdline", CMDLINE, "--commands", commands],
        TIMEOUT_S,
        lambda build, out: check_output(out, read_symbols(os.path.join(build, "kernel.sym"))),
        merge_stderr=False)


if __name__ == "__main__":
    main()
