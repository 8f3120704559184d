#!/usr/bin/env python3
"""tests/emu/keyboard_keys.py BUILD - the monitor's line editor from the PS/2 keyboard.

Boots kiln in QEMU headless (as monitor_session.py does) with QEMU's human monitor on a
Unix socket, and presses keys on the emulated PS/2 keyboard with its `sendkey` command:
`h e l tab ret` must complete to `help` and list the commands; `up ret` must recall and run
`help` again (the Up arrow is the extended scan code 0xE0 0x48). The serial port then
asks for poweroff. Exit status 0 only when every check passed.
"""
import os
import socket
import sys
import tempfile
import time

from monitor_session import PROMPT, Console, as_shown
from debug_session import Expect

sys.path.insert(0, os.path.join(os.path.dirname(os.path.dirname(os.path.dirname(
    os.path.abspath(__file__)))), "ci"))
import kiln_ci  # noqa: E402

TIMEOUT_S = 60


def press(monitor, keys):
    for key in keys:
        monitor.sendall(f"sendkey {key}\n".encode())
        time.sleep(0.15)  # one key at a time: the kernel polls the controller's one-byte buffer


def main():
    build = os.path.abspath(sys.argv[1] if len(sys.argv) > 1 else "build")
    with tempfile.TemporaryDirectory(prefix="kiln-keys-") as tmp:
        path = os.path.join(tmp, "monitor.sock")
        cmd = kiln_ci.qemu_command(kiln_ci.boot_iso(build), 128)
        i = cmd.index("-monitor")
        cmd[i + 1] = f"unix:{path},server,nowait"
        console = Console(cmd)
        deadline = time.monotonic() + TIMEOUT_S
        replies = []
        try:
            pos = console.wait_for(PROMPT, 0, deadline)
            monitor = socket.socket(socket.AF_UNIX)
            while time.monotonic() < deadline:
                try:
                    monitor.connect(path)
                    break
                except OSError:
                    time.sleep(0.1)
            for keys in (["h", "e", "l", "tab", "ret"], ["up", "ret"]):
                if pos is None:
                    break
                press(monitor, keys)
                nxt = console.wait_for(PROMPT, pos, deadline)
                with console.lock:
                    replies.append(console.text[pos:nxt if nxt else len(console.text)])
                pos = nxt
            console.type("poweroff")
            try:
                status = console.proc.wait(timeout=max(1.0, deadline - time.monotonic()))
            except Exception:
                status = None
        finally:
            if console.proc.poll() is None:
                console.proc.kill()
                console.proc.wait()
    e = Expect("")
    checks = [("h e l Tab Enter", r"^help\s*$", "completes to 'help'"),
              ("Up Enter", r"^help\s*$", "recalls 'help'")]
    for (what, echo, says), text in zip(checks, replies + [None] * len(checks)):
        if not e.check(text is not None, f"{what} was answered"):
            continue
        sub = Expect(as_shown(text))
        sub.find(echo, f"{what}: the line {says}")
        sub.find(r"^  walk ADDR +walk the kernel's page tables", f"{what}: help's list")
        e.failures += sub.failures
    e.check(status == kiln_ci.QEMU_EXIT_PASS, "poweroff over COM1 ends QEMU with status 33",
            f"status {status}")
    if e.failures:
        print("---- serial output ----\n" + console.text + "\n----")
        for f in e.failures:
            print(f"FAIL: {f}")
        sys.exit(1)
    print("PASS: Tab and the Up arrow work from the PS/2 keyboard")


if __name__ == "__main__":
    main()
