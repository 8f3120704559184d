# toolchain.cmake - compilers and flags for a freestanding x86_64 kernel.
#
# The kernel is built with the host's own compiler (gcc by default, clang with
# -DKILN_COMPILER=clang or the "clang" preset): an x86_64 host compiler can
# emit freestanding x86_64 code once it is told not to assume an OS. The host
# unit tests use the same compiler with the normal hosted settings, so one
# build tree holds both. KILN_KERNEL_C_FLAGS and KILN_KERNEL_LINK_FLAGS are
# applied to the kernel target only (CMakeLists.txt).

set(KILN_COMPILER "gcc" CACHE STRING "Compiler for the kernel and host tests: gcc or clang")
set_property(CACHE KILN_COMPILER PROPERTY STRINGS gcc clang)

if(KILN_COMPILER STREQUAL "clang")
  set(CMAKE_C_COMPILER clang)
else()
  set(CMAKE_C_COMPILER gcc)
endif()
set(CMAKE_ASM_NASM_COMPILER nasm)

set(KILN_KERNEL_C_FLAGS
  -ffreestanding          # no hosted libc; only <stdint.h> and friends
  -fno-stack-protector    # no __stack_chk_guard in a kernel without a libc
  -fno-pic -fno-pie       # linked at fixed addresses
  -mcmodel=kernel         # code and data live in the top 2 GiB
  -mno-red-zone           # interrupts push onto the stack below RSP
  -mgeneral-regs-only     # no SSE/x87: the kernel does not save FPU state
  -fno-omit-frame-pointer # RBP chains make backtraces possible
  -fno-asynchronous-unwind-tables
  -Wframe-larger-than=4096 # kernel stacks are 16 KiB: a big local belongs in static or kmalloc memory
  -fstack-clash-protection # touch each page of a large frame in order, so an overflow
                           # hits the guard page instead of jumping over it
)

set(KILN_KERNEL_LINK_FLAGS
  -nostdlib -static -no-pie
  -Wl,--build-id=none     # a build-id note could push the Multiboot2 header past 32 KiB
  -Wl,-z,max-page-size=0x1000
  -Wl,--no-warn-rwx-segments
)
