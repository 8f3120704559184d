#!/usr/bin/env python3
"""tests/emu/monitor_session.py BUILD - drive the kernel monitor over COM1.

Boots kiln in QEMU headless (kiln_ci.qemu_command: -serial stdio, -display none,
-no-reboot and the isa-debug-exit device, as ci/boot does) with no command-line options, so the
boot runs the demo program and ends in the kernel monitor. It waits for each `kiln> ` prompt, types the next
command of SESSION followed by a carriage return (what a terminal sends for
Enter), and checks the reply: help lists every command; the walk of
0xffff800000100000 ends at physical 0x100000; heap shows the buddy heap's
arena at 0xffffc00000000000; bt names the monitor's functions down to kmain;
programs lists the user programs GRUB loaded and `run hello` runs one (its
output prefixed with its name, then the exit report); an unknown command and a bad address get usage
lines; the line editor's keys work over the serial port (<Up> in SESSION is the Up arrow's escape
sequence ESC [ A and brings back `run hello`; <Tab> completes `pro` to `programs`; `HELP` is
`help`: names match without regard to case); mem prints the memory map and the PMM's summary
line; poweroff makes
QEMU exit with the "success" status 33. docs/debugging.md must show SESSION.
Exit status 0 only when every check passed.
"""
import os
import re
import subprocess
import sys
import threading
import time

from debug_session import REPO, Expect, check_docs, session_text

sys.path.insert(0, os.path.join(REPO, "ci"))
import kiln_ci  # noqa: E402  (ci/kiln_ci.py: the QEMU command line, the bounded reader)

MARKER = "tests/emu/monitor_session.py"
TIMEOUT_S = 60
OUTPUT_LIMIT = 8 << 20
PROMPT = "kiln> "

SESSION = [
    ("The commands there are.", ["help"]),
    ("A page-table walk: the direct map puts physical 0x100000 here (a 1 GiB page).",
     ["walk 0xffff800000100000"]),
    ("The kernel heap's arenas, and who called whom to get here.", ["heap", "bt"]),
    ("The user programs GRUB loaded, and one of them run from the prompt.",
     ["programs", "run hello"]),
    ("The line editor: Up brings back the last line, Tab completes a command's name,\n"
     "and case does not matter (<Up> and <Tab> stand for those keys).",
     ["<Up>", "pro<Tab>", "HELP"]),
    ("Mistakes get a usage line.", ["frobnicate", "walk nothex"]),
    ("The memory map and the PMM, then power off (QEMU exits).", ["mem", "poweroff"]),
]


class Console:
    """QEMU's serial port on a pipe: what the guest printed, and a way to type."""

    def __init__(self, cmd):
        self.proc = subprocess.Popen(cmd, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                     stderr=subprocess.PIPE)
        self.text = ""
        self.lock = threading.Lock()
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self):
        def keep(chunk):
            with self.lock:
                self.text += chunk.decode("utf-8", "replace").replace("\r", "")

        # Whole chunks, not lines: the prompt has no newline after it.
        kiln_ci.read_bounded(self.proc.stdout, None, OUTPUT_LIMIT, on_chunk=keep)

    def wait_for(self, needle, start, deadline):
        """Position just after the first `needle` at or after `start`, or None."""
        while time.monotonic() < deadline:
            with self.lock:
                i = self.text.find(needle, start)
            if i >= 0:
                return i + len(needle)
            if self.proc.poll() is not None:
                time.sleep(0.2)  # let the reader take the last bytes
                with self.lock:
                    i = self.text.find(needle, start)
                return i + len(needle) if i >= 0 else None
            time.sleep(0.02)
        return None

    def type(self, line):
        keys = line.replace("<Up>", "\x1b[A").replace("<Tab>", "\t")
        self.proc.stdin.write(keys.encode() + b"\r")
        self.proc.stdin.flush()


def run_session(build):
    """Returns (replies: command -> text, whole output, QEMU's exit status or None)."""
    console = Console(kiln_ci.qemu_command(kiln_ci.boot_iso(build), 128))
    deadline = time.monotonic() + TIMEOUT_S
    replies = {}
    try:
        pos = console.wait_for(PROMPT, 0, deadline)
        for _, commands in SESSION:
            for command in commands:
                if pos is None:
                    break
                console.type(command)
                nxt = console.wait_for(PROMPT, pos, deadline)
                with console.lock:
                    replies[command] = console.text[pos:nxt if nxt else len(console.text)]
                pos = nxt
        try:
            status = console.proc.wait(timeout=max(1.0, deadline - time.monotonic()))
        except subprocess.TimeoutExpired:
            status = None
    finally:
        if console.proc.poll() is None:
            console.proc.kill()
            console.proc.wait()
    time.sleep(0.1)
    with console.lock:
        return replies, console.text, status


# What the line editor shows for a typed line that is not the line itself.
ECHO = {"<Up>": "run hello", "pro<Tab>": "programs"}


def as_shown(text):
    """`text` as a terminal shows it: a backspace moves back one column and what follows
    overwrites; blanks at the end of a row are dropped."""
    rows = []
    for line in text.split("\n"):
        row, col = [], 0
        for ch in line:
            if ch == "\b":
                col = max(0, col - 1)
                continue
            row[col:col + 1] = [ch]
            col += 1
        rows.append("".join(row).rstrip(" "))
    return "\n".join(rows)


def check(replies, status):
    e = Expect("")

    def reply(command, *patterns):
        text = replies.get(command)
        if not e.check(text is not None, f"'{command}' was typed and answered"):
            return
        sub = Expect(as_shown(text))
        echo = ECHO.get(command, command)
        sub.find(rf"^{re.escape(echo)}$", f"'{command}' shows as '{echo}'")
        for pattern, what in patterns:
            sub.find(pattern, f"{command}: {what}")
        e.failures += sub.failures

    reply("help", *[(rf"^  {name}\b", f"lists {name}") for name in
                    ["help", "mem", "walk ADDR", "space", "heap", "programs", "run NAME", "bt",
                     "reboot", "poweroff"]])
    reply("walk 0xffff800000100000",
          (r"^walk of 0xffff800000100000 in the space with PML4 at 0x[0-9a-f]+:$", "the header"),
          (r"^  PML4\[256\] ", "PML4 slot 256"),
          (r"^  PDPT\[  0\] .* PS NX$", "a large page at the PDPT level, not executable"),
          (r"^  => physical 0x100000 \(1 GiB page, writable, no-exec, kernel-only\)$",
           "physical 0x100000"))
    reply("heap", (r"^heap: buddy allocator, \d+ arena\(s\)", "the summary line"),
          (r"0xffffc00000000000", "the first arena at the heap's base"))
    reply("bt", (r"^backtrace:$", "the header"),
          (r"^  #0 0x[0-9a-f]{16} cmd_bt\+0x[0-9a-f]+$", "frame 0 is the bt command"),
          (r"^  #\d+ 0x[0-9a-f]{16} monitor_execute\+0x[0-9a-f]+$", "then monitor_execute"),
          (r"^  #\d+ 0x[0-9a-f]{16} monitor_run\+0x[0-9a-f]+$", "then monitor_run"),
          (r"^  #\d+ 0x[0-9a-f]{16} kmain\+0x[0-9a-f]+$", "then kmain"))
    reply("programs", (r"^programs \(Multiboot2 modules GRUB loaded; 'run NAME' runs one\):$",
                       "the header"),
          (r"^  demo +\d+ bytes at 0x[0-9a-f]+$", "the demo is listed"),
          (r"^  hello +\d+ bytes at 0x[0-9a-f]+$", "hello is listed"))
    reply("run hello", (r"^hello: hello from ring 3$", "its output, after its name"),
          (r"^kiln: process \d+ \(hello\) exited with status 0$", "the exit report"))
    reply("<Up>", (r"^hello: hello from ring 3$", "the recalled line runs hello again"),
          (r"^kiln: process \d+ \(hello\) exited with status 0$", "its exit report"))
    reply("pro<Tab>", (r"^  hello +\d+ bytes at 0x[0-9a-f]+$", "the completed command lists programs"))
    reply("HELP", (r"^  walk ADDR +walk the kernel's page tables", "help in capitals is help"))
    reply("frobnicate", (r"^unknown command 'frobnicate'$", "named as unknown"),
          (r"^usage: COMMAND \[ARGUMENT\], COMMAND one of: help mem walk ", "a usage line"))
    reply("walk nothex", (r"^walk: 'nothex' is not a hexadecimal address$", "the complaint"),
          (r"^usage: walk ADDR \(hex, e\.g\. walk 0xffff800000100000\)$", "a usage line"))
    reply("mem", (r"^mmap: \d+ regions from the bootloader:$", "the memory map"),
          (r"^pmm:   withheld 0x[0-9a-f]+-0x[0-9a-f]+ +\d+ KiB  module$", "the module withheld"),
          (r"^pmm: usable \d+ KiB, free \d+ KiB, reserved \d+ KiB$", "the PMM summary line"))
    reply("poweroff", (r"^kiln: power off \(success\)$", "the power-off line"))
    e.check(status == kiln_ci.QEMU_EXIT_PASS, "poweroff ends QEMU with status 33 (success)",
            f"QEMU's exit status was {status}")
    return e.failures


def main():
    build = os.path.abspath(sys.argv[1] if len(sys.argv) > 1 else os.path.join(REPO, "build"))
    failures = []
    problem = check_docs(MARKER, session_text(SESSION))
    if problem:
        failures.append(problem)
    replies, output, status = run_session(build)
    failures += check(replies, status)
    if failures:
        print("---- serial output ----\n" + output + "\n----")
        for f in failures:
            print(f"FAIL: {f}")
        print("The session block for docs/debugging.md:\n" + session_text(SESSION))
        sys.exit(1)
    print(f"PASS: {sum(len(c) for _, c in SESSION)} monitor commands answered as expected")


if __name__ == "__main__":
    main()
