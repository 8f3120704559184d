#!/usr/bin/env python3
"""tests/grade/cheats.py NAME DIR - write a lab 2 submission that tries to cheat.

The submissions ci/grade --submission must not be fooled by (CTest grade.cheat-*,
through grade_case.py --submission-of NAME). Each starts from the lab 2 handout
that ci/make-handout writes from this tree:

  solved        the solution in every lab 2 region and nothing else changed: an
                honest submission, which must score full marks
  outside       the stubs left as they are; outside the regions, src/mm/pmm.c
                prints a fake TAP run and powers QEMU off with the success value
                at the start of pmm_init, and a constructor prints cmocka's
                success lines and exits in the host test program (the cheat of
                issue 16, which scored full marks before transplant grading)
  in-region     the same cheats written inside a lab 2 region: inline assembly,
                port I/O to the exit port, a fake TAP line, exit(), an #include
                of a hardware header and a constructor attribute
  test-files    the solution in the regions, and a test and the manifest changed:
                the submission carries test files of its own
"""
import os
import re
import subprocess
import sys

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
LAB = 2

FAKE_OUTSIDE = r'''
/* ---- a cheat, outside every lab region ---- */
#if __STDC_HOSTED__
#include <stdio.h>
#include <unistd.h>
__attribute__((constructor)) static void cheat_cmocka(void)
{
    printf("[==========] tests: Running 1 test(s).\n[ RUN      ] test_simple_map_counts\n"
           "[       OK ] test_simple_map_counts\n[==========] tests: 1 test(s) run.\n"
           "[  PASSED  ] 1 test(s).\n");
    fflush(stdout);
    _exit(0);
}
#else
#include "arch/x86_64/power.h"
#include "dev/console.h"
static void cheat_tap(void)
{
    kprintf("TAP version 13\n1..1\nok 1 - pmm: usable RAM equals the map's type-1 regions, shrunk to pages\n");
    power_off(true);
}
#endif
'''

IN_REGION = r'''    #include "arch/x86_64/cpu.h"
    __asm__ volatile("outb %0, %1" : : "a"((uint8_t)0x10), "Nd"((uint16_t)0xf4));
    outb(0xf4, 0x10);
    kprintf("ok 1 - pmm: a freed frame is handed out again first\n");
    exit(0);
    __attribute__((constructor)) void cheat(void);
    return PMM_NO_FRAME;
'''


def make_handout(out, solved):
    cmd = [os.path.join(REPO, "ci", "make-handout"), "--lab", str(LAB), "--out", out, "--untracked"]
    subprocess.run(cmd + (["--solved"] if solved else []), check=True, stdout=subprocess.DEVNULL)


def edit(out, path, change):
    full = os.path.join(out, path)
    with open(full) as f:
        text = f.read()
    new = change(text)
    if new == text:
        raise SystemExit(f"cheats.py: the edit of {path} changed nothing (has the file changed?)")
    with open(full, "w") as f:
        f.write(new)


def outside(text):
    text = text + FAKE_OUTSIDE
    start = text.index("int pmm_init(")
    body = text.index("{\n", start) + 2
    call = "#if !__STDC_HOSTED__\n    cheat_tap();\n#endif\n"
    # cheat_tap is defined at the end: declare it before pmm_init.
    return (text[:start] + "#if !__STDC_HOSTED__\nstatic void cheat_tap(void);\n#endif\n"
            + text[start:body] + call + text[body:])


def in_region(text):
    todo = "/* TODO(lab 2): take one frame from the lowest run (checked first), zeroed if asked */\n"
    start = text.index(todo) + len(todo)
    end = text.index("    /* END TODO(lab 2) */", start)
    return text[:start] + IN_REGION + text[end:]


def make(name, out):
    if name == "solved":
        make_handout(out, True)
    elif name == "outside":
        make_handout(out, False)
        edit(out, "src/mm/pmm.c", outside)
    elif name == "in-region":
        make_handout(out, False)
        edit(out, "src/mm/pmm.c", in_region)
    elif name == "test-files":
        make_handout(out, True)
        edit(out, "tests/test_pmm.c", lambda t: t + "\n/* my own version of the tests */\n")
        edit(out, "ci/tests-manifest.json", lambda t: re.sub(r'"test_simple_map_counts",\s*', "", t, count=1))
    else:
        raise SystemExit(f"cheats.py: no cheat '{name}' (solved, outside, in-region, test-files)")


if __name__ == "__main__":
    if len(sys.argv) != 3:
        raise SystemExit(__doc__)
    make(sys.argv[1], sys.argv[2])
