# cmake/records.cmake - the kernel's state as data (records=, docs/records.md) and
# ci/picture, which draws it.
#
# Included from CMakeLists.txt after cmake/kiln.cmake and the heap's file.
#   host.records   cmocka tests of src/kernel/record_writer.c: every record one valid
#                  JSON object within RECORD_LINE_MAX, fields, escaping, cut records,
#                  page tables built by hand, a real buddy and list heap

kiln_host_test(records SOURCES
  tests/test_records.c
  src/kernel/record_writer.c
  src/boot/multiboot2.c
  src/mm/vmm_dump.c
  src/mm/vmm.c
  src/mm/pmm.c
  src/mm/pmm_index.c
  src/mm/memmap.c
  src/mm/arena_heap.c
  ${KILN_HEAP_SOURCES}
)

# records=all on a real boot: framed by begin and end, nothing cut, and ci/boot still
# passes (it skips record lines). The records suite (src/ktest/test_records.c) runs
# in ktest=all in both emulators.
kiln_boot_test(qemu.records-all
  ARGS --emulator qemu --cmdline "poweroff records=all"
  EXPECT "@kiln-record {\"v\":1,\"kind\":\"begin\",\"what\":\"all\",\"source\":\"boot\""
         "@kiln-record {\"v\":1,\"kind\":\"table\",\"space\":\"kernel\",\"level\":4,\"name\":\"PML4\""
         "@kiln-record {\"v\":1,\"kind\":\"end\",\"records\":[0-9]+,\"cut\":0}"
         "@kiln-record {\"v\":1,\"kind\":\"region\",\"space\":\"pid 1 demo\",\"start\":\"0x400000\""
         "ci/boot: PASS: clean power-off")
kiln_boot_test(qemu.records-unknown-group
  ARGS --emulator qemu --cmdline "poweroff records=memmap,bogus"
  EXPECT "kiln: warning: records=memmap,bogus: 'bogus' is not one of: all, memmap, pagetables"
         "ci/boot: PASS: clean power-off")
kiln_boot_test(bochs.records-all
  ARGS --emulator bochs --cmdline "poweroff records=all"
  EXPECT "@kiln-record {\"v\":1,\"kind\":\"end\",\"records\":[0-9]+,\"cut\":0}"
         "ci/boot: PASS: clean power-off")

# ci/picture, the renderer (Python, Graphviz):
#   ci.picture          unit tests on a saved serial log (tests/ci/data/records-boot.log):
#                       records and sessions, damaged logs, walks from the tree against the
#                       kernel's, buddy trees, bars to scale, a page that fetches nothing
#   ci.picture-browser  the page from a real QEMU boot in headless Chromium: every docs
#                       picture rendered, no console error, no network request; and the
#                       checker must find the faults planted in a broken page. Skipped
#                       (status 77) where Chromium or Graphviz is not installed.
add_test(NAME ci.picture COMMAND ${CMAKE_SOURCE_DIR}/tests/ci/test_picture.py)
add_test(NAME ci.picture-browser
  COMMAND ${CMAKE_SOURCE_DIR}/tests/ci/test_picture_browser.py ${CMAKE_BINARY_DIR})
set_tests_properties(ci.picture-browser PROPERTIES SKIP_RETURN_CODE 77 TIMEOUT 300)
