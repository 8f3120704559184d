#!/usr/bin/env python3
"""tests/ci/test_picture.py - unit tests of ci/picture on a saved serial log.

tests/ci/data/records-boot.log is the serial output of a real boot
(`ci/picture --save-log`, records=all run=demo,heapgrow, QEMU, 128 MiB). The tests read
it as a student's log would be read and check what the pictures are made
of: the records and their sessions, problems in a damaged log named rather
than drawn, walks worked out from the recorded tables against the walks the
kernel itself recorded, buddy trees that tile their arenas, bars to scale,
SVG that parses, and a page that loads nothing from outside. No emulator.
"""
import importlib.machinery
import importlib.util
import os
import re
import shutil
import subprocess
import sys
import tempfile
import unittest
import xml.etree.ElementTree as ET

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(os.path.dirname(HERE))
LOG = os.path.join(HERE, "data", "records-boot.log")
SCRIPT = os.path.join(REPO, "ci", "picture")


def load_picture():
    loader = importlib.machinery.SourceFileLoader("picture", SCRIPT)
    spec = importlib.util.spec_from_loader("picture", loader)
    module = importlib.util.module_from_spec(spec)
    loader.exec_module(module)
    return module


picture = load_picture()
HAVE_DOT = shutil.which("dot") is not None
NEEDS_DOT = unittest.skipUnless(HAVE_DOT, "Graphviz's dot is not installed (ci/install-deps)")


def saved():
    with open(LOG) as f:
        return picture.Records.from_text(f.read())


def rec_line(body):
    return "@kiln-record " + body


class RecordsTests(unittest.TestCase):
    def test_saved_log_reads_cleanly(self):
        rec = saved()
        self.assertEqual(rec.problems, [])
        self.assertEqual(len(rec.sessions), 3, "the boot's records=all and two processes'")
        self.assertEqual(rec.begin()["source"], "boot")
        self.assertEqual(rec.spaces(), ["kernel", "pid 1 demo", "pid 2 heapgrow"])
        for kind in ("memmap", "withheld", "free_run", "pmm", "table", "entries", "walk",
                     "region", "heap", "arena", "block", "process"):
            self.assertTrue(rec.all(kind), f"no '{kind}' records in the saved log")

    def test_damage_is_named_not_drawn(self):
        text = "\n".join([
            "kiln: some ordinary output",
            rec_line('{"v":1,"kind":"begin","what":"all","source":"boot"}'),
            rec_line('{"v":1,"kind":"memmap","base":"0x0","end":"0x1000","type":"usable"}'),
            rec_line('{"v":1,"kind":"memmap","base":'),              # not JSON
            rec_line('{"v":2,"kind":"memmap"}'),                       # another version
            rec_line('{"v":1,"kind":"cut","of":"walk","length":700}'),
            "demo: " + rec_line('{"v":1,"kind":"free_run","base":"0x0","end":"0x1000"}'),
            rec_line('{"v":1,"kind":"end","records":9,"cut":1}'),    # counts wrong
            rec_line('{"v":1,"kind":"begin","what":"heap","source":"monitor"}'),
            rec_line('{"v":1,"kind":"heap","heap":"kernel"}'),        # and no end
        ])
        rec = picture.Records.from_text(text)
        problems = " | ".join(rec.problems)
        for words in ("not JSON", "not a version-1 record", "cut a 'walk' record of 700 bytes",
                      "after other text", "counts 9 records, the log holds 4",
                      "'heap' have no end record"):
            self.assertIn(words, problems)
        self.assertEqual(len(rec.all("memmap")), 1, "only the good memmap record is kept")
        self.assertEqual(rec.all("free_run"), [], "a record after other text (a program's "
                         "output) must not be drawn")

    def test_a_broken_pmm_is_pointed_out(self):
        self.assertEqual(picture.physmap_anomalies(saved()), [], "a healthy boot looks wrong")
        text = "\n".join(rec_line(r) for r in [
            '{"v":1,"kind":"begin","what":"memmap","source":"boot"}',
            '{"v":1,"kind":"memmap","base":"0x0","end":"0x9fc00","type":"usable"}',
            '{"v":1,"kind":"memmap","base":"0x100000","end":"0x800000","type":"usable"}',
            '{"v":1,"kind":"withheld","base":"0x100000","end":"0x200000","what":"kernel image"}',
            '{"v":1,"kind":"free_run","base":"0x1ff000","end":"0x300000","pages":257}',
            '{"v":1,"kind":"free_run","base":"0x300000","end":"0x400000","pages":256}',
            '{"v":1,"kind":"free_run","base":"0x3ff000","end":"0x401000","pages":2}',
            '{"v":1,"kind":"free_run","base":"0x7ff000","end":"0x900000","pages":257}',
            '{"v":1,"kind":"end","records":9,"cut":0}'])
        found = " | ".join(picture.physmap_anomalies(picture.Records.from_text(text)))
        for words in ("0x1ff000-0x300000 overlaps the withheld kernel image",
                      "0x1ff000-0x300000 and 0x300000-0x400000 touch",
                      "0x300000-0x400000 and 0x3ff000-0x401000 overlap",
                      "0x7ff000-0x900000 is not inside one usable range"):
            self.assertIn(words, found)

    def test_a_log_without_records_says_how_to_get_them(self):
        with tempfile.TemporaryDirectory() as tmp:
            log = os.path.join(tmp, "plain.log")
            with open(log, "w") as f:
                f.write("kiln: boot complete\n")
            r = subprocess.run([SCRIPT, "--log", log, "--out", tmp], capture_output=True,
                               text=True, timeout=60)
            self.assertNotEqual(r.returncode, 0)
            self.assertIn("no records: boot with records=all", r.stderr)


class WalkTests(unittest.TestCase):
    def test_walks_from_the_tree_agree_with_the_kernels(self):
        rec = saved()
        walks = rec.all("walk")
        self.assertGreaterEqual(len(walks), 8)
        for w in walks:
            va = picture.number(w["va"])
            mine = picture.walk_from_tree(rec, w["space"], va)
            where = f"walk of {va:#x} in {w['space']}"
            self.assertEqual(mine["mapped"], w["mapped"], where)
            self.assertEqual(len(mine["steps"]), len(w["steps"]), where)
            for a, b in zip(mine["steps"], w["steps"]):
                self.assertEqual((a["name"], a["table"], a["index"]),
                                 (b["name"], picture.number(b["table"]), b["index"]), where)
            if w["mapped"]:
                self.assertEqual(mine["page_size"], w["page_size"], where)
                if mine["phys"] is not None:
                    self.assertEqual(mine["phys"], picture.number(w["phys"]), where)

    def test_non_canonical_and_unknown_space(self):
        rec = saved()
        self.assertFalse(picture.walk_from_tree(rec, "kernel", 0x0000800000000000)["canonical"])
        with self.assertRaisesRegex(picture.PictureError, "no page tables recorded"):
            picture.walk_from_tree(rec, "nobody", 0x1000)

    def test_walk_argument(self):
        self.assertEqual(picture.parse_walk_arg("0xffff800000000000"),
                         ("kernel", 0xffff800000000000))
        self.assertEqual(picture.parse_walk_arg("pid 1 demo:400000"), ("pid 1 demo", 0x400000))
        with self.assertRaisesRegex(picture.PictureError, "not \\[SPACE:\\]HEXADDRESS"):
            picture.parse_walk_arg("kernel:xyz")


class HeapTests(unittest.TestCase):
    def leaves(self, nodes):
        for addr, order, state, children in nodes:
            if children:
                yield from self.leaves(children)
            else:
                yield addr, order, state

    def test_buddy_trees_tile_their_arenas(self):
        rec = saved()
        checked = 0
        for heap in rec.heaps():
            arena, blocks = picture.arena_blocks(rec, heap)
            tree = picture.buddy_tree(arena, blocks)
            leaves = list(self.leaves(tree))
            self.assertEqual(len(leaves), len(blocks), heap)
            self.assertEqual(sum(32 << o for _, o, _ in leaves), arena["size"], heap)
            checked += 1
        self.assertGreaterEqual(checked, 12)  # kernel, two processes, 9 demonstration steps

    def test_a_missing_block_is_an_error(self):
        rec = saved()
        arena, blocks = picture.arena_blocks(rec, "buddy-demo/3")
        with self.assertRaisesRegex(picture.PictureError, "do not tile the arena"):
            picture.buddy_tree(arena, blocks[1:])

    def test_unmerged_buddies_are_pointed_out(self):
        rec = saved()
        for heap in rec.heaps():
            arena, blocks = picture.arena_blocks(rec, heap)
            self.assertEqual(picture.unmerged_buddies(picture.buddy_tree(arena, blocks)), [], heap)
        arena = {"base": "0x1000", "size": 128, "top_order": 2, "min_block": 32}
        blocks = [{"addr": "0x1000", "order": 1, "used": True},
                  {"addr": "0x1040", "order": 0, "used": False},
                  {"addr": "0x1060", "order": 0, "used": False}]
        self.assertEqual(picture.unmerged_buddies(picture.buddy_tree(arena, blocks)),
                         ["two free 32-byte buddies at 0x1040 were not merged"])

    def test_roots_of_an_unaligned_region(self):
        self.assertEqual(picture.buddy_roots(0x1000, 0x1000 + 0x400, 7),
                         [(0x1000, 7), (0x2000, 5)])


class PictureTests(unittest.TestCase):
    def test_physical_map_is_to_scale(self):
        rec = saved()
        top = picture.memory_top(rec)
        svg = picture.physmap_svg(rec, 0, top, "t")
        root = ET.fromstring(svg)
        ns = "{http://www.w3.org/2000/svg}"
        ranges = [r for r in root.iter(ns + "rect") if "range" in (r.get("class") or "")]
        self.assertEqual(len(ranges), len(rec.latest("memmap")) - 2 +  # two above the top
                         len(rec.latest("withheld")) + len(rec.latest("free_run")))
        usable = next(r for r in rec.latest("memmap") if r["base"] == "0x100000")
        width = 800 * (picture.number(usable["end"]) - 0x100000) / top
        self.assertTrue(any(abs(float(r.get("width")) - width) < 0.01 for r in ranges),
                        f"no bar {width:.2f} px wide for the usable RAM above 1 MiB")
        self.assertIn("0xfd00000000", picture.physmap_note(rec, top))

    @NEEDS_DOT
    def test_every_picture_parses_and_the_page_is_offline(self):
        rec = saved()
        pics, missing = picture.make_pictures(rec, ["0xffffc00000000000"])
        self.assertEqual(missing, [])
        names = {p.name for p in pics}
        for name in picture.DOCS_SET + ["walk-kernel-ffffc00000000000-tree"]:
            self.assertIn(name, names)
        for p in pics:
            root = ET.fromstring(p.svg)
            self.assertGreater(sum(1 for _ in root.iter()), 8, f"{p.name} is nearly empty")
        page = picture.page_html(pics, rec, missing, "test")
        self.assertEqual(len(re.findall(r'<figure class="picture"', page)), len(pics))
        ids = re.findall(r'\bid="([^"]+)"', page)
        self.assertEqual(len(ids), len(set(ids)), "ids repeat across the pictures")
        self.assertNotRegex(page, r"<script|<img|<link|src=|@import|url\(")
        for url in re.findall(r"https?://[^\"' )]+", page):
            self.assertTrue(url.startswith("http://www.w3.org/"), f"the page names {url}")

    @NEEDS_DOT
    def test_command_line_on_a_saved_log(self):
        with tempfile.TemporaryDirectory() as tmp:
            r = subprocess.run([SCRIPT, "--log", LOG, "--out", tmp], capture_output=True,
                               text=True, timeout=120)
            self.assertEqual(r.returncode, 0, r.stderr)
            self.assertIn("pictures in", r.stdout)
            files = os.listdir(tmp)
            self.assertIn("index.html", files)
            self.assertIn("physmap.svg", files)
            self.assertIn("buddy-steps.svg", files)

    def test_missing_dot_is_a_clear_error(self):
        which = shutil.which
        try:
            picture.shutil.which = lambda name: None
            with self.assertRaisesRegex(picture.PictureError, "dot is not installed"):
                picture.dot_svg("digraph { a }", "x")
        finally:
            picture.shutil.which = which


if __name__ == "__main__":
    unittest.main(verbosity=1)
