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
