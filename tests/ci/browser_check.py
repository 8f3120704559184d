#!/usr/bin/env python3
"""tests/ci/browser_check.py - load a page in headless Chromium and check it.

    browser_check.py PAGE.html [--expect NAME]... [--screenshot FILE]

Starts Debian's `chromium` headless and drives it through the DevTools
protocol over a pipe (--remote-debugging-pipe: commands on fd 3, replies and
events on fd 4, each a JSON message ended by a NUL byte), with only Python's
standard library. It loads the page from file:// and checks:

  - no console error, no uncaught exception, no error in the browser's log;
  - no network request: nothing but the page's own file:// URL is fetched;
  - every <figure class="picture"> holds an <svg> that laid out with a sane
    size (100-6000 px wide, 30-30000 px high), has drawn shapes and text, and
    shows on a screenshot of the figure as more than one colour;
  - every NAME given with --expect is such a figure (data-picture="NAME").

It writes a screenshot of the whole page (--screenshot) and exits 0 when all
holds; otherwise it prints one line per problem and exits 1. Exit status 77
when Chromium is not installed (CTest reports a skip).
"""
import argparse
import base64
import fcntl
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
import zlib

SKIP = 77
LOAD_SECONDS = 60  # a wall-clock backstop only: nothing is asserted about the time taken

FIGURES_JS = r"""
JSON.stringify(Array.from(document.querySelectorAll('figure.picture')).map(f => {
  const svg = f.querySelector('svg');
  const box = svg ? svg.getBoundingClientRect() : null;
  const fbox = f.getBoundingClientRect();
  return {
    name: f.dataset.picture || '', id: f.id,
    svg: !!svg,
    width: box ? box.width : 0, height: box ? box.height : 0,
    x: fbox.x + window.scrollX, y: fbox.y + window.scrollY,
    fwidth: fbox.width, fheight: fbox.height,
    shapes: svg ? svg.querySelectorAll('rect, path, polygon, ellipse, line, polyline').length : 0,
    texts: svg ? svg.querySelectorAll('text').length : 0,
    caption: (f.querySelector('figcaption') || {}).textContent || ''
  };
}))
"""


class Browser:
    """A headless Chromium and its DevTools session over a pipe."""

    def __init__(self, chromium):
        self.profile = tempfile.mkdtemp(prefix="kiln-chromium-")
        to_child_r, self.to_child = os.pipe()
        self.from_child, from_child_w = os.pipe()

        def fds():  # the child's fd 3 reads our commands, its fd 4 writes the replies
            a = fcntl.fcntl(to_child_r, fcntl.F_DUPFD, 10)
            b = fcntl.fcntl(from_child_w, fcntl.F_DUPFD, 10)
            os.dup2(a, 3)
            os.dup2(b, 4)

        cmd = [chromium, "--headless", "--no-sandbox", "--disable-gpu", "--hide-scrollbars",
               "--remote-debugging-pipe", f"--user-data-dir={self.profile}", "--no-first-run",
               "--no-default-browser-check", "--disable-extensions", "--disable-sync",
               "--disable-background-networking", "--disable-component-update",
               "--disable-default-apps", "--mute-audio", "--window-size=1200,900",
               "about:blank"]
        self.proc = subprocess.Popen(cmd, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                                     stderr=subprocess.DEVNULL, preexec_fn=fds, close_fds=False)
        os.close(to_child_r)
        os.close(from_child_w)
        self.next_id = 0
        self.buffer = b""
        self.events = []
        self.session = None

    def close(self):
        try:
            self.proc.kill()
        except ProcessLookupError:
            pass
        self.proc.wait()
        for fd in (self.to_child, self.from_child):
            try:
                os.close(fd)
            except OSError:
                pass
        shutil.rmtree(self.profile, ignore_errors=True)

    def _read_message(self, deadline):
        while b"\0" not in self.buffer:
            if time.monotonic() > deadline:
                raise TimeoutError("Chromium did not answer")
            chunk = os.read(self.from_child, 1 << 16)
            if not chunk:
                raise RuntimeError("Chromium closed the DevTools pipe (did it start?)")
            self.buffer += chunk
        raw, self.buffer = self.buffer.split(b"\0", 1)
        return json.loads(raw)

    def call(self, method, params=None, session=True, seconds=LOAD_SECONDS):
        self.next_id += 1
        msg = {"id": self.next_id, "method": method, "params": params or {}}
        if session and self.session:
            msg["sessionId"] = self.session
        os.write(self.to_child, json.dumps(msg).encode() + b"\0")
        deadline = time.monotonic() + seconds
        while True:
            m = self._read_message(deadline)
            if m.get("id") == self.next_id:
                if "error" in m:
                    raise RuntimeError(f"{method}: {m['error'].get('message')}")
                return m.get("result", {})
            if "method" in m:
                self.events.append(m)

    def wait_event(self, method, seconds=LOAD_SECONDS):
        deadline = time.monotonic() + seconds
        for e in self.events:
            if e["method"] == method:
                return e
        while True:
            m = self._read_message(deadline)
            if "method" in m:
                self.events.append(m)
                if m["method"] == method:
                    return m

    def attach(self):
        target = self.call("Target.createTarget", {"url": "about:blank"}, session=False)
        result = self.call("Target.attachToTarget",
                           {"targetId": target["targetId"], "flatten": True}, session=False)
        self.session = result["sessionId"]
        for domain in ("Page", "Runtime", "Log", "Network"):
            self.call(f"{domain}.enable")

    def evaluate(self, expression):
        r = self.call("Runtime.evaluate", {"expression": expression, "returnByValue": True})
        if "exceptionDetails" in r:
            raise RuntimeError(f"evaluating in the page failed: {r['exceptionDetails']}")
        return r["result"].get("value")

    def screenshot(self, clip=None):
        # The viewport is already as tall as the page (see check): nothing lies beyond it.
        params = {"format": "png", "captureBeyondViewport": False}
        if clip:
            params["clip"] = dict(clip, scale=1)
        return base64.b64decode(self.call("Page.captureScreenshot", params)["data"])


def png_colours(png):
    """How many different byte values the image's filtered rows hold: 1 or 2
    for a picture of one flat colour, dozens for anything drawn. A cheap
    stand-in for counting colours without decoding every filter."""
    if png[:8] != b"\x89PNG\r\n\x1a\n":
        return 0
    pos, data = 8, b""
    while pos < len(png):
        length = int.from_bytes(png[pos:pos + 4], "big")
        kind = png[pos + 4:pos + 8]
        if kind == b"IDAT":
            data += png[pos + 8:pos + 8 + length]
        pos += 12 + length
    width = int.from_bytes(png[16:20], "big")
    raw = zlib.decompress(data)
    stride = 1 + 4 * width if png[25] == 6 else 1 + 3 * width
    # Leave out each row's filter-type byte.
    values = set()
    for row in range(0, len(raw), stride):
        values.update(raw[row + 1:row + stride])
        if len(values) > 40:
            break
    return len(values)


def check(page, expect, screenshot, chromium):
    problems = []
    url = "file://" + os.path.abspath(page)
    b = Browser(chromium)
    try:
        b.attach()
        b.call("Page.navigate", {"url": url})
        b.wait_event("Page.loadEventFired")
        b.call("Runtime.evaluate", {"expression": "1"})  # let pending events arrive
        figures = json.loads(b.evaluate(FIGURES_JS))
        metrics = b.call("Page.getLayoutMetrics")
        size = metrics.get("cssContentSize") or metrics["contentSize"]
        height = min(int(size["height"]) + 1, 30000)
        b.call("Emulation.setDeviceMetricsOverride",
               {"width": 1200, "height": height, "deviceScaleFactor": 1, "mobile": False})
        whole = b.screenshot()
        if screenshot:
            with open(screenshot, "wb") as f:
                f.write(whole)
        if png_colours(whole) < 10:
            problems.append("the screenshot of the whole page is blank")
        for fig in figures:
            name = fig["name"] or fig["id"] or "(a figure with no name)"
            if not fig["name"]:
                problems.append(f"{name}: the figure has no data-picture name")
            if not fig["svg"]:
                problems.append(f"{name}: no <svg> in the figure")
                continue
            if not (100 <= fig["width"] <= 6000 and 30 <= fig["height"] <= 30000):
                problems.append(f"{name}: the picture is {fig['width']:.0f} x "
                                f"{fig['height']:.0f} px, expected 100-6000 x 30-30000")
                continue
            if fig["shapes"] < 2 or fig["texts"] < 1:
                problems.append(f"{name}: {fig['shapes']} shapes and {fig['texts']} texts drawn, "
                                "expected at least 2 and 1")
            clip = {"x": fig["x"], "y": fig["y"], "width": fig["fwidth"],
                    "height": min(fig["fheight"], 4000)}
            colours = png_colours(b.screenshot(clip))
            if colours < 10:
                problems.append(f"{name}: its screenshot is nearly one colour ({colours} values)")
        names = {f["name"] for f in figures}
        for want in expect:
            if want not in names:
                problems.append(f"{want}: no such picture on the page (have: "
                                f"{', '.join(sorted(names)) or 'none'})")
        for e in b.events:
            p = e.get("params", {})
            if e["method"] == "Runtime.consoleAPICalled" and p.get("type") in ("error", "assert"):
                text = " ".join(str(a.get("value", a.get("description", ""))) for a in p["args"])
                problems.append(f"console error: {text[:200]}")
            elif e["method"] == "Runtime.exceptionThrown":
                d = p["exceptionDetails"]
                text = d.get("exception", {}).get("description") or d.get("text", "")
                problems.append(f"uncaught exception: {text[:200]}")
            elif e["method"] == "Log.entryAdded" and p["entry"].get("level") == "error":
                problems.append(f"browser log error: {p['entry'].get('text', '')[:200]} "
                                f"({p['entry'].get('url', '')})")
            elif e["method"] == "Network.requestWillBeSent":
                asked = p["request"]["url"]
                if asked != url:
                    problems.append(f"network request: {asked[:200]}")
        return figures, problems
    finally:
        b.close()


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("page")
    p.add_argument("--expect", action="append", default=[], metavar="NAME")
    p.add_argument("--screenshot", metavar="FILE")
    args = p.parse_args()
    chromium = shutil.which("chromium") or shutil.which("chromium-browser")
    if not chromium:
        print("browser_check: SKIP: Chromium is not installed (Debian's chromium package; "
              "ci/install-deps installs it)")
        sys.exit(SKIP)
    figures, problems = check(args.page, args.expect, args.screenshot, chromium)
    for problem in problems:
        print(f"browser_check: FAIL: {problem}")
    print(f"browser_check: {len(figures)} pictures, {len(problems)} problems"
          + (f"; screenshot in {args.screenshot}" if args.screenshot else ""))
    sys.exit(1 if problems else 0)


if __name__ == "__main__":
    main()
