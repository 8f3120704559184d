# cmake/heap.cmake - the heap allocators' host tests and benchmark.
#
# Included at the end of CMakeLists.txt, after kiln_host_test is defined.
#   host_heap_alloc  cmocka tests of src/mm/buddy.c and src/mm/list_heap.c
#                    (CTest: host.heap_alloc), with ASan + UBSan
#   bench_heap       the buddy and list heaps against glibc malloc, built -O2
#                    without sanitizers; not a test: ci/bench-heap runs it

set(KILN_HEAP_SOURCES src/mm/allocator.c src/mm/buddy.c src/mm/heap_picture.c src/mm/list_heap.c
  src/lib/format.c src/lib/text.c)

kiln_host_test(heap_alloc tests/test_heap_alloc.c ${KILN_HEAP_SOURCES})

add_executable(bench_heap tests/bench_heap.c ${KILN_HEAP_SOURCES})
target_include_directories(bench_heap PRIVATE include tests)
# -g keeps function names and lines for callgrind; -O2 comes after the build
# type's own flags, so it wins in every preset.
target_compile_options(bench_heap PRIVATE ${KILN_WARNINGS} -O2 -g)

# The arena heap over the real PMM and VMM (kmalloc's and the user heaps' layer).
kiln_host_test(arena_heap tests/test_arena_heap.c src/mm/arena_heap.c ${KILN_HEAP_SOURCES}
  src/mm/vmm.c src/mm/pmm.c src/mm/memmap.c)
