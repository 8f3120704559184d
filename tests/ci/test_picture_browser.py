#!/usr/bin/env python3
"""tests/ci/test_picture_browser.py BUILD_DIR - ci/picture's page in a real browser.

1. ci/picture boots the kernel in QEMU (records=all run=demo) and writes its
   page into BUILD_DIR/picture-browser/.
2. browser_check.py loads it in headless Chromium: every picture the docs use
   must be there and rendered, with no console error and no network request;
   the screenshot is kept as BUILD_DIR/picture-browser/screenshot.png.
3. So that this test can be trusted to fail, the same checker must find
   every fault planted in a broken page (an empty picture, a figure with no
   SVG, a blank one, a missing name, a console error, an exception, a
   request to the network).

Exits 77 (a CTest skip) with a message when Chromium or Graphviz is missing.
"""
import os
import shutil
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(os.path.dirname(HERE))
CHECK = os.path.join(HERE, "browser_check.py")
SKIP = 77

BROKEN_PAGE = """<!DOCTYPE html><html><head><meta charset="utf-8"><title>broken</title></head>
<body>
<figure class="picture" data-picture="empty"><svg xmlns="http://www.w3.org/2000/svg"
  width="0" height="0"></svg></figure>
<figure class="picture" data-picture="nosvg"><p>no picture here</p></figure>
<figure class="picture" data-picture="blank"><svg xmlns="http://www.w3.org/2000/svg" width="400"
  height="200"><rect width="400" height="200" fill="white"/><rect width="1" height="1"
  fill="white"/><text x="-100" y="-100">x</text></svg></figure>
<img src="http://127.0.0.1:9/picture.png" alt="">
<script>console.error("planted console error"); throw new Error("planted exception");</script>
</body></html>
"""
PLANTED = ["empty: the picture is 0 x 0 px", "nosvg: no <svg> in the figure",
           "blank: its screenshot is nearly one colour", "physmap: no such picture on the page",
           "network request: http://127.0.0.1:9/picture.png",
           "console error: planted console error", "uncaught exception: Error: planted exception"]


def run(cmd, timeout):
    return subprocess.run(cmd, capture_output=True, text=True, timeout=timeout)


def main():
    if len(sys.argv) != 2:
        sys.exit(__doc__.split("\n\n")[0])
    build = os.path.abspath(sys.argv[1])
    for tool, package in (("chromium", "chromium"), ("dot", "graphviz")):
        if not shutil.which(tool):
            print(f"SKIP: {tool} is not installed (Debian package {package}; ci/install-deps "
                  "installs it)")
            sys.exit(SKIP)
    sys.path.insert(0, os.path.join(REPO, "ci"))
    out = os.path.join(build, "picture-browser")
    shutil.rmtree(out, ignore_errors=True)
    r = run([os.path.join(REPO, "ci", "picture"), "--build-dir", build, "--out", out], 300)
    print(r.stdout + r.stderr, end="")
    if r.returncode != 0:
        sys.exit("FAIL: ci/picture did not make the page from a real boot")
    import importlib.machinery
    import importlib.util
    loader = importlib.machinery.SourceFileLoader("picture", os.path.join(REPO, "ci", "picture"))
    picture = importlib.util.module_from_spec(importlib.util.spec_from_loader("picture", loader))
    loader.exec_module(picture)
    expect = [a for name in picture.DOCS_SET for a in ("--expect", name)]
    r = run([CHECK, os.path.join(out, "index.html"), "--screenshot",
             os.path.join(out, "screenshot.png")] + expect, 300)
    print(r.stdout + r.stderr, end="")
    if r.returncode != 0:
        sys.exit("FAIL: the page from a real boot did not pass in Chromium (lines above)")

    with tempfile.TemporaryDirectory() as tmp:
        page = os.path.join(tmp, "index.html")
        with open(page, "w") as f:
            f.write(BROKEN_PAGE)
        r = run([CHECK, page, "--expect", "physmap"], 300)
    missed = [p for p in PLANTED if p not in r.stdout]
    if r.returncode != 1 or missed:
        print(r.stdout + r.stderr, end="")
        sys.exit(f"FAIL: on a page with planted faults the checker exited {r.returncode} "
                 f"(expected 1) and missed: {missed}")
    print(f"ok: the real page passed; the checker found all {len(PLANTED)} planted faults")


if __name__ == "__main__":
    main()
