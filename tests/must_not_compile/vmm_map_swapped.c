/*
 * Must NOT compile: vmm_map with its physical and virtual addresses swapped.
 *
 * paddr_t and vaddr_t (include/mm/addr.h) are distinct one-member structs, so
 * the compiler refuses a physical address where the VMM wants a virtual one.
 * CTest builds this file and passes only if the build fails with gcc's
 * "incompatible type for argument 2 of 'vmm_map'" or clang's "passing
 * 'paddr_t' to parameter of incompatible type 'vaddr_t'" (cmake/vmm.cmake).
 */
#include "mm/vmm.h"

int map_swapped(struct address_space *as, vaddr_t va, paddr_t pa)
{
    return vmm_map(as, pa, va, PAGE_SIZE, VMM_WRITE);
}
