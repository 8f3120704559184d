# cmake/pmm.cmake - src/mm/pmm*: the physical memory manager.
#
# Included from CMakeLists.txt after cmake/kiln.cmake.
#   host.pmm                 cmocka tests of src/mm/pmm.c and src/mm/memmap.c
#   host.pmm-memmap          src/mm/memmap.c against a brute force on random maps
#   qemu.ktest-64M, -1G      ktest=all on a small and a larger machine
#   qemu.pmm-ram-SIZE        tests/emu/pmm_ram.py: the PMM sees all of 64M ... 16G of RAM

kiln_host_test(pmm SOURCES tests/test_pmm.c src/mm/pmm.c src/mm/memmap.c)
kiln_host_test(pmm-memmap SOURCES tests/test_memmap.c src/mm/memmap.c)

# The PMM sees all of the machine's RAM, small and large (above 4 GiB too).
kiln_boot_test(qemu.ktest-64M ARGS --emulator qemu --memory 64M --cmdline "ktest=all")
kiln_boot_test(qemu.ktest-1G ARGS --emulator qemu --memory 1G --cmdline "ktest=all")
foreach(size 64M 1G 4G 16G)
  add_test(NAME qemu.pmm-ram-${size}
    COMMAND ${CMAKE_SOURCE_DIR}/tests/emu/pmm_ram.py ${size} ${CMAKE_BINARY_DIR})
endforeach()
