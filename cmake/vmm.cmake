# cmake/vmm.cmake - src/mm/vmm*: page tables and address spaces.
#
# Included from CMakeLists.txt after cmake/kiln.cmake.
#   host.vmm                  cmocka tests of src/mm/vmm.c and vmm_dump.c over the real PMM
#   build.vmm-map-swapped-addresses  vmm_map(as, pa, va, ...) must not compile
#   qemu.vmm-dump-1gib-pages  walk=space: the direct map in 1 GiB pages, the image by section
#   qemu.vmm-dump-2mib-pages  the same on a CPU without 1 GiB pages
#   qemu.ktest-vmm-16G        the VMM suite with 16 GiB of RAM
#   host.region               cmocka tests of src/mm/region.c: regions and the page-fault
#                             decision (with a random model)

kiln_host_test(vmm SOURCES
  tests/test_vmm.c
  src/mm/vmm.c
  src/mm/vmm_dump.c
  src/mm/pmm.c
  src/mm/pmm_index.c
  src/mm/memmap.c
  src/lib/format.c
)

kiln_host_test(region SOURCES tests/test_region.c src/mm/region.c)

# Swapping a physical and a virtual address at a VMM call must not compile
# (paddr_t and vaddr_t are distinct structs, include/mm/addr.h). The two
# alternatives are gcc's wording and clang's (the clang preset runs it too).
kiln_build_fails_test(build.vmm-map-swapped-addresses
  SOURCE tests/must_not_compile/vmm_map_swapped.c
  EXPECT "incompatible type for argument 2 of [^ ]*vmm_map|passing .paddr_t. to parameter of incompatible type .vaddr_t.")

# The kernel's own page tables, dumped (walk=space): the direct map uses the
# largest page the CPU has, the image is mapped by section, low memory is empty.
kiln_boot_test(qemu.vmm-dump-1gib-pages
  ARGS --emulator qemu --cmdline "poweroff walk=space"
  EXPECT "vmm:   0xffff800000000000-0xffff8000ffffffff -> 0  1 GiB x 4  P W NX\n\
vmm:   0xffffc00000000000-0xffffc0000003ffff -> 0x[0-9a-f]+ and scattered frames  4 KiB x 64  P W OWN NX\n"
         "vmm:   0xffffffff80[0-9a-f]+-0xffffffff80[0-9a-f]+ -> 0x[0-9a-f]+  4 KiB x [0-9]+  P\n"
         "kiln: power off \\(success\\)")
kiln_boot_test(qemu.vmm-dump-2mib-pages
  ARGS --emulator qemu --cpu qemu64 --cmdline "poweroff walk=space"
  EXPECT "vmm:   0xffff800000000000-0xffff8000ffffffff -> 0  2 MiB x 2048  P W NX\n"
         "kiln: power off \\(success\\)")
kiln_boot_test(qemu.ktest-vmm-16G
  ARGS --emulator qemu --memory 16G --cmdline "ktest=vmm"
  EXPECT "vmm: kernel page tables at 0x[0-9a-f]+: direct map 17408 MiB with 1 GiB pages"
         "ci/boot: PASS")
