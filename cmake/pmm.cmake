# cmake/pmm.cmake - src/mm/pmm*: the physical memory manager.
#
# Included from CMakeLists.txt after cmake/kiln.cmake.
#   host.pmm                 cmocka tests of src/mm/pmm.c, pmm_index.c and memmap.c
#   host.pmm-memmap          src/mm/memmap.c against a brute force on random maps
#   host.pmm-index           src/mm/pmm_index.c: a sound tree, and O(1) work where promised
#   qemu.ktest-64M, -1G      ktest=all on a small and a larger machine
#   qemu.pmm-ram-SIZE        tests/emu/pmm_ram.py: the PMM uses all of 64M ... 1T of RAM
#   qemu.pmm-ram-1T-qemu64   the same at 1 TiB on a CPU without 1 GiB pages (2 MiB direct map)

kiln_host_test(pmm SOURCES tests/test_pmm.c src/mm/pmm.c src/mm/pmm_index.c src/mm/memmap.c)
kiln_host_test(pmm-memmap SOURCES tests/test_memmap.c src/mm/memmap.c src/mm/pmm.c src/mm/pmm_index.c)
kiln_host_test(pmm-index SOURCES tests/test_pmm_index.c src/mm/pmm_index.c)

# The PMM sees all of the machine's RAM, small and large (above 4 GiB too).
kiln_boot_test(qemu.ktest-64M ARGS --emulator qemu --memory 64M --cmdline "ktest=all")
kiln_boot_test(qemu.ktest-1G ARGS --emulator qemu --memory 1G --cmdline "ktest=all")
# Above 64 GiB the RAM joins once the kernel's direct map reaches it; at 1T
# QEMU puts it at 1 TiB to 2 TiB.
foreach(size 64M 1G 4G 16G 64G 1T)
  add_test(NAME qemu.pmm-ram-${size}
    COMMAND ${CMAKE_SOURCE_DIR}/tests/emu/pmm_ram.py ${size} ${CMAKE_BINARY_DIR})
endforeach()
add_test(NAME qemu.pmm-ram-1T-qemu64
  COMMAND ${CMAKE_SOURCE_DIR}/tests/emu/pmm_ram.py 1T ${CMAKE_BINARY_DIR} qemu64)
