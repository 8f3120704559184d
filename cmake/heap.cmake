# cmake/heap.cmake - the heap allocators' host tests, benchmark and boot test.
#
# Included from CMakeLists.txt after cmake/kiln.cmake.
#   host.heap_alloc      cmocka tests of src/mm/buddy.c and src/mm/list_heap.c,
#                        with ASan + UBSan
#   host.slab            cmocka tests of src/mm/slab.c (slab caches on the buddy),
#                        a random model test, with ASan + UBSan
#   host.arena_heap      cmocka tests of src/mm/arena_heap.c (growth, arena lookup)
#                        over the real PMM and VMM on a simulated machine
#   bench_heap           the buddy and list heaps against glibc malloc, built -O2
#                        without sanitizers; not a test: ci/bench-heap runs it
#   qemu.ktest-heap-list the heap suite with the linked-list allocator behind kmalloc
#   qemu.ktest-heap-slab the heap suite with slab caches on the buddy behind kmalloc
#   bochs.ktest-heap-slab the same in Bochs

set(KILN_HEAP_SOURCES
  src/mm/allocator.c
  src/mm/buddy.c
  src/mm/heap_picture.c
  src/mm/list_heap.c
  src/mm/slab.c
  src/lib/format.c
  src/lib/text.c
)

kiln_host_test(heap_alloc SOURCES tests/test_heap_alloc.c ${KILN_HEAP_SOURCES})
kiln_host_test(slab SOURCES tests/test_slab.c ${KILN_HEAP_SOURCES})

add_executable(bench_heap tests/bench_heap.c ${KILN_HEAP_SOURCES})
target_include_directories(bench_heap PRIVATE include tests)
# -g keeps function names and lines for callgrind; -O2 comes after the build
# type's own flags, so it wins in every preset.
target_compile_options(bench_heap PRIVATE ${KILN_WARNINGS} -O2 -g)

# The arena heap over the real PMM and VMM (kmalloc's and the user heaps' layer).
kiln_host_test(arena_heap SOURCES
  tests/test_arena_heap.c
  src/mm/arena_heap.c
  ${KILN_HEAP_SOURCES}
  src/mm/vmm.c
  src/mm/pmm.c
  src/mm/pmm_index.c
  src/mm/memmap.c
)

# The heap suite again with the linked-list allocator behind kmalloc.
kiln_boot_test(qemu.ktest-heap-list
  ARGS --emulator qemu --cmdline "ktest=heap heap=list"
  EXPECT "heap: linked list allocator, 1 arena\\(s\\)"
         "ci/boot: PASS")

# The heap suite again with slab caches (on the buddy allocator) behind kmalloc.
kiln_boot_test(qemu.ktest-heap-slab
  ARGS --emulator qemu --cmdline "ktest=heap heap=slab"
  EXPECT "heap: slab allocator, 1 arena\\(s\\)"
         "ci/boot: PASS")
# The heap suite is Bochs's slowest (about 2 minutes on a loaded machine): a wider
# wall-clock backstop than ci/boot's 180 s default.
kiln_boot_test(bochs.ktest-heap-slab
  ARGS --emulator bochs --cmdline "ktest=heap heap=slab" --timeout 600
  EXPECT "heap: slab allocator, 1 arena\\(s\\)"
         "ci/boot: PASS")
